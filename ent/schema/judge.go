package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// JudgeProfile is what the judge model (judging/quality) learnt about one
// judge: the habitual offset per question, how careful the judge is and
// the weight of the judge's votes. The refit writes it; nothing else does.
type JudgeProfile struct {
	ent.Schema
}

// Fields of the JudgeProfile.
func (JudgeProfile) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("judge_id", uuid.UUID{}).Immutable(),
		field.Int("votes").Default(0),
		field.Float("care").Default(1),
		field.Float("weight").Default(0),
		// Offsets by question id (string keys, as JSON has them).
		field.JSON("offsets", map[string]float64{}).Optional(),
		field.Time("updated_at").Default(now).UpdateDefault(now),
	}
}

// Edges of the JudgeProfile.
func (JudgeProfile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("judge", User.Type).Ref("profile").Field("judge_id").Unique().Required().Immutable(),
	}
}

// PhotoSkip records that a judge skipped a photo: it is never offered to
// that judge again (skipPhoto).
type PhotoSkip struct {
	ent.Schema
}

// Fields of the PhotoSkip.
func (PhotoSkip) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("judge_id", uuid.UUID{}).Immutable(),
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of the PhotoSkip.
func (PhotoSkip) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("judge", User.Type).Ref("skips").Field("judge_id").Unique().Required().Immutable(),
		edge.From("photo", Photo.Type).Ref("skips").Field("photo_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PhotoSkip.
func (PhotoSkip) Indexes() []ent.Index {
	return []ent.Index{
		// One skip per judge and photo; nextPhoto's anti-join.
		index.Fields("judge_id", "photo_id").Unique(),
		index.Fields("photo_id"),
	}
}
