package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// PasswordReset is a password-reset token sent by e-mail: only its
// SHA-256 hash is stored; it works once, until ExpiresAt.
type PasswordReset struct {
	ent.Schema
}

// Fields of the PasswordReset.
func (PasswordReset) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		field.String("token_hash").MaxLen(64).Sensitive().Immutable().Unique(),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of the PasswordReset.
func (PasswordReset) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("password_resets").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PasswordReset.
func (PasswordReset) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id"),
		index.Fields("expires_at"),
	}
}

// DataExport is an account's data export (exportMyData): a ZIP built in
// the background into the blob store under a private key, readable only by
// its owner until ExpiresAt, then deleted with its file.
type DataExport struct {
	ent.Schema
}

// Fields of the DataExport.
func (DataExport) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		field.Enum("state").Values("building", "ready", "failed").Default("building"),
		// BlobKey is where the ZIP is once ready.
		field.String("blob_key").Optional().MaxLen(200),
		field.Int64("size").Default(0),
		field.Time("expires_at"),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of the DataExport.
func (DataExport) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("exports").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the DataExport.
func (DataExport) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "created_at"),
		index.Fields("expires_at"),
	}
}
