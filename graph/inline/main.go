// Command inline rewrites graph/generated.go, after gqlgen, so that what
// does no I/O runs on the goroutine marshalling its parent instead of a
// goroutine of its own (issue 16: a cached photo read spent a tenth of its
// CPU starting goroutines and growing their stacks). gqlgen starts one for
// every resolver field of an object and for every item of a list of
// objects; it has no setting to say a resolver does no I/O.
//
// Three rewrites, the first two for a fixed list checked here:
//   - lists of the objects inlineLists names are marshalled item after
//     item (graph.marshalSliceInline): their fields are plain values, so
//     the program fails if the object's marshaller resolves any field
//     concurrently;
//   - the resolver fields inlineFields names run inline
//     (graph.resolveInline): they compute from their object alone (ids,
//     image URLs), never waiting on a loader;
//   - an object that resolves no field concurrently gets no DeferredGroup
//     (it never defers anything).
//
// Run by go generate after gqlgen (generate.go).
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

const file = "graph/generated.go"

// inlineLists are the objects whose lists are marshalled inline.
var inlineLists = []string{"QuestionStats", "HistogramBucket", "WordCount"}

// inlineFields are resolver fields (Object.field) that do no I/O.
var inlineFields = []string{
	"Photo.id", "Photo.imageUrl", "Photo.thumbnailUrl",
	"User.id", "User.handle",
	"PhotoStats.id",
	"Question.id", "Question.kind",
}

func main() {
	raw, err := os.ReadFile(file)
	if err != nil {
		fail(err)
	}
	src := string(raw)
	for _, obj := range inlineLists {
		body, _, _, ok := funcBody(src, "func (ec *executionContext) _"+obj+"(")
		if !ok {
			fail(fmt.Errorf("no marshaller for %s", obj))
		}
		if strings.Contains(body, "Concurrently(") {
			fail(fmt.Errorf("%s resolves a field concurrently: its lists cannot be marshalled inline", obj))
		}
		re := regexp.MustCompile(`func \(ec \*executionContext\) marshal[NO]` + obj + `2ᚕ[^(]*\(`)
		for _, head := range re.FindAllString(src, -1) {
			body, start, end, _ := funcBody(src, head)
			src = src[:start] + strings.Replace(body, "graphql.MarshalSliceConcurrently(", "marshalSliceInline(", 1) + src[end:]
		}
	}
	for _, f := range inlineFields {
		obj, field, _ := strings.Cut(f, ".")
		body, start, end, ok := funcBody(src, "func (ec *executionContext) _"+obj+"(")
		if !ok {
			fail(fmt.Errorf("no marshaller for %s", obj))
		}
		old := "case \"" + field + "\":\n\t\t\tout.ResolveConcurrently(ec.OperationContext, &deferred, i,"
		if !strings.Contains(body, old) {
			if strings.Contains(body, "case \""+field+"\":\n\t\t\tresolveInline(") {
				continue // rewritten already
			}
			fail(fmt.Errorf("%s is not resolved concurrently (not a resolver any more?)", f))
		}
		body = strings.Replace(body, old, "case \""+field+"\":\n\t\t\tresolveInline(ctx, out, field, ec.OperationContext, &deferred, i,", 1)
		src = src[:start] + body + src[end:]
	}
	// Objects that resolve nothing concurrently never defer anything:
	// their DeferredGroup (a path, a field set and a map per object
	// marshalled) stays empty, so it is not made.
	re := regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _[A-Za-z0-9_]+\(ctx context.Context, sel ast.SelectionSet, obj [^)]*\) graphql.Marshaler \{$`)
	for _, head := range re.FindAllString(src, -1) {
		body, start, end, _ := funcBody(src, head)
		const made = "\tdeferred := graphql.NewDeferredGroup(ctx)\n"
		if strings.Contains(body, "&deferred") || strings.Count(body, "deferred") != 3 || !strings.Contains(body, made) {
			continue // deferred used beyond the declaration and the empty check
		}
		body = strings.Replace(body, made, "\tvar deferred graphql.DeferredGroup // nothing here is deferred (graph/inline)\n", 1)
		src = src[:start] + body + src[end:]
	}
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		fail(err)
	}
}

// funcBody returns the text of the function starting with head, and where
// it starts and ends in src.
func funcBody(src, head string) (body string, start, end int, ok bool) {
	start = strings.Index(src, head)
	if start < 0 {
		return "", 0, 0, false
	}
	n := strings.Index(src[start:], "\n}\n")
	if n < 0 {
		return "", 0, 0, false
	}
	end = start + n + 3
	return src[start:end], start, end, true
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "graph/inline:", err)
	os.Exit(1)
}
