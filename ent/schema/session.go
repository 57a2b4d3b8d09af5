package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Session is a signed-in account's session. Only SHA-256 hashes of its
// access and refresh tokens are stored, so a leaked table grants nothing.
type Session struct {
	ent.Schema
}

// Fields of the Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		field.String("token_hash").MaxLen(64).Sensitive(),
		field.String("refresh_hash").MaxLen(64).Sensitive(),
		field.Time("expires_at"),
		field.Time("refresh_expires_at"),
		field.Time("created_at").Default(now).Immutable(),
		// UserAgent is the client's User-Agent when the session began
		// (truncated), so that viewer.sessions can tell devices apart.
		field.String("user_agent").Optional().MaxLen(200).Immutable(),
	}
}

// Edges of the Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Session.
func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token_hash").Unique(),
		index.Fields("refresh_hash").Unique(),
		// Expired sessions are swept by expiry.
		index.Fields("refresh_expires_at"),
		// An account's sessions (viewer.sessions, ending them).
		index.Fields("user_id", "created_at"),
	}
}
