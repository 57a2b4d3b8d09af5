package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/facestat/facestat"
)

// parse parses a query document and returns it with its first operation.
func parse(t *testing.T, query string) (*ast.QueryDocument, *ast.OperationDefinition) {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatalf("parsing %q: %v", query, err)
	}
	if len(doc.Operations) == 0 {
		t.Fatalf("%q has no operation", query)
	}
	return doc, doc.Operations[0]
}

// measure returns the depth of query's first operation, counted up to limit.
func measure(t *testing.T, query string, limit int) int {
	t.Helper()
	doc, op := parse(t, query)
	w := depthWalker{doc: doc, cap: limit, memo: map[string]int{}}
	return w.depth(op.SelectionSet)
}

func TestDepthWalker(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string
		want  int
	}{
		{"OKOneField", `{ a }`, 1},
		{"OKSiblingsDoNotAdd", `{ a b c }`, 1},
		{"OKNested", `{ a { b { c } } }`, 3},
		{"OKDeepestBranch", `{ a { b } c { d { e { f } } } g }`, 4},
		{"OKTypename", `{ a { __typename } }`, 2},
		{"OKArgumentsAndAliases", `{ x: a(first: 10, after: "c") { y: b { c } } }`, 3},
		{"OKMutation", `mutation { signUp(input: {handle: "a"}) { viewer { id } } }`, 3},
		{"OKInlineFragmentAddsNothing", `{ a { ... on Photo { b { c } } } }`, 3},
		{"OKNestedInlineFragments", `{ a { ... { ... on X { ... @include(if: true) { b } } } } }`, 2},
		{"OKNamedFragment", `{ a { ...F } } fragment F on T { b { c } }`, 3},
		{"OKFragmentAtRoot", `{ ...F } fragment F on Query { a { b } }`, 2},
		{"OKFragmentChain", `{ a { ...F } } fragment F on T { b { ...G } } fragment G on T { c { d } }`, 4},
		{"OKFragmentBesideDeeperField", `{ a { ...F x { y { z { w } } } } } fragment F on T { b }`, 5},
		{"OKFragmentInInlineFragment", `{ a { ... on T { ...F } } } fragment F on T { b { c } }`, 3},
		{"OKFragmentSpreadTwice", `{ a { ...F } b { c { ...F } } } fragment F on T { d { e } }`, 4},
		{"OKFragmentDefinedBeforeUse", `fragment F on T { b { c } } query { a { ...F } }`, 3},
		{"OKUnknownFragmentCountsZero", `{ a { ...Missing } }`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := measure(t, tc.query, 100); got != tc.want {
				t.Errorf("depth(%s) = %d, want %d", tc.query, got, tc.want)
			}
		})
	}
}

func TestDepthWalkerCap(t *testing.T) {
	deep := `{ a { b { c { d { e { f } } } } } }` // 6
	t.Run("OKAtCap", func(t *testing.T) {
		if got := measure(t, deep, 6); got != 6 {
			t.Errorf("depth = %d, want 6", got)
		}
	})
	t.Run("OKStopsAtCap", func(t *testing.T) {
		for _, limit := range []int{1, 3, 5} {
			if got := measure(t, deep, limit); got != limit {
				t.Errorf("depth capped at %d = %d, want %d", limit, got, limit)
			}
		}
	})
	t.Run("OKCycleCountsAsTooDeep", func(t *testing.T) {
		// Validation refuses cycles before this runs, but the walker must
		// still end and call them too deep.
		for _, q := range []string{
			`{ ...A } fragment A on Q { ...A }`,
			`{ x { ...A } } fragment A on T { y { ...B } } fragment B on T { ...A }`,
		} {
			if got := measure(t, q, 13); got != 13 {
				t.Errorf("depth(%s) = %d, want the cap 13", q, got)
			}
		}
	})
	t.Run("OKMemoisedFragmentsAreCapped", func(t *testing.T) {
		// A fragment measured once at the cap is reused at the cap.
		q := `{ ...F x { ...F } } fragment F on T { a { b { c { d } } } }`
		if got := measure(t, q, 3); got != 3 {
			t.Errorf("depth = %d, want 3", got)
		}
	})
}

// fanOut returns a document of n fragments, each spreading the next twice,
// so that walking it without memoisation visits 2^n fragments. With fields,
// each fragment also nests one field deeper.
func fanOut(n int, fields bool) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range n - 1 {
		if fields {
			fmt.Fprintf(&b, "fragment F%d on T { f { ...F%d } g { ...F%d } }\n", i, i+1, i+1)
		} else {
			fmt.Fprintf(&b, "fragment F%d on T { ...F%d ...F%d }\n", i, i+1, i+1)
		}
	}
	fmt.Fprintf(&b, "fragment F%d on T { leaf }\n", n-1)
	return b.String()
}

// within fails the test unless f returns within d (the walk is a few
// microseconds when memoised and would take years when not).
func within(t *testing.T, d time.Duration, f func() int) int {
	t.Helper()
	done := make(chan int, 1)
	go func() { done <- f() }()
	select {
	case got := <-done:
		return got
	case <-time.After(d):
		t.Fatalf("the walk did not finish within %v: fragments are not memoised", d)
		return 0
	}
}

func TestDepthWalkerMemoises(t *testing.T) {
	t.Run("OKFlat", func(t *testing.T) {
		doc, op := parse(t, fanOut(30, false))
		w := depthWalker{doc: doc, cap: 13, memo: map[string]int{}}
		if got := within(t, 5*time.Second, func() int { return w.depth(op.SelectionSet) }); got != 1 {
			t.Errorf("depth = %d, want 1", got)
		}
		if len(w.memo) != 30 {
			t.Errorf("memo holds %d fragments, want 30", len(w.memo))
		}
	})
	t.Run("OKDeep", func(t *testing.T) {
		doc, op := parse(t, fanOut(30, true))
		w := depthWalker{doc: doc, cap: 100, memo: map[string]int{}}
		if got := within(t, 5*time.Second, func() int { return w.depth(op.SelectionSet) }); got != 30 {
			t.Errorf("depth = %d, want 30 (29 fragments with a field, then leaf)", got)
		}
	})
	t.Run("OKSixtyFragments", func(t *testing.T) {
		doc, op := parse(t, fanOut(60, false))
		w := depthWalker{doc: doc, cap: 13, memo: map[string]int{}}
		if got := within(t, 5*time.Second, func() int { return w.depth(op.SelectionSet) }); got != 1 {
			t.Errorf("depth = %d, want 1", got)
		}
	})
}

func TestDepthLimit(t *testing.T) {
	ctx := context.Background()
	oc := func(t *testing.T, query string) *graphql.OperationContext {
		t.Helper()
		doc, op := parse(t, query)
		return &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: op}
	}
	t.Run("OK", func(t *testing.T) {
		for _, q := range []string{`{ a }`, `{ a { b { c } } }`, `{ a { ...F } } fragment F on T { b { c } }`} {
			if err := (depthLimit{Max: 3}).MutateOperationContext(ctx, oc(t, q)); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	t.Run("OKNoOperation", func(t *testing.T) {
		if err := (depthLimit{Max: 3}).MutateOperationContext(ctx, &graphql.OperationContext{}); err != nil {
			t.Errorf("no operation: %v", err)
		}
	})
	t.Run("OKLargeFanOut", func(t *testing.T) {
		o := oc(t, fanOut(30, false))
		if err := within(t, 5*time.Second, func() int {
			if err := (depthLimit{Max: 12}).MutateOperationContext(ctx, o); err != nil {
				return 1
			}
			return 0
		}); err != 0 {
			t.Error("a depth-1 fan-out was refused")
		}
	})
	t.Run("ErrTooDeep", func(t *testing.T) {
		for _, q := range []string{
			`{ a { b { c { d } } } }`,
			`{ a { ...F } } fragment F on T { b { ... on T { c { d } } } }`,
			`{ ...A } fragment A on Q { ...A }`,
		} {
			err := (depthLimit{Max: 3}).MutateOperationContext(ctx, oc(t, q))
			if err == nil {
				t.Errorf("%s: accepted at depth limit 3", q)
				continue
			}
			if err.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" || err.Extensions["reason"] != facestat.ReasonDepthLimit {
				t.Errorf("%s: extensions = %v, want GRAPHQL_VALIDATION_FAILED / %s", q, err.Extensions, facestat.ReasonDepthLimit)
			}
			if !strings.Contains(err.Message, "3") {
				t.Errorf("%s: message %q does not name the limit", q, err.Message)
			}
		}
	})
}
