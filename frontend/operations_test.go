package frontend

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestOperationsListsTheAppsDocuments: operations.json names exactly the
// operations of the documents graphql-codegen generated from the app's
// sources (src/gql/graphql.ts), so that a new operation gets its own
// metrics label. `npm run codegen` (make generate) writes operations.json
// from it (operations.mjs).
func TestOperationsListsTheAppsDocuments(t *testing.T) {
	src, err := os.ReadFile("src/gql/graphql.ts")
	if err != nil {
		t.Fatal(err)
	}
	definition := regexp.MustCompile(`"kind":"OperationDefinition","operation":"(?:query|mutation|subscription)","name":\{"kind":"Name","value":"(\w+)"\}`)
	var want []string
	for _, m := range definition.FindAllSubmatch(src, -1) {
		want = append(want, string(m[1]))
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if len(want) < 10 {
		t.Fatalf("found only %d operations in src/gql/graphql.ts: %q", len(want), want)
	}
	if got := Operations(); !slices.Equal(got, want) {
		t.Errorf("operations.json = %q\nsrc/gql/graphql.ts has %q", got, want)
	}
}
