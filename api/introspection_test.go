package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
)

// introspectionFragments select everything introspection can tell about a
// type as deep as gqlparser's MaxIntrospectionDepth allows (two nested
// levels of fields, inputFields, interfaces and possibleTypes; arguments,
// enum values, deprecated ones included, and three levels of ofType at
// each; every scalar field of each): FTd is a type at depth
// d, TRd a type reference, IVd an argument or input field. withIV0 adds
// IV0, which only directives' arguments use.
func introspectionFragments(withIV0 bool) string {
	var b strings.Builder
	for d := range 3 {
		fmt.Fprintf(&b, "fragment FT%d on __Type { kind name description specifiedByURL isOneOf enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }", d)
		if n := d + 1; d < 2 {
			fmt.Fprintf(&b, " fields(includeDeprecated: true) { name description isDeprecated deprecationReason args(includeDeprecated: true) { ...IV%d } type { ...TR%d } }"+
				" inputFields(includeDeprecated: true) { ...IV%d } interfaces { ...TR%d } possibleTypes { ...TR%d }", n, n, n, n, n)
		}
		fmt.Fprintf(&b, " }\nfragment TR%d on __Type { ...FT%d ofType { ...FT%d ofType { ...FT%d ofType { ...FT%d } } } }\n", d, d, d, d, d)
		if d > 0 || withIV0 {
			fmt.Fprintf(&b, "fragment IV%d on __InputValue { name description defaultValue isDeprecated deprecationReason type { ...TR%d } }\n", d, d)
		}
	}
	return b.String()
}

// answerBytes runs query, admitted whatever its price, against es with
// introspection on (it needs no resolvers) and returns the size of its
// data.
func answerBytes(t *testing.T, es graphql.ExecutableSchema, query string) int {
	t.Helper()
	return len(answer(t, es, query))
}

// answer runs query as answerBytes does and returns its data.
func answer(t *testing.T, es graphql.ExecutableSchema, query string) []byte {
	t.Helper()
	exec := executor.New(es)
	exec.Use(extension.Introspection{})
	ctx := graphql.StartOperationTrace(context.Background())
	rc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query})
	if errs != nil {
		t.Fatalf("%v\n%s", errs, query)
	}
	handler, ctx := exec.DispatchOperation(ctx, rc)
	resp := handler(ctx)
	if len(resp.Errors) > 0 {
		t.Fatalf("%v", resp.Errors)
	}
	return resp.Data
}

// TestIntrospectionPricedByItsAnswer: the fullest __schema, and the
// fullest __type of every type, answer at most their price's worth of
// bytes (a unit is unitBytes), so that introspection cannot undercut the
// price limit's bound on an answer. It fails when the schema outgrows the
// prices of introspection.
func TestIntrospectionPricedByItsAnswer(t *testing.T) {
	es := pricedSchema(t)
	q := "{ __schema { description queryType { ...FT0 } mutationType { ...FT0 } subscriptionType { ...FT0 } types { ...FT0 } directives { name description locations isRepeatable args(includeDeprecated: true) { ...IV0 } } } }\n" + introspectionFragments(true)
	if n, p := answerBytes(t, es, q), priceOf(t, es, q, "", nil); n > p*unitBytes {
		t.Errorf("the fullest __schema answers %d bytes, more than its price %d × %d bytes", n, p, unitBytes)
	} else {
		t.Logf("the fullest __schema: %d bytes, price %d", n, p)
	}
	worst, name := 0, ""
	for typ := range es.Schema().Types {
		q := fmt.Sprintf("{ __type(name: %q) { ...TR0 } }\n", typ) + introspectionFragments(false)
		if n := answerBytes(t, es, q); n > worst {
			worst, name = n, typ
		}
	}
	q = fmt.Sprintf("{ __type(name: %q) { ...TR0 } }\n", name) + introspectionFragments(false)
	if p := priceOf(t, es, q, "", nil); worst > p*unitBytes {
		t.Errorf("the fullest __type(name: %q) answers %d bytes, more than its price %d × %d bytes", name, worst, p, unitBytes)
	} else {
		t.Logf("the fullest __type, of %s: %d bytes, price %d", name, worst, p)
	}
}

// TestIntrospectionAliasesRefused: an alias inside introspection would
// repeat a part of the schema's answer for the price of the alias alone,
// so none is admitted there, directly or through a fragment on an
// introspection type; introspection fields under aliases of their own (each
// priced) and GraphiQL's query are admitted.
func TestIntrospectionAliasesRefused(t *testing.T) {
	limit := shapeLimit{MaxAliases: 50}
	check := func(query string) error {
		t.Helper()
		exec := executor.New(pricedSchema(t))
		exec.Use(extension.Introspection{})
		exec.Use(limit)
		_, errs := exec.CreateOperationContext(graphql.StartOperationTrace(context.Background()), &graphql.RawParams{Query: query})
		if errs != nil {
			return errs
		}
		return nil
	}
	for _, q := range []string{
		`{ __schema { a: types { name } b: types { name } } }`,
		`{ __type(name: "Query") { name again: name } }`,
		`{ __schema { types { ...T } } } fragment T on __Type { f: fields { name } }`,
		`{ __type(name: "Query") { ... on __Type { f: fields { name } } } }`,
	} {
		err := check(q)
		if err == nil || !strings.Contains(err.Error(), "introspection") {
			t.Errorf("%s: %v, want refused for an alias inside introspection", q, err)
		}
	}
	for _, q := range []string{
		`{ a: __type(name: "Query") { name } b: __type(name: "Mutation") { name } t: __typename }`,
		`{ photos(first: 1) { n: nodes { id } } }`,
		`{ __schema { types { ...TR0 } directives { name args { ...IV0 } } } }` + "\n" + introspectionFragments(true),
	} {
		if err := check(q); err != nil {
			t.Errorf("%s: %v, want admitted", q, err)
		}
	}
}
