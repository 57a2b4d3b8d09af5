package api

import "testing"

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
		if got := eligible(c.doc, c.op); got != c.want {
			t.Errorf("eligible(%q, %q) = %v, want %v", c.doc, c.op, got, c.want)
		}
	}
}
