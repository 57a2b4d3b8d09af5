package api

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/facestat/facestat/admission"
)

// TestAdmissionClasses: an operation's class is its heaviest root field's;
// startAnonymousSession, which only signs a token, is a read, not one of
// the sign-ins' few slots (argon2id).
func TestAdmissionClasses(t *testing.T) {
	for doc, want := range map[string]admission.Class{
		`mutation { startAnonymousSession { token } }`:                                           admission.Reads,
		`mutation { signIn(input: {login: "a", password: "b"}) { token } }`:                      admission.SignIns,
		`mutation { refreshSession(refreshToken: "r") { token } }`:                               admission.SignIns,
		`mutation { castVote(input: {photoId: "p", answers: []}) { photo { id } } }`:             admission.Votes,
		`mutation { startAnonymousSession { token } signUp(input: {}) { token } }`:               admission.SignIns,
		`query { photos(first: 1) { edges { node { id } } } }`:                                   admission.Reads,
		`subscription { photoStats(photoId: "p") { voteCount } }`:                                admission.Subscriptions,
		`mutation { a: startAnonymousSession { token } b: castVote(input: {}) { next { id } } }`: admission.Votes,
	} {
		q, err := parser.ParseQuery(&ast.Source{Input: doc})
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if got := classify(q, q.Operations[0]); got != want {
			t.Errorf("%s: class %v, want %v", doc, got, want)
		}
	}
}
