package api

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/judging"
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
		URL: func(key string) string { return "http://localhost:8080/images/" + key }})
	return graph.NewExecutableSchema(cfg)
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
	doc, errs := gqlparser.LoadQuery(es.Schema(), query)
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
	doc, errs := gqlparser.LoadQuery(es.Schema(), all)
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

var _ = ast.Object
