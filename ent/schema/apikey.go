package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// ApiKey is an account's API key (issue 15): only the SHA-256 digest of the
// key is stored (a key is 256 random bits, so no slow hash is needed). A
// revoked key keeps its row, with revoked_at set, until the account goes.
type ApiKey struct {
	ent.Schema
}

// Fields of the ApiKey.
func (ApiKey) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		field.String("name").MaxLen(100).Immutable(),
		// Scopes: "read", or "read,write".
		field.String("scopes").MaxLen(32).Immutable(),
		field.String("token_hash").MaxLen(64).Sensitive().Immutable(),
		field.Time("created_at").Default(now).Immutable(),
		// LastUsedAt is written at most once a minute per key.
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of the ApiKey.
func (ApiKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("api_keys").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the ApiKey.
func (ApiKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token_hash").Unique(),
		// An account's keys (viewer.apiKeys, the count of live keys).
		index.Fields("user_id", "created_at"),
	}
}
