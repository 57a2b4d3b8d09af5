package integration_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/relay"
)

// uploadOne uploads a small private photo for token and returns its id.
func (e *env) uploadOne(t *testing.T, token string, width int) string {
	t.Helper()
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.upload(t, token, "p.jpg", imagetest.JPEGWithMetadata(width, 160, 1, imagetest.TopLeft), false).decode(t, &up)
	return up.UploadPhoto.Photo.ID
}

type surveyed struct {
	ID     string
	Survey []struct{ Key, Kind string }
}

// TestSurveyRotatesOverVotes: over 100 votes on one photo, each answering
// exactly the photo's survey as nextPhoto gave it just before the vote,
// every question's answer count stays within 10% of the others'. The
// answers are polarised (the ends of each range, no and yes in turn, per
// question), so that no result settles within 100 votes (the test checks
// it): settled questions step back (docs/STATISTICS.md), and this test
// is about the rotation alone. Every survey has three or four questions, a number or
// scale among them.
func TestSurveyRotatesOverVotes(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "rotated")
		photoID := e.uploadOne(t, owner, 160)
		// Each question's answers alternate between the ends on their own
		// (not with the vote's parity: with fresh counts the rotation can
		// ask a question on every other vote, all at one end).
		asked := map[string]int{}
		for i := range 100 {
			judge := e.anonymous(t)
			var out struct{ NextPhoto *surveyed }
			e.gql(t, judge, `{ nextPhoto { id survey { key kind } } }`, nil, &out)
			p := out.NextPhoto
			if p == nil || p.ID != photoID {
				t.Fatalf("vote %d: nextPhoto = %+v", i, p)
			}
			if n := len(p.Survey); n < 3 || n > 4 {
				t.Fatalf("vote %d: %d questions", i, n)
			}
			numeric := false
			var ans []map[string]any
			for _, q := range p.Survey {
				a := map[string]any{"questionKey": q.Key}
				end := asked[q.Key] % 2
				asked[q.Key]++
				switch q.Kind {
				case "NUMBER":
					a["number"] = []int{1, 100}[end]
					numeric = true
				case "SCALE":
					a["number"] = []int{1, 10}[end]
					numeric = true
				case "YES_NO":
					a["yes"] = end == 1
				case "WORD":
					a["word"] = []string{"calm", "bold"}[end]
				}
				ans = append(ans, a)
			}
			if !numeric {
				t.Fatalf("vote %d: no number or scale in %+v", i, p.Survey)
			}
			e.gql(t, judge, castVote, map[string]any{"id": photoID, "answers": ans}, &struct{}{})
		}
		var out struct{ Photo judgedPhoto }
		e.gql(t, owner, `query($id: ID!) { photo(id: $id) { `+statsFields+` } }`, map[string]any{"id": photoID}, &out)
		if out.Photo.VoteCount != 100 {
			t.Fatalf("%d votes", out.Photo.VoteCount)
		}
		lo, hi := 1<<30, 0
		for _, q := range out.Photo.Stats.Questions {
			lo, hi = min(lo, q.Count), max(hi, q.Count)
			if q.Stable != nil && *q.Stable && q.Question.Kind != "WORD" {
				t.Fatalf("%s settled: the test's premise fails", q.Question.Key)
			}
		}
		t.Logf("answers per question: %d to %d", lo, hi)
		if float64(hi-lo) > 0.1*float64(lo) {
			t.Fatalf("answers per question from %d to %d: more than 10%% apart", lo, hi)
		}
	})
}

const skipPhoto = `mutation($id: ID!) { skipPhoto(input: {photoId: $id}) { photoId next { id } } }`

type skipped struct {
	SkipPhoto struct {
		PhotoID string
		Next    *struct{ ID string }
	}
}

// TestSkipPhoto: a skipped photo is never offered to the judge again, the
// payload brings the next one; skipping twice is harmless; the refusals;
// an anonymous judge's skips and karma follow it into the account it signs
// in to, and stay with it when it signs up.
func TestSkipPhoto(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "skipped")
		a, b := e.uploadOne(t, owner, 160), e.uploadOne(t, owner, 161)
		offered := func(token string) map[string]bool {
			t.Helper()
			seen := map[string]bool{}
			for range 10 { // nextPhoto picks at random among the candidates
				var out struct{ NextPhoto *struct{ ID string } }
				e.gql(t, token, `{ nextPhoto { id } }`, nil, &out)
				if out.NextPhoto != nil {
					seen[out.NextPhoto.ID] = true
				}
			}
			return seen
		}
		setKarma := func(id uuid.UUID, n int64) {
			t.Helper()
			if err := e.App.DB.Client.User.Update().Where(user.ID(id)).SetKarmaEarned(n).SetKarma(n).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("OK", func(t *testing.T) {
			judge := e.anonymous(t)
			var out skipped
			e.gql(t, judge, skipPhoto, map[string]any{"id": a}, &out)
			if out.SkipPhoto.PhotoID != a || out.SkipPhoto.Next == nil || out.SkipPhoto.Next.ID != b {
				t.Fatalf("skipPhoto = %+v", out.SkipPhoto)
			}
			if got := offered(judge); got[a] || !got[b] {
				t.Fatalf("offered %v after the skip", got)
			}
			e.gql(t, judge, skipPhoto, map[string]any{"id": a}, &out) // twice: harmless
			e.gql(t, judge, skipPhoto, map[string]any{"id": b}, &out)
			if out.SkipPhoto.Next != nil || len(offered(judge)) != 0 {
				t.Fatalf("both skipped, yet next is %+v", out.SkipPhoto.Next)
			}
		})
		t.Run("Refusals", func(t *testing.T) {
			for _, c := range []struct {
				name, token, id, code string
			}{
				{"ErrNoSession", "", a, "UNAUTHENTICATED"},
				{"ErrOwnPhoto", owner, a, "FORBIDDEN"},
				{"ErrNoSuchPhoto", e.anonymous(t), relay.ID("Photo", uuid.New()), "NOT_FOUND"},
				{"ErrNotAPhoto", e.anonymous(t), relay.ID("User", uuid.New()), "BAD_USER_INPUT"},
			} {
				r := e.do(t, request{Token: c.token, Query: skipPhoto, Vars: map[string]any{"id": c.id}})
				if r.code() != c.code {
					t.Errorf("%s: got %q (%s), want %s", c.name, r.code(), r.Raw, c.code)
				}
			}
		})
		t.Run("SignIn", func(t *testing.T) {
			account := e.account(t, "regular")
			judge := e.anonymous(t)
			e.gql(t, judge, skipPhoto, map[string]any{"id": a}, &skipped{})
			setKarma(e.judgeUUID(t, judge), 5) // as the refit would have credited it
			if n := e.karma(t, judge); n != 5 {
				t.Fatalf("the judge's karma is %d", n)
			}
			if e.karma(t, account) != 0 {
				t.Fatal("a new account has karma")
			}
			var in struct{ SignIn struct{ Token string } }
			e.gql(t, judge, `mutation { signIn(input: {email: "regular@example.com", password: "correct horse battery"}) { token } }`, nil, &in)
			if got := offered(in.SignIn.Token); got[a] || !got[b] {
				t.Fatalf("after sign-in the account is offered %v", got)
			}
			if n := e.karma(t, in.SignIn.Token); n != 5 {
				t.Fatalf("after sign-in the account's karma is %d, want the judge's 5", n)
			}
		})
		t.Run("SignUp", func(t *testing.T) {
			judge := e.anonymous(t)
			e.gql(t, judge, skipPhoto, map[string]any{"id": b}, &skipped{})
			setKarma(e.judgeUUID(t, judge), 4)
			var up struct{ SignUp struct{ Token string } }
			e.gql(t, judge, `mutation { signUp(input: {handle: "newcomer", email: "newcomer@example.com", password: "correct horse battery"}) { token } }`, nil, &up)
			if n := e.karma(t, up.SignUp.Token); n != 4 {
				t.Fatalf("after sign-up the account's karma is %d, want the judge's 4", n)
			}
			if got := offered(up.SignUp.Token); got[b] || !got[a] {
				t.Fatalf("after sign-up the account is offered %v", got)
			}
		})
	})
}
