package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// TestLiveFastPathEligible: which photoStats documents the fast path
// shares among subscribers (those whose every field reads the same for
// every viewer who may see the photo), and which it leaves to gqlgen.
func TestLiveFastPathEligible(t *testing.T) {
	for _, c := range []struct {
		doc, op string
		want    bool
	}{
		{`subscription($id: ID!) { photoStats(photoId: $id) { voteCount version } }`, "", true},
		{`subscription S($photoId: ID!) { photoStats(photoId: $photoId) { ...R photo { id voteCount } } }
		  fragment R on PhotoStats { id version questions { question { ...Q } count mean } }
		  fragment Q on Question { id key }`, "S", true}, // the web app's shape
		{`subscription { photoStats(photoId: "x") { ... on PhotoStats { voteCount } } }`, "", true},
		{`subscription { photoStats(photoId: "x") { photo { owner { handle } } } }`, "", false},
		{`subscription { photoStats(photoId: "x") { ...F } } fragment F on PhotoStats { photo { myVote { id } } }`, "", false},
		{`subscription { photoStats(photoId: "x") { ...Missing } }`, "", false},
		{`subscription { myPhotoActivity { voteCount } }`, "", false},
		{`subscription { a: photoStats(photoId: "x") { voteCount } b: photoStats(photoId: "y") { voteCount } }`, "", false},
		{`subscription { photoStats(photoId: "x") @skip(if: true) { voteCount } }`, "", false},
		{`query { photoStats }`, "", false},
		{`subscription A { photoStats(photoId: "x") { voteCount } } subscription B { myPhotoActivity { voteCount } }`, "B", false},
		{`subscription A { photoStats(photoId: "x") { voteCount } } subscription B { myPhotoActivity { voteCount } }`, "A", true},
		{`subscription { photoStats(photoId: "x") { voteCount }`, "", false}, // does not parse: gqlgen answers
	} {
		if got := eligible(c.doc, c.op, 15000); got != c.want {
			t.Errorf("eligible(%q, %q) = %v, want %v", c.doc, c.op, got, c.want)
		}
	}
}

// TestLiveFastPathEligibleBounded: eligible runs on a stranger's text
// before validation, so its work is bounded: fragments that each spread
// the next one twice (2^30 paths, a kilobyte of text) are walked once per
// fragment, a cycle is refused, and a text over the token limit is not
// even parsed whole.
func TestLiveFastPathEligibleBounded(t *testing.T) {
	var doc strings.Builder
	doc.WriteString(`subscription { photoStats(photoId: "x") { ...F0 } }`)
	const levels = 30
	for i := range levels {
		fmt.Fprintf(&doc, " fragment F%d on PhotoStats { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&doc, " fragment F%d on PhotoStats { voteCount }", levels)
	parsed, err := parser.ParseQuery(&ast.Source{Input: doc.String()})
	if err != nil {
		t.Fatal(err)
	}
	w := viewerWalk{doc: parsed, fragments: map[fragmentAt]bool{}}
	if !w.free(parsed.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet, false, 0) {
		t.Fatal("the fan-out document is viewer-free, yet refused")
	}
	if w.nodes > 2*(levels+2) {
		t.Fatalf("walked %d selections for %d fragments: fragments are walked more than once", w.nodes, levels+1)
	}

	cycle := `subscription { photoStats(photoId: "x") { ...A } } fragment A on PhotoStats { ...B } fragment B on PhotoStats { ...A }`
	if eligible(cycle, "", 15000) {
		t.Error("a fragment cycle is eligible")
	}
	if eligible(doc.String(), "", 50) {
		t.Error("a document over the token limit is eligible")
	}
	if !eligible(doc.String(), "", 15000) {
		t.Error("the fan-out document within the token limit is not eligible")
	}
}
