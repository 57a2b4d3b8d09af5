package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Question is one item of the survey judges answer about a photo. Questions
// are data: operators add or retire them without a code change. A retired
// question is no longer asked, and its past answers stay.
type Question struct {
	ent.Schema
}

// Fields of the Question.
func (Question) Fields() []ent.Field {
	return []ent.Field{
		// Key is the stable name clients send answers under, e.g. "age".
		field.String("key").MaxLen(40).NotEmpty().Immutable(),
		field.String("prompt").MaxLen(200).NotEmpty(),
		field.Enum("kind").Values("NUMBER", "SCALE", "YES_NO", "WORD").Immutable(),
		// Min and Max bound NUMBER and SCALE answers.
		field.Int("min").Optional().Nillable().Immutable(),
		field.Int("max").Optional().Nillable().Immutable(),
		// Position orders the survey.
		field.Int("position").Default(0),
		field.Bool("retired").Default(false),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Indexes of the Question.
func (Question) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("key").Unique(),
	}
}
