package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Answer is one answer of a vote, stored compactly in the vote's JSON: the
// question's id and exactly one value that fits the question's kind.
type Answer struct {
	Question int     `json:"q"`
	Number   *int    `json:"n,omitempty"` // NUMBER, SCALE
	Yes      *bool   `json:"y,omitempty"` // YES_NO
	Word     *string `json:"w,omitempty"` // WORD, normalised
}

// Vote is one judge's answers about one photo. The unique (judge, photo)
// index allows one vote per judge and photo; the vote path relies on it to
// refuse repeats.
type Vote struct {
	ent.Schema
}

// Fields of the Vote.
func (Vote) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		// JudgeID changes only when an anonymous judge's votes move to the
		// account it signs in to.
		field.UUID("judge_id", uuid.UUID{}),
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		field.JSON("answers", Answers{}),
		field.Time("created_at").Default(now).Immutable(),
		// Network is the voter's network (clientaddr.Network: IPv4 /24, IPv6
		// /48) when the vote was cast; the judge model discounts bursts of
		// votes on one photo from one network, and votes from its owner's.
		field.String("network").Optional().MaxLen(64).Immutable(),
	}
}

// Edges of the Vote.
func (Vote) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("judge", User.Type).Ref("votes").Field("judge_id").Unique().Required(),
		edge.From("photo", Photo.Type).Ref("votes").Field("photo_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Vote.
func (Vote) Indexes() []ent.Index {
	return []ent.Index{
		// One vote per judge and photo; also answers "has this judge voted
		// on these photos" and nextPhoto's anti-join.
		index.Fields("judge_id", "photo_id").Unique(),
		// A photo's votes (recounts, merges, deletes).
		index.Fields("photo_id"),
		// The votes stored since a time, oldest first: what each refit
		// round reads (judging/refit.go), every few seconds.
		index.Fields("created_at", "id"),
	}
}
