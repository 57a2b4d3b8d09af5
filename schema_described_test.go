package facestat

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// loadSchema parses and validates schema.graphql as gqlgen does.
func loadSchema(t *testing.T, name string, src []byte) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: string(src)})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// undescribed lists every type, field, argument, enum value and input field
// of s (built-in scalars and introspection types aside) that has no
// description, as Type, Type.field, Type.field(arg:) or Type.VALUE.
func undescribed(s *ast.Schema) []string {
	var missing []string
	lack := func(desc, what string) {
		if strings.TrimSpace(desc) == "" {
			missing = append(missing, what)
		}
	}
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		lack(def.Description, name)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // __schema, __type, __typename: introspection's own
			}
			lack(f.Description, name+"."+f.Name)
			for _, a := range f.Arguments {
				lack(a.Description, name+"."+f.Name+"("+a.Name+":)")
			}
		}
		for _, v := range def.EnumValues {
			lack(v.Description, name+"."+v.Name)
		}
	}
	for name, d := range s.Directives {
		if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn {
			continue
		}
		lack(d.Description, "@"+name)
		for _, a := range d.Arguments {
			lack(a.Description, "@"+name+"("+a.Name+":)")
		}
	}
	return missing
}

// TestSchemaDescribed: every type, field, argument, enum value and input
// field of schema.graphql has a description (issue 15: clients read them in
// GraphiQL and their IDEs).
func TestSchemaDescribed(t *testing.T) {
	missing := undescribed(loadSchema(t, "schema.graphql", Schema))
	for _, m := range missing {
		t.Errorf("%s has no description", m)
	}
}
