package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// PhotoReport is one judge's report of a photo (reportPhoto). Counted says
// whether it counts toward hiding the photo: its reporter was shown the
// photo, is an established judge and shares no network with another
// counted reporter. A moderator's RESTORE resolves the photo's open reports.
type PhotoReport struct {
	ent.Schema
}

// Fields of the PhotoReport.
func (PhotoReport) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		// ReporterID is null once the reporter's account is deleted: the
		// report stays, anonymous.
		field.UUID("reporter_id", uuid.UUID{}).Optional().Nillable(),
		field.Enum("reason").Values("spam", "nudity", "minor", "harassment", "other").Immutable(),
		field.String("note").Optional().MaxLen(2000).Immutable(),
		// Network is the reporter's (clientaddr.Network) when reporting.
		field.String("network").Optional().MaxLen(64).Immutable(),
		field.Bool("counted").Default(false),
		field.Time("created_at").Default(now).Immutable(),
		// ResolvedAt is set when a moderator acted on the photo: the report
		// no longer counts toward hiding it.
		field.Time("resolved_at").Optional().Nillable(),
	}
}

// Edges of the PhotoReport.
func (PhotoReport) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("photo", Photo.Type).Ref("reports").Field("photo_id").Unique().Required().Immutable(),
		edge.From("reporter", User.Type).Ref("reports").Field("reporter_id").Unique(),
	}
}

// Indexes of the PhotoReport.
func (PhotoReport) Indexes() []ent.Index {
	return []ent.Index{
		// One report per judge and photo.
		index.Fields("photo_id", "reporter_id").Unique(),
		// A reporter's reports (export, rate of reports).
		index.Fields("reporter_id", "created_at"),
	}
}

// PhotoServing records that nextPhoto served a photo to a judge, so that a
// report can tell whether its reporter was shown the photo. Written in the
// background in batches; a serving lost to a crash only means a report
// does not count (the guard fails closed). There is no foreign key to the
// judge: an anonymous judge has no row before its first vote.
type PhotoServing struct {
	ent.Schema
}

// Fields of the PhotoServing.
func (PhotoServing) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("judge_id", uuid.UUID{}).Immutable(),
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		field.Time("served_at").Default(now),
	}
}

// Edges of the PhotoServing.
func (PhotoServing) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("photo", Photo.Type).Ref("servings").Field("photo_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PhotoServing.
func (PhotoServing) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("judge_id", "photo_id").Unique(),
		// Old servings are swept by age.
		index.Fields("served_at"),
	}
}

// ModerationEntry is one line of the append-only moderation log: who did
// what to which photo, when and why. Rows are never updated, except that
// deleting an account replaces its ids and handle with a tombstone.
type ModerationEntry struct {
	ent.Schema
}

// Fields of the ModerationEntry.
func (ModerationEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		// ActorID is the moderator (no foreign key: the log outlives
		// accounts); ActorHandle is their handle then, null once their
		// account is deleted (ActorID is then a tombstone id).
		field.UUID("actor_id", uuid.UUID{}),
		field.String("actor_handle").Optional().Nillable().MaxLen(30),
		field.Enum("action").Values("restore", "remove", "ban_owner").Immutable(),
		// The photo acted on and its owner, kept after both are gone.
		field.UUID("photo_id", uuid.UUID{}).Immutable(),
		field.UUID("owner_id", uuid.UUID{}),
		field.String("note").Optional().MaxLen(2000).Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Indexes of the ModerationEntry.
func (ModerationEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("actor_id"),
		index.Fields("owner_id"),
	}
}

// BannedEmail keeps the SHA-256 hash of a banned owner's normalised e-mail
// address, so that it cannot sign up again; the address itself is not kept.
type BannedEmail struct {
	ent.Schema
}

// Fields of the BannedEmail.
func (BannedEmail) Fields() []ent.Field {
	return []ent.Field{
		field.String("email_hash").MaxLen(64).Immutable().Unique(),
		field.Time("created_at").Default(now).Immutable(),
	}
}
