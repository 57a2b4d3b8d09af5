package integration_test

import (
	"testing"

	"github.com/facestat/facestat/imageproc/imagetest"
)

// TestJudgeKeepsVotes: an anonymous judge who signs in keeps its votes
// (a collision with the account's own vote is dropped and the figures
// corrected); one who signs up becomes the account. Either way its old
// token no longer votes.
func TestJudgeKeepsVotes(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "subject")
		var ids []string
		for i := 0; i < 2; i++ {
			var up struct {
				UploadPhoto struct{ Photo struct{ ID string } }
			}
			e.upload(t, owner, "p.jpg", imagetest.JPEGWithMetadata(160+i, 160, 1, imagetest.TopLeft), true).decode(t, &up)
			ids = append(ids, up.UploadPhoto.Photo.ID)
		}
		vote := func(token, photo string, age int) *response {
			return e.do(t, request{Token: token, Query: castVote, Vars: map[string]any{"id": photo, "answers": answers(age, 5, true, "fine")}})
		}
		votesCast := func(token string) int {
			var out struct{ Viewer struct{ VotesCast int } }
			e.gql(t, token, `{ viewer { votesCast } }`, nil, &out)
			return out.Viewer.VotesCast
		}
		ageOf := func(photo string) (int, float64) {
			var out struct{ Photo judgedPhoto }
			e.gql(t, owner, `query($id: ID!) { photo(id: $id) { `+statsFields+` } }`, map[string]any{"id": photo}, &out)
			q := out.Photo.question(t, "age")
			return out.Photo.VoteCount, *q.Mean
		}

		account := e.account(t, "regular")
		vote(account, ids[0], 20).decode(t, &struct{}{})
		judge := e.anonymous(t)
		vote(judge, ids[0], 60).decode(t, &struct{}{})
		vote(judge, ids[1], 40).decode(t, &struct{}{})
		if n, mean := ageOf(ids[0]); n != 2 || mean != 40 {
			t.Fatalf("before sign-in: %d votes, mean %v", n, mean)
		}

		t.Run("SignIn", func(t *testing.T) {
			var in struct{ SignIn struct{ Token string } }
			e.gql(t, judge, `mutation { signIn(input: {email: "regular@example.com", password: "correct horse battery"}) { token } }`, nil, &in)
			if got := votesCast(in.SignIn.Token); got != 2 {
				t.Fatalf("the account has %d votes, want its own plus the judge's other one", got)
			}
			if n, mean := ageOf(ids[0]); n != 1 || mean != 20 {
				t.Fatalf("the colliding vote was not taken out: %d votes, mean %v", n, mean)
			}
			if n, mean := ageOf(ids[1]); n != 1 || mean != 40 {
				t.Fatalf("the moved vote: %d votes, mean %v", n, mean)
			}
			if r := vote(judge, ids[0], 33); r.code() != "UNAUTHENTICATED" {
				t.Fatalf("the retired judge token voted again: %+v", r.Errors)
			}
			assertRecount(t, e)
		})
		t.Run("SignUp", func(t *testing.T) {
			newcomer := e.anonymous(t)
			vote(newcomer, ids[0], 30).decode(t, &struct{}{})
			var up struct{ SignUp struct{ Token string } }
			e.gql(t, newcomer, `mutation { signUp(input: {handle: "newcomer", email: "newcomer@example.com", password: "correct horse battery"}) { token } }`, nil, &up)
			if got := votesCast(up.SignUp.Token); got != 1 {
				t.Fatalf("the new account has %d votes, want 1", got)
			}
			if r := vote(newcomer, ids[1], 33); r.code() != "UNAUTHENTICATED" {
				t.Fatalf("the anonymous token of a judge who signed up voted: %+v", r.Errors)
			}
			vote(up.SignUp.Token, ids[1], 33).decode(t, &struct{}{})
			assertRecount(t, e)
		})
	})
}
