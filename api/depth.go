package api

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat"
)

// depthLimit refuses operations nested deeper than Max fields, counting
// through fragments, before any resolver runs.
type depthLimit struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := depthWalker{doc: oc.Doc, cap: d.Max + 1, memo: map[string]int{}}
	if w.depth(oc.Operation.SelectionSet) > d.Max {
		return invalidDocument(facestat.ReasonDepthLimit, "the operation is nested deeper than %d fields", d.Max)
	}
	return nil
}

// invalidDocument is the refusal of a document a limit of its shape
// (depth, aliases, names) turns away before anything runs: a
// GRAPHQL_VALIDATION_FAILED error with reason.
func invalidDocument(reason, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED", "reason": reason}
	return err
}

// depthWalker measures selection depth; each fragment is measured once
// (memo), so fragments spreading each other cannot make the walk explode.
type depthWalker struct {
	doc  *ast.QueryDocument
	cap  int // depths are counted up to cap, then the walk stops
	memo map[string]int
}

func (w *depthWalker) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			// Introspection (__schema, __type) walks the schema, not data:
			// its nesting is bounded by the schema and costs no I/O, and
			// the standard introspection query nests 13 deep.
			if strings.HasPrefix(s.Name, "__") {
				d = 1
				break
			}
			d = 1 + w.depth(s.SelectionSet)
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet)
		case *ast.FragmentSpread:
			var ok bool
			if d, ok = w.memo[s.Name]; !ok {
				w.memo[s.Name] = w.cap // a cycle (validation refuses them) counts as too deep
				if f := w.doc.Fragments.ForName(s.Name); f != nil {
					d = w.depth(f.SelectionSet)
				}
				w.memo[s.Name] = d
			}
		}
		if deepest = max(deepest, d); deepest >= w.cap {
			return w.cap
		}
	}
	return deepest
}
