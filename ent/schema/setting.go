package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Setting is an instance-wide value shared by every instance on the same
// database, such as the key that signs anonymous judges' tokens.
type Setting struct {
	ent.Schema
}

// Fields of the Setting.
func (Setting) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").MaxLen(100).NotEmpty().Immutable(),
		field.String("value").Sensitive(),
	}
}
