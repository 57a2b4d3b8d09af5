package api

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
)

// defaultSurvey is the survey a new instance starts with.
func defaultSurvey() []*ent.Question {
	qs := make([]*ent.Question, len(judging.DefaultQuestions))
	for i := range judging.DefaultQuestions {
		qs[i] = &judging.DefaultQuestions[i]
	}
	return qs
}

// pricedSchema is the executable schema priced as the server prices it,
// with the default survey and page size; its resolvers are never called.
func pricedSchema(t testing.TB) graphql.ExecutableSchema {
	t.Helper()
	cfg := graph.Config{Resolvers: &graph.Resolver{}}
	setComplexity(&cfg.Complexity, prices{MaxPage: defaultConfig(t).MaxPageSize, Survey: defaultSurvey,
		URLBytes: testPhotos(t).MaxURLBytes()})
	return graph.NewExecutableSchema(cfg)
}

// testPhotos is a photo service as a default local server has one: images
// at http://localhost:8080/images, signed for the default TTL.
func testPhotos(t testing.TB) *photos.Service {
	c := defaultConfig(t)
	return photos.NewService(nil, nil, photos.Config{ImageBaseURL: c.ImageBaseURL, SignedBaseURL: c.PublicURL + "/images",
		SigningKey: make([]byte, 32), SignedURLTTL: c.SignedURLTTL}, slog.New(slog.DiscardHandler))
}

// defaultConfig is the configuration with every default.
func defaultConfig(t testing.TB) *config.Config {
	t.Helper()
	c, _, err := config.Load(nil, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// priceOf validates query against the schema and prices its operation
// named name ("" for the only one).
func priceOf(t testing.TB, es graphql.ExecutableSchema, query, name string, vars map[string]any) int {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, nil)
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	op := doc.Operations.ForName(name)
	if op == nil {
		t.Fatalf("no operation %q", name)
	}
	return price(context.Background(), es, op, vars)
}

// fullStatsPage is a page of 100 photos with every field of their
// statistics: the most an honest client asks for at once.
const fullStatsPage = `query FullStatsPage {
  photos(first: 100) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id thumbnailUrl width height voteCount
      stats {
        voteCount
        questions {
          question { key }
          count mean median stddev interval { low high level } yesShare
          histogram { value count } words { word count } percentile stable
        }
      }
    }
  }
}`

// webAppOperations returns the documents of the web app's operations, as
// codegen collected them from its components (frontend/src/gql/gql.ts):
// one document holding every operation and fragment.
func webAppOperations(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../frontend/src/gql/gql.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(src), "const documents: Documents = {")
	table, _, _ = strings.Cut(table, "\n};")
	var docs []string
	for _, m := range regexp.MustCompile(`(?m)^\s*("(?:[^"\\]|\\.)*"): types\.`).FindAllStringSubmatch(table, -1) {
		d, err := strconv.Unquote(m[1])
		if err != nil {
			t.Fatalf("unquoting %s: %v", m[1], err)
		}
		docs = append(docs, d)
	}
	if len(docs) < 10 {
		t.Fatalf("found %d documents in gql.ts; has its layout changed?", len(docs))
	}
	return strings.Join(docs, "\n")
}

func TestWebAppOperationsAdmitted(t *testing.T) {
	es := pricedSchema(t)
	limit := defaultConfig(t).MaxComplexity
	all := webAppOperations(t)
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), all, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	for _, op := range doc.Operations {
		p := price(context.Background(), es, op, nil)
		t.Logf("%-24s %6d", op.Name, p)
		if p > limit {
			t.Errorf("the web app's %s costs %d, over max-complexity %d", op.Name, p, limit)
		}
	}
	p := priceOf(t, es, fullStatsPage, "", nil)
	t.Logf("%-24s %6d (limit %d)", "FullStatsPage", p, limit)
	if p > limit {
		t.Errorf("a 100-photo page with full statistics costs %d, over max-complexity %d", p, limit)
	}
}

// TestEveryListIsPriced fails for a field of the schema that returns a list
// or a connection without a complexity function of its own: gqlgen would
// price it as one item, whatever it holds.
func TestEveryListIsPriced(t *testing.T) {
	es := pricedSchema(t)
	checked := 0
	for _, def := range es.Schema().Types {
		if def.Kind != ast.Object || def.BuiltIn || strings.HasPrefix(def.Name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			isList := f.Type.Elem != nil
			isConnection := strings.HasSuffix(f.Type.Name(), "Connection")
			if !isList && !isConnection {
				continue
			}
			checked++
			args := sampleArgs(es.Schema(), f.Arguments)
			if _, ok := complexity(context.Background(), es, def.Name, f.Name, 1, func() map[string]any { return args }); !ok {
				t.Errorf("%s.%s returns %s and has no price: give it one in setComplexity (argFree takes no list)", def.Name, f.Name, f.Type)
			}
		}
	}
	if checked < 8 {
		t.Fatalf("checked only %d list fields; is the walk broken?", checked)
	}
}

// TestArgFreePrices: argFree names fields of the schema, none a list (a
// list's price depends on its size, an argument), and a field there is
// priced without decoding its arguments: castVote with answers gqlgen
// cannot decode still costs a mutation (decoding them fails, and a field
// whose complexity function fails falls back to the default, 1).
func TestArgFreePrices(t *testing.T) {
	es := pricedSchema(t)
	for name := range argFree {
		def := es.Schema().Types[name.object]
		if def == nil || def.Fields.ForName(name.field) == nil {
			t.Errorf("argFree prices %s.%s, which the schema does not have", name.object, name.field)
			continue
		}
		if typ := def.Fields.ForName(name.field).Type; typ.Elem != nil || strings.HasSuffix(typ.Name(), "Connection") {
			t.Errorf("argFree prices %s.%s, a list: its size is in its arguments", name.object, name.field)
		}
		// One price per field: a ComplexityRoot function too would be
		// silently shadowed by argFree's.
		args := sampleArgs(es.Schema(), def.Fields.ForName(name.field).Arguments)
		if _, ok := es.Complexity(context.Background(), name.object, name.field, 1, args); ok {
			t.Errorf("%s.%s is priced in argFree and in setComplexity: keep one", name.object, name.field)
		}
	}
	want := priceOf(t, es, castVoteWidth, "", map[string]any{"answers": []any{}})
	if want != priceMutation+2 { // photo (1) and width (1)
		t.Fatalf("castVote { photo { width } } costs %d, want %d", want, priceMutation+2)
	}
	if got := priceOf(t, es, castVoteWidth, "", undecodableAnswers); got != want {
		t.Errorf("castVote with answers gqlgen cannot decode costs %d, want %d: its arguments were decoded to price it", got, want)
	}
}

// BenchmarkPriceCastVote prices the web app's vote: the arguments are
// not decoded (argFree), so the price's allocations do not grow with the
// answers.
func BenchmarkPriceCastVote(b *testing.B) {
	es := pricedSchema(b)
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), `mutation($id: ID!, $answers: [AnswerInput!]!) {
  castVote(input: {photoId: $id, answers: $answers}) { photo { id voteCount } }
}`, nil)
	if errs != nil {
		b.Fatal(errs)
	}
	answers := []any{}
	for q, a := range []map[string]any{{"number": 31}, {"number": 6}, {"yes": true}, {"yes": true}, {"yes": false}, {"word": "friendly"}} {
		a["questionKey"] = fmt.Sprint("q", q)
		answers = append(answers, a)
	}
	vars := map[string]any{"id": "UGhvdG86eA", "answers": answers}
	b.ReportAllocs()
	for b.Loop() {
		price(context.Background(), es, doc.Operations[0], vars)
	}
}

// castVoteWidth is a vote asking for its photo's width, and
// undecodableAnswers its variables with answers gqlgen cannot decode: a
// price or a charge taken from them had the arguments decoded.
const castVoteWidth = `mutation($answers: [AnswerInput!]!) { castVote(input: {photoId: "x", answers: $answers}) { photo { width } } }`

var undecodableAnswers = map[string]any{"answers": []any{map[string]any{"questionKey": []any{"not", "a", "string"}}}}

// sampleArgs are arguments defs that gqlgen's argument parsing accepts: a
// sample of each required one, and an empty object for each input object
// (its required fields are the validator's).
func sampleArgs(schema *ast.Schema, defs ast.ArgumentDefinitionList) map[string]any {
	args := map[string]any{}
	for _, a := range defs {
		switch {
		case schema.Types[a.Type.Name()].Kind == ast.InputObject && a.Type.Elem == nil:
			args[a.Name] = map[string]any{}
		case a.Type.NonNull:
			args[a.Name] = sampleArg(a.Type)
		}
	}
	return args
}

// sampleArg is a value of type typ that gqlgen's argument parsing accepts.
func sampleArg(typ *ast.Type) any {
	switch {
	case typ.Elem != nil:
		return []any{}
	case typ.NamedType == "Int":
		return 1
	}
	return "x"
}

func TestPrice(t *testing.T) {
	es := pricedSchema(t)
	limit := defaultConfig(t).MaxComplexity
	p := func(q string) int { return priceOf(t, es, q, "", nil) }
	t.Run("OKListMultipliesByFirst", func(t *testing.T) {
		one, hundred := p(`{ photos(first: 1) { nodes { width } } }`), p(`{ photos(first: 100) { nodes { width } } }`)
		if hundred-one != 99*2 { // nodes (1) and width (1) per photo
			t.Errorf("first: 1 costs %d, first: 100 costs %d", one, hundred)
		}
	})
	t.Run("OKFirstClampedToThePage", func(t *testing.T) {
		if a, b := p(`{ topPhotos(questionKey: "age", first: 100) { nodes { width } } }`), p(`{ topPhotos(questionKey: "age", first: 100000) { nodes { width } } }`); a != b {
			t.Errorf("first: 100000 costs %d, not the %d of a full page (the resolver refuses it)", b, a)
		}
	})
	t.Run("OKLastPricedAsFirst", func(t *testing.T) {
		for _, conn := range []string{`photos`, `topPhotos(questionKey: "age", %s)`, `viewer { photos(%s) { nodes { width } } }`,
			`moderationQueue(%s) { nodes { reportCount } }`, `moderationLog(%s) { nodes { note } }`} {
			q := func(args string) string {
				if !strings.Contains(conn, "%s") {
					return `{ ` + conn + `(` + args + `) { nodes { width } } }`
				}
				if strings.HasPrefix(conn, "topPhotos") {
					return `{ ` + fmt.Sprintf(conn, args) + ` { nodes { width } } }`
				}
				return `{ ` + fmt.Sprintf(conn, args) + ` }`
			}
			first, last := p(q("first: 37")), p(q(`last: 37, before: "x"`))
			if first != last || first == p(q("first: 1")) {
				t.Errorf("%s: first: 37 costs %d, last: 37 %d (first: 1 %d)", conn, first, last, p(q("first: 1")))
			}
			if both, big := p(q("first: 1, last: 100")), p(q("last: 100")); both != big {
				t.Errorf("%s: first 1 and last 100 cost %d, want the larger page's %d", conn, both, big)
			}
		}
	})
	t.Run("OKIdsMultiply", func(t *testing.T) {
		one := p(`{ nodes(ids: ["a"]) { id } }`)
		three := p(`{ nodes(ids: ["a", "b", "c"]) { id } }`)
		if three-one != 2*priceID {
			t.Errorf("1 id costs %d, 3 ids cost %d", one, three)
		}
	})
	t.Run("OKVariablesPriced", func(t *testing.T) {
		q := `query($n: Int!, $ids: [ID!]!) { photos(first: $n) { nodes { width } } nodes(ids: $ids) { id } }`
		few := priceOf(t, es, q, "", map[string]any{"n": 1, "ids": []any{"a"}})
		many := priceOf(t, es, q, "", map[string]any{"n": 50, "ids": []any{"a", "b"}})
		if many-few != 49*2+priceID {
			t.Errorf("priced %d and %d", few, many)
		}
	})
	t.Run("OKAliasesCountSeparately", func(t *testing.T) {
		plain := p(`{ questions { kind } }`)
		aliased := p(`{ a: questions { kind } b: questions { kind } }`)
		if aliased <= 2*plain {
			t.Errorf("two aliased copies cost %d, one costs %d", aliased, plain)
		}
		long := p(`{ a: questions { kind } bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: questions { kind } }`)
		if long <= aliased {
			t.Errorf("a 40-byte alias costs no more than a short one: %d, %d", long, aliased)
		}
	})
	t.Run("OKStatisticsListsPriced", func(t *testing.T) {
		// 8 questions; 120 buckets and 20 words over them: 15 and 3 each.
		base := p(`{ photo(id: "x") { stats { questions { count } } } }`)
		hist := p(`{ photo(id: "x") { stats { questions { count histogram { value count } } } } }`)
		words := p(`{ photo(id: "x") { stats { questions { count words { word count } } } } }`)
		if hist-base != 8*(1+15) || words-base != 8*(1+3*priceShort) {
			t.Errorf("histograms add %d, words %d", hist-base, words-base)
		}
	})
	t.Run("OKFragmentsPricedWhereSpread", func(t *testing.T) {
		inline := p(`{ photos(first: 10) { nodes { width height } } }`)
		spread := p(`{ photos(first: 10) { nodes { ...F } } } fragment F on Photo { width height }`)
		if inline != spread {
			t.Errorf("inline %d, spread %d", inline, spread)
		}
	})
	t.Run("OKInterfaceFieldAtItsDearest", func(t *testing.T) {
		if got := p(`{ node(id: "x") { id } }`); got != priceLookup+priceID {
			t.Errorf("node { id } costs %d", got)
		}
	})
	t.Run("ErrNextPhotoAliases", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i < 800; i++ {
			fmt.Fprintf(&b, "n%d: nextPhoto { id } ", i)
		}
		if got := p("{" + b.String() + "}"); got <= limit {
			t.Errorf("800 aliases of nextPhoto cost %d, within the limit %d", got, limit)
		}
	})
	t.Run("ErrMegabyteQuery", func(t *testing.T) {
		q := `{ topPhotos(questionKey: "age", first: 100) { nodes { postedBy { photos(first: 100) { nodes {
			id imageUrl stats { questions { count mean histogram { value count } } } } } } } } }`
		if got := p(q); got <= limit {
			t.Errorf("the megabyte query costs %d, within the limit %d", got, limit)
		}
	})
	t.Run("OKSaturates", func(t *testing.T) {
		if satMul(math.MaxInt/2, 3) != math.MaxInt || satAdd(math.MaxInt, 1) != math.MaxInt || satAdd(-5, 2) != 2 {
			t.Error("saturating arithmetic wraps")
		}
	})
}

// TestPriceFragmentsWalkedOnce checks that fragments spreading each other
// twice over are priced in time linear in the document, with the price
// they multiply to (saturating).
func TestPriceFragmentsWalkedOnce(t *testing.T) {
	es := pricedSchema(t)
	var b strings.Builder
	b.WriteString(`{ ...F0 }`)
	const n = 60
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ... on Query { ...F%d } a%d: serviceStatus { forced } }", i, i+1, i+1, i)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { serviceStatus { forced } }", n)
	done := make(chan int)
	go func() { done <- priceOf(t, es, b.String(), "", nil) }()
	select {
	case got := <-done:
		if got < 1<<n {
			t.Errorf("priced %d, not the 2^%d the fragments multiply to", got, n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pricing a chain of fragments does not end")
	}
}

// FuzzPrice prices random documents that validate against the schema: the
// price never panics, is never negative, never falls when a field is added
// and is above the limit exactly when the server refuses the document with
// COMPLEXITY_LIMIT_EXCEEDED (and extensions cost and limit).
func FuzzPrice(f *testing.F) {
	f.Add(`{ viewer { id } }`, "serviceStatus { forced }")
	f.Add(`{ photos(first: 100) { nodes { id stats { questions { histogram { value count } } } } } }`, "questions { key }")
	f.Add(`{ topPhotos(questionKey: "age", first: 100) { nodes { postedBy { photos(first: 100) { nodes { id } } } } } }`, "nextPhoto { id }")
	f.Add(`query($n: Int!) { photos(first: $n) { nodes { ...F } } } fragment F on Photo { id width }`, "a: viewer { id }")
	f.Add(`{ nodes(ids: ["a", "b"]) { ... on Photo { id } ... on User { handle } } }`, "__typename")
	f.Add(`{ __schema { types { name } } a: __type(name: "Photo") { name } }`, "questions { id }")
	es := pricedSchema(f)
	limit := defaultConfig(f).MaxComplexity
	ext := &costLimit{Limit: limit}
	ext.Validate(es)
	f.Fuzz(func(t *testing.T, query, extra string) {
		doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, nil)
		if errs != nil || len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
			return
		}
		vars := map[string]any{"n": 7}
		p := price(context.Background(), es, doc.Operations[0], vars)
		if p < 0 {
			t.Fatalf("price %d < 0 for %s", p, query)
		}
		oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: vars}
		err := ext.MutateOperationContext(context.Background(), oc)
		if (err != nil) != (p > limit) {
			t.Fatalf("price %d, limit %d, refusal %v", p, limit, err)
		}
		if err != nil && (err.Extensions["code"] != codeComplexity || err.Extensions["cost"] != p || err.Extensions["limit"] != limit) {
			t.Fatalf("refusal %v %v", err, err.Extensions)
		}
		if s, _ := oc.Stats.GetExtension(complexityStats).(*extension.ComplexityStats); s == nil || s.Complexity != p {
			t.Fatalf("complexity stats %+v, want %d", s, p)
		}
		// One more field at the root can only cost more.
		i := strings.LastIndex(query, "}")
		if i < 0 {
			return
		}
		more, errs := gqlparser.LoadQueryWithRules(es.Schema(), query[:i]+" "+extra+" "+query[i:], nil)
		if errs != nil || len(more.Operations) != 1 {
			return
		}
		if q := price(context.Background(), es, more.Operations[0], vars); q < p {
			t.Fatalf("adding %q lowered the price from %d to %d", extra, p, q)
		}
	})
}

// TestComplexityStats checks that an operation's price and the limit are
// where gqlgen's extension.GetComplexityStats reads them (the budgets
// charge by them), and that a refusal carries both.
func TestComplexityStats(t *testing.T) {
	es := pricedSchema(t)
	exec := executor.New(es)
	exec.Use(&costLimit{Limit: 10})
	var got *extension.ComplexityStats
	exec.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		got = extension.GetComplexityStats(ctx)
		return next(ctx)
	})
	ctx := graphql.StartOperationTrace(context.Background())
	q := `{ a: __typename b: __typename }`
	rc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: q})
	if errs != nil {
		t.Fatal(errs)
	}
	handler, ctx := exec.DispatchOperation(ctx, rc)
	handler(ctx)
	if want := priceOf(t, es, q, "", nil); got == nil || got.Complexity != want || got.ComplexityLimit != 10 {
		t.Fatalf("GetComplexityStats = %+v, want price %d, limit 10", got, want)
	}

	_, errs = exec.CreateOperationContext(ctx, &graphql.RawParams{Query: `{ questions { prompt } }`})
	if len(errs) != 1 || errs[0].Extensions["code"] != codeComplexity || errs[0].Extensions["limit"] != 10 || errs[0].Extensions["cost"].(int) <= 10 {
		t.Fatalf("refusal %v", errs)
	}
}
