package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// User is an identity that can judge: an account (handle, email, password)
// or an anonymous judge, whose row is created only by its first vote and
// whose id is the one carried by its signed token.
type User struct {
	ent.Schema
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		// Handle is the lower-case public name; null for anonymous judges.
		field.String("handle").Optional().Nillable().MaxLen(30),
		// Email is stored normalised (trimmed, lower-case); null for anonymous judges.
		field.String("email").Optional().Nillable().MaxLen(254),
		// PasswordHash is an argon2id PHC string.
		field.String("password_hash").Optional().Sensitive(),
		field.Enum("role").Values("user", "moderator", "admin").Default("user"),
		field.Bool("anonymous").Default(false),
		// MergedIntoID is set on an anonymous judge that signed in to an
		// account: its votes moved there and its token no longer votes.
		field.UUID("merged_into_id", uuid.UUID{}).Optional().Nillable(),
		// PhotoCount counts the user's photos; the upload quota is enforced
		// by a conditional increment of it, race-free on both backends.
		field.Int("photo_count").Default(0).NonNegative(),
		// KarmaEarned is what judging earned, credited by the refit once per
		// vote; Karma is the balance (earned minus what votes received on
		// one's photos spent), kept by the refit too.
		field.Int64("karma_earned").Default(0),
		field.Int64("karma").Default(0),
		// BannedAt is set when a moderator banned the account (BAN_OWNER):
		// it can no longer sign in.
		field.Time("banned_at").Optional().Nillable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("photos", Photo.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("sessions", Session.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("votes", Vote.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("skips", PhotoSkip.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("profile", JudgeProfile.Type).Unique().Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("reports", PhotoReport.Type).Annotations(entsql.OnDelete(entsql.SetNull)),
		edge.To("password_resets", PasswordReset.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("exports", DataExport.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("api_keys", ApiKey.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("handle").Unique(),
		index.Fields("email").Unique(),
	}
}
