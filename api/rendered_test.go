package api

import (
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/facestat/facestat/graph"
)

// TestPlanRead lists which documents rendered reads may answer from
// rendered bytes (rendered.go) and which never: only one photo(id:) with
// fields that are the same for every viewer of a public, active photo.
func TestPlanRead(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	for _, c := range []struct {
		doc          string
		eligible     bool
		owner, stats bool
	}{
		{`query($id: ID!) { photo(id: $id) { id imageUrl width height createdAt owner { handle }
			stats { voteCount questions { count mean interval { low high } } } } }`, true, true, true},
		{`{ photo(id: "x") { id } }`, true, false, false},
		{`query($id: ID!) { __typename p: photo(id: $id) { ...F ... on Photo { postedBy { id } } } } fragment F on Photo { thumbnailUrl isPublic voteCount }`, true, true, false},
		{`query($id: ID!) { photo(id: $id) { stats { questions { question { key prompt } histogram { value count } words { word count } percentile } } } }`, true, false, true},
		{`query($id: ID!) { photo(id: $id) { id viewerHasVoted } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { id viewerCanSeeStats } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { survey { key } } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { consent { showsMe } } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { moderationState } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { stats { photo { id } } } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { owner { photos { nodes { id } } } } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { id @include(if: true) } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) @skip(if: false) { id } }`, false, false, false},
		{`query($id: ID!) { photo(id: $id) { id } again: photo(id: $id) { id } }`, false, false, false},
		{`query($id: ID!) { viewer { __typename } photo(id: $id) { id } }`, false, false, false},
		{`query($id: ID!) { node(id: $id) { id } }`, false, false, false},
		{`mutation($id: ID!) { skipPhoto(input: {photoId: $id}) { __typename } }`, false, false, false},
	} {
		doc, err := gqlparser.LoadQueryWithRules(schema, c.doc, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.doc, err)
		}
		plan := planRead(doc.Operations[0])
		if (plan != nil) != c.eligible || (plan != nil && (plan.owner != c.owner || plan.stats != c.stats)) {
			t.Errorf("%s: plan %+v, want eligible %v (owner %v, stats %v)", c.doc, plan, c.eligible, c.owner, c.stats)
		}
	}
}
