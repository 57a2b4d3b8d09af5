package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestIntrospectionDescribesEverything: what the server's introspection
// answers (the compiled schema, not only schema.graphql, which
// TestSchemaDescribed checks) has a description for every type, field,
// argument, input field and enum value but the built-in scalars and
// introspection's own types.
func TestIntrospectionDescribesEverything(t *testing.T) {
	const q = `{ __schema { types { name description
	  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { name description } }
	  inputFields(includeDeprecated: true) { name description }
	  enumValues(includeDeprecated: true) { name description } } } }`
	type item struct{ Name, Description string }
	var data struct {
		Schema struct {
			Types []struct {
				item
				Fields []struct {
					item
					Args []item
				}
				InputFields []item
				EnumValues  []item
			}
		} `json:"__schema"`
	}
	if err := json.Unmarshal(answer(t, pricedSchema(t), q), &data); err != nil {
		t.Fatal(err)
	}
	builtIn := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	lack := func(desc, what string) {
		if strings.TrimSpace(desc) == "" {
			t.Errorf("introspection: %s has no description", what)
		}
	}
	if len(data.Schema.Types) < 20 {
		t.Fatalf("introspection answered %d types", len(data.Schema.Types))
	}
	for _, typ := range data.Schema.Types {
		if builtIn[typ.Name] || strings.HasPrefix(typ.Name, "__") {
			continue
		}
		lack(typ.Description, typ.Name)
		for _, f := range typ.Fields {
			lack(f.Description, typ.Name+"."+f.Name)
			for _, a := range f.Args {
				lack(a.Description, typ.Name+"."+f.Name+"("+a.Name+":)")
			}
		}
		for _, f := range typ.InputFields {
			lack(f.Description, typ.Name+"."+f.Name)
		}
		for _, v := range typ.EnumValues {
			lack(v.Description, typ.Name+"."+v.Name)
		}
	}
}
