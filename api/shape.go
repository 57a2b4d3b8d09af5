package api

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat"
)

// maxNameBytes bounds the names a document makes up: its operation's,
// aliases, fragments' and variables'. The schema's own names are at most
// 21 bytes; operation names become log fields and metric labels.
const maxNameBytes = 64

// shapeLimit refuses, before anything runs, a document with more than
// MaxAliases aliases, an alias inside introspection, or a made-up name
// longer than maxNameBytes, with GRAPHQL_VALIDATION_FAILED and reason
// ALIAS_LIMIT_EXCEEDED or TOO_LONG. Aliases are priced (api/cost.go); the
// count bounds what pricing does not see: the work of validating and
// merging many fields of one name. Introspection is priced by its fullest
// answer (priceSchema, priceType), which an alias inside it would repeat
// for the price of the alias alone: a client asks for each part of the
// schema once (GraphiQL's query has no alias), and aliases of __schema or
// __type themselves are priced in full.
type shapeLimit struct{ MaxAliases int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Doc == nil {
		return nil
	}
	aliases := 0
	var long, introAlias string
	name := func(n string) {
		if len(n) > maxNameBytes && long == "" {
			long = n
		}
	}
	// walk counts the aliases of set; intro says set is inside
	// introspection.
	var walk func(set ast.SelectionSet, intro bool)
	walk = func(set ast.SelectionSet, intro bool) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != "" && s.Alias != s.Name {
					aliases++
					name(s.Alias)
					if intro && introAlias == "" {
						introAlias = s.Alias
					}
				}
				walk(s.SelectionSet, intro || s.Name == "__schema" || s.Name == "__type")
			case *ast.InlineFragment:
				walk(s.SelectionSet, intro || introspectionType(s.TypeCondition))
			}
		}
	}
	for _, op := range oc.Doc.Operations {
		name(op.Name)
		for _, v := range op.VariableDefinitions {
			name(v.Variable)
		}
		walk(op.SelectionSet, false)
	}
	for _, f := range oc.Doc.Fragments {
		name(f.Name)
		walk(f.SelectionSet, introspectionType(f.TypeCondition))
	}
	if long != "" {
		return invalidDocument(facestat.ReasonTooLong, "the name %.20q… is longer than %d bytes", long, maxNameBytes)
	}
	if introAlias != "" {
		return invalidDocument(facestat.ReasonAliasLimit, "the alias %.20q is inside introspection, where aliases are not allowed: ask for each part of the schema once", introAlias)
	}
	if aliases > l.MaxAliases {
		return invalidDocument(facestat.ReasonAliasLimit, "the document has %d aliases, more than %d", aliases, l.MaxAliases)
	}
	return nil
}

// introspectionType reports whether a type condition names one of
// introspection's types (__Schema, __Type, __Field ...), which only
// __schema and __type reach.
func introspectionType(name string) bool { return strings.HasPrefix(name, "__") }
