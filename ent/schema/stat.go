package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// PhotoQuestionStat holds the judge model's weighted figures of one
// question's answers about one photo, written by the refit. Its count, sum
// and sum_sq are what releases before PhotoTally kept here: no longer
// written by this release's votes nor read (a later release drops them).
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

// PhotoTally holds a photo's running raw figures (count, sum, sum of
// squares) for every question, in one row: the vote path adds a batch's
// deltas to it (facestat_add_tallies), under the photo's lock, in the
// transaction that stores the votes. Its PhotoQuestionStat rows hold the
// judge model's weighted figures only; their count, sum and sum_sq are
// what releases before the tallies wrote, no longer read (while
// instances of such a release still run, a PostgreSQL trigger adds what
// they write there to the tallies).
type PhotoTally struct {
	ent.Schema
}

// Fields of the PhotoTally.
func (PhotoTally) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("photo_id", uuid.UUID{}).Immutable().Unique(),
		field.JSON("tallies", Tallies{}),
	}
}

// Edges of the PhotoTally.
func (PhotoTally) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("photo", Photo.Type).Ref("tally").Field("photo_id").Unique().Required().Immutable(),
	}
}

// PhotoAnswerCount is one bar of a photo's histogram for a NUMBER or
// SCALE question: how many answers had this value. A YES_NO question's
// histogram is derived from its tally (PhotoTally; no: count - sum, yes:
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
