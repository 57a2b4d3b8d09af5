package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// PhotoQuestionStat is the running aggregate of one question's answers
// about one photo. It changes only inside the transaction that stores the
// votes behind it, so it never disagrees with them.
type PhotoQuestionStat struct {
	ent.Schema
}

// Fields of the PhotoQuestionStat.
func (PhotoQuestionStat) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		field.Int("question_id").Immutable(),
		field.Int64("count").Default(0),
		field.Int64("sum").Default(0),
		field.Int64("sum_sq").Default(0),
		// The judge model's weighted figures (stats.Weighted), written by
		// the refit only: Σ weight, Kish's effective count, the weighted
		// mean and mean square, and the mean without judges' offsets. A
		// zero w_neff means not weighed yet: the raw figures are shown.
		field.Float("w_weight").Default(0),
		field.Float("w_neff").Default(0),
		field.Float("w_mean").Default(0),
		field.Float("w_mean_sq").Default(0),
		field.Float("w_adjusted").Optional().Nillable(),
	}
}

// Edges of the PhotoQuestionStat.
func (PhotoQuestionStat) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("photo", Photo.Type).Ref("question_stats").Field("photo_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PhotoQuestionStat.
func (PhotoQuestionStat) Indexes() []ent.Index {
	return []ent.Index{index.Fields("photo_id", "question_id").Unique()}
}

// PhotoAnswerCount is one bar of a photo's histogram for a NUMBER or
// SCALE question: how many answers had this value. A YES_NO question's
// histogram is derived from its PhotoQuestionStat (no: count - sum, yes:
// sum); rows of YES_NO questions written by earlier releases are not read.
type PhotoAnswerCount struct {
	ent.Schema
}

// Fields of the PhotoAnswerCount.
func (PhotoAnswerCount) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		field.Int("question_id").Immutable(),
		field.Int("value").Immutable(),
		field.Int64("count").Default(0),
	}
}

// Edges of the PhotoAnswerCount.
func (PhotoAnswerCount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("photo", Photo.Type).Ref("answer_counts").Field("photo_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PhotoAnswerCount.
func (PhotoAnswerCount) Indexes() []ent.Index {
	return []ent.Index{index.Fields("photo_id", "question_id", "value").Unique()}
}

// PhotoWord counts how often a word was given as a photo's first impression.
type PhotoWord struct {
	ent.Schema
}

// Fields of the PhotoWord.
func (PhotoWord) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		field.Int("question_id").Immutable(),
		// MaxLen counts bytes: 24 letters of up to 4 bytes, and marks.
		field.String("word").MaxLen(256).Immutable(),
		field.Int64("count").Default(0),
	}
}

// Edges of the PhotoWord.
func (PhotoWord) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("photo", Photo.Type).Ref("words").Field("photo_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PhotoWord.
func (PhotoWord) Indexes() []ent.Index {
	return []ent.Index{index.Fields("photo_id", "question_id", "word").Unique()}
}
