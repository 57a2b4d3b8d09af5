package integration_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/facestat/facestat/imageproc/imagetest"
)

const statsFields = `id voteCount viewerHasVoted viewerCanSeeStats stats { id voteCount version questions {
	question { key kind } count mean median stddev interval { low high level } yesShare
	histogram { value count } words { word count } percentile stable } }`

type questionStats struct {
	Question  struct{ Key, Kind string }
	Count     int
	Mean      *float64
	Median    *float64
	Stddev    *float64
	Interval  *struct{ Low, High, Level float64 }
	YesShare  *float64
	Histogram []struct{ Value, Count int }
	Words     []struct {
		Word  string
		Count int
	}
	Percentile *float64
	Stable     *bool
}

type judgedPhoto struct {
	ID                string
	VoteCount         int
	ViewerHasVoted    bool
	ViewerCanSeeStats bool
	Stats             *struct {
		ID        string
		VoteCount int
		Version   int
		Questions []questionStats
	}
}

func (p judgedPhoto) question(t *testing.T, key string) questionStats {
	t.Helper()
	if p.Stats == nil {
		t.Fatal("no stats")
	}
	for _, q := range p.Stats.Questions {
		if q.Question.Key == key {
			return q
		}
	}
	t.Fatalf("no question %q in %+v", key, p.Stats.Questions)
	return questionStats{}
}

func (e *env) anonymous(t *testing.T) string {
	t.Helper()
	var out struct{ StartAnonymousSession struct{ Token string } }
	e.gql(t, "", `mutation { startAnonymousSession { token } }`, nil, &out)
	return out.StartAnonymousSession.Token
}

func (e *env) nextPhoto(t *testing.T, token string) *judgedPhoto {
	t.Helper()
	var out struct{ NextPhoto *judgedPhoto }
	e.gql(t, token, `{ nextPhoto { `+statsFields+` } }`, nil, &out)
	return out.NextPhoto
}

const castVote = `mutation($id: ID!, $answers: [AnswerInput!]!) {
	castVote(input: {photoId: $id, answers: $answers}) { photo { ` + statsFields + ` } next { id } } }`

func answers(age, attractive int, trustworthy bool, word string) []map[string]any {
	return []map[string]any{
		{"questionKey": "age", "number": age},
		{"questionKey": "attractive", "number": attractive},
		{"questionKey": "trustworthy", "yes": trustworthy},
		{"questionKey": "impression", "word": word},
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestJudging(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "judged")
		var up struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		e.upload(t, owner, "me.jpg", imagetest.JPEGWithMetadata(150, 200, 1, imagetest.TopLeft), false).decode(t, &up)
		photoID := up.UploadPhoto.Photo.ID

		judges := []string{e.anonymous(t), e.anonymous(t)}
		for i, judge := range judges {
			next := e.nextPhoto(t, judge)
			if next == nil || next.ID != photoID {
				t.Fatalf("judge %d: nextPhoto = %+v, want the photo", i, next)
			}
			if next.ViewerCanSeeStats || next.Stats != nil || next.ViewerHasVoted {
				t.Fatalf("judge %d sees the stats before voting: %+v", i, next)
			}
			var seen struct{ Photo *struct{ ID string } }
			e.gql(t, judge, `query($id: ID!) { photo(id: $id) { id } }`, map[string]any{"id": photoID}, &seen)
			if seen.Photo != nil {
				t.Fatalf("judge %d looks up a private photo before voting", i)
			}
		}
		var voted struct {
			CastVote struct {
				Photo judgedPhoto
				Next  *struct{ ID string }
			}
		}
		e.gql(t, judges[0], castVote, map[string]any{"id": photoID, "answers": answers(30, 7, true, "Kind")}, &voted)
		if p := voted.CastVote.Photo; !p.ViewerHasVoted || !p.ViewerCanSeeStats || p.Stats == nil || p.VoteCount != 1 || voted.CastVote.Next != nil {
			t.Fatalf("after the first vote: %+v next %+v", p, voted.CastVote.Next)
		}
		e.gql(t, judges[1], castVote, map[string]any{"id": photoID, "answers": answers(40, 8, false, " kind ")}, &voted)
		if voted.CastVote.Photo.VoteCount != 2 {
			t.Fatalf("after the second vote: %+v", voted.CastVote.Photo)
		}
		var seen struct{ Photo *judgedPhoto }
		e.gql(t, judges[0], `query($id: ID!) { photo(id: $id) { `+statsFields+` } }`, map[string]any{"id": photoID}, &seen)
		if seen.Photo == nil || seen.Photo.Stats == nil {
			t.Fatal("a judge who voted cannot look the photo and its stats up")
		}

		t.Run("OwnerSeesExactStats", func(t *testing.T) {
			var out struct{ Photo judgedPhoto }
			e.gql(t, owner, `query($id: ID!) { photo(id: $id) { `+statsFields+` } }`, map[string]any{"id": photoID}, &out)
			p := out.Photo
			if p.VoteCount != 2 || p.Stats.VoteCount != 2 || p.Stats.Version < 2 {
				t.Fatalf("counts: %+v", p)
			}
			age := p.question(t, "age")
			sd := math.Sqrt(50) // sample sd of {30, 40}
			// The 95% credible interval of the crowd's mean age on 1..100
			// (stats/testdata/intervals.json, "30 and 40 on the age range").
			if age.Count != 2 || !near(*age.Mean, 35) || !near(*age.Median, 35) || !near(*age.Stddev, sd) ||
				!near(age.Interval.Low, 22.816003388014014) || !near(age.Interval.High, 59.0264617492351) || age.Interval.Level != 0.95 ||
				fmt.Sprint(age.Histogram) != "[{30 1} {40 1}]" || age.YesShare != nil || age.Stable != nil || age.Percentile != nil {
				t.Fatalf("age: %+v interval %+v", age, age.Interval)
			}
			if a := p.question(t, "attractive"); a.Count != 2 || !near(*a.Mean, 7.5) || !near(*a.Median, 7.5) {
				t.Fatalf("attractive: %+v", a)
			}
			tr := p.question(t, "trustworthy")
			// Jeffreys 95% for 1 of 2: Beta(1.5, 1.5) (stats/testdata/intervals.json).
			if tr.Count != 2 || !near(*tr.YesShare, 0.5) || !near(tr.Interval.Low, 0.06083027592009736) || !near(tr.Interval.High, 0.9391697240799026) ||
				fmt.Sprint(tr.Histogram) != "[{0 1} {1 1}]" || tr.Mean != nil {
				t.Fatalf("trustworthy: %+v interval %+v", tr, tr.Interval)
			}
			if w := p.question(t, "impression"); w.Count != 2 || fmt.Sprint(w.Words) != "[{kind 2}]" || w.Mean != nil || w.Histogram != nil {
				t.Fatalf("impression: %+v", w)
			}
			if h := p.question(t, "happy"); h.Count != 0 || h.YesShare != nil {
				t.Fatalf("an unanswered question: %+v", h)
			}
		})

		vote := func(token string, answers any) *response {
			return e.do(t, request{Token: token, Query: castVote, Vars: map[string]any{"id": photoID, "answers": answers}})
		}
		refusals := []struct {
			name, token  string
			answers      any
			code, reason string
			field        string
		}{
			{"ErrRepeat", judges[0], answers(31, 7, true, "kind"), "CONFLICT", "", ""},
			{"ErrOwnPhoto", owner, answers(31, 7, true, "kind"), "FORBIDDEN", "", ""},
			{"ErrUnknownQuestion", e.anonymous(t), []map[string]any{{"questionKey": "shoe_size", "number": 42}}, "BAD_USER_INPUT", "UNKNOWN_QUESTION", "input.answers[0].questionKey"},
			{"ErrOutOfRange", e.anonymous(t), []map[string]any{{"questionKey": "attractive", "number": 3}, {"questionKey": "age", "number": 150}}, "BAD_USER_INPUT", "OUT_OF_RANGE", "input.answers[1].number"},
			{"ErrWrongValueKind", e.anonymous(t), []map[string]any{{"questionKey": "trustworthy", "number": 1}}, "BAD_USER_INPUT", "INVALID", "input.answers[0].yes"},
			{"ErrNotAWord", e.anonymous(t), []map[string]any{{"questionKey": "impression", "word": "two words"}}, "BAD_USER_INPUT", "INVALID", "input.answers[0].word"},
			{"ErrNoAnswers", e.anonymous(t), []map[string]any{}, "BAD_USER_INPUT", "INVALID", "input.answers"},
			{"ErrNoSession", "", answers(31, 7, true, "kind"), "UNAUTHENTICATED", "", ""},
		}
		for _, c := range refusals {
			t.Run(c.name, func(t *testing.T) {
				before := e.snapshot(t)
				r := vote(c.token, c.answers)
				if r.code() != c.code || (c.reason != "" && r.ext("reason") != c.reason) || (c.field != "" && r.ext("field") != c.field) {
					t.Fatalf("got %+v, want %s %s %s", r.Errors, c.code, c.reason, c.field)
				}
				if after := e.snapshot(t); after.String() != before.String() {
					t.Fatalf("a refused vote changed state:\n before %v\n after  %v", before, after)
				}
			})
		}
	})
}

// TestNextPhotoNeverRepeats walks a judge through every photo: each comes
// once, never the judge's own, then nextPhoto is null.
func TestNextPhotoNeverRepeats(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		want := map[string]bool{}
		for _, handle := range []string{"user_a", "user_b", "user_c"} {
			token := e.account(t, handle)
			for i := 0; i < 2; i++ {
				var up struct {
					UploadPhoto struct{ Photo struct{ ID string } }
				}
				e.upload(t, token, "p.jpg", imagetest.JPEGWithMetadata(150+i, 160, 1, imagetest.TopLeft), i == 0).decode(t, &up)
				want[up.UploadPhoto.Photo.ID] = true
			}
		}
		judge := e.account(t, "walker")
		var own struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		e.upload(t, judge, "mine.jpg", imagetest.JPEGWithMetadata(170, 160, 1, imagetest.TopLeft), true).decode(t, &own)
		got := map[string]bool{}
		for i := 0; i < len(want)+1; i++ {
			next := e.nextPhoto(t, judge)
			if next == nil {
				break
			}
			if got[next.ID] || next.ID == own.UploadPhoto.Photo.ID || !want[next.ID] {
				t.Fatalf("nextPhoto gave %s (seen %v, own %v)", next.ID, got[next.ID], next.ID == own.UploadPhoto.Photo.ID)
			}
			got[next.ID] = true
			var out struct {
				CastVote struct{ Photo struct{ ID string } }
			}
			e.gql(t, judge, castVote, map[string]any{"id": next.ID, "answers": answers(25, 5, true, "fine")}, &out)
		}
		if len(got) != len(want) || e.nextPhoto(t, judge) != nil {
			t.Fatalf("judged %d of %d photos; nextPhoto afterwards: %+v", len(got), len(want), e.nextPhoto(t, judge))
		}
	})
}

// TestTopPhotos: once the standings are computed, topPhotos lists public
// photos with enough votes, best first (a Wilson lower bound for yes/no,
// a Bayesian average for scales), and results carry percentiles.
func TestTopPhotos(t *testing.T) {
	backends(t, map[string]string{"FACESTAT_MIN_VOTES": "3", "FACESTAT_RATE_ANON_SESSION": "0/1s", "FACESTAT_PHOTO_QUOTA": "10"}, func(t *testing.T, e *env) {
		owner := e.account(t, "ranked")
		// yes shares of 3/3, 2/3, 1/3; the private photo would top them all.
		shares := []int{3, 2, 1, 3}
		var ids []string
		for i, yes := range shares {
			var up struct {
				UploadPhoto struct{ Photo struct{ ID string } }
			}
			e.upload(t, owner, "p.jpg", imagetest.JPEGWithMetadata(140+i, 140, 1, imagetest.TopLeft), i < 3).decode(t, &up)
			ids = append(ids, up.UploadPhoto.Photo.ID)
			for j := 0; j < 3; j++ {
				e.gql(t, e.anonymous(t), castVote, map[string]any{"id": up.UploadPhoto.Photo.ID,
					"answers": answers(20+10*i, 2+2*i, j < yes, "fine")}, &struct{}{})
			}
		}
		if err := e.App.Judging.Standings.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		top := func(key string) []string {
			var out struct {
				TopPhotos struct{ Nodes []struct{ ID string } }
			}
			e.gql(t, "", `query($k: String!) { topPhotos(questionKey: $k, first: 10) { nodes { id } } }`, map[string]any{"k": key}, &out)
			var got []string
			for _, n := range out.TopPhotos.Nodes {
				got = append(got, n.ID)
			}
			return got
		}
		if got := top("trustworthy"); fmt.Sprint(got) != fmt.Sprint(ids[:3]) {
			t.Fatalf("top trustworthy: %v, want %v", got, ids[:3])
		}
		if got := top("attractive"); fmt.Sprint(got) != fmt.Sprint([]string{ids[2], ids[1], ids[0]}) {
			t.Fatalf("top attractive: %v", got)
		}
		if r := e.do(t, request{Query: `{ topPhotos(questionKey: "impression", first: 3) { nodes { id } } }`}); r.code() != "BAD_USER_INPUT" {
			t.Fatalf("a word question ranked: %+v", r.Errors)
		}
		var out struct{ Photo judgedPhoto }
		e.gql(t, owner, `query($id: ID!) { photo(id: $id) { `+statsFields+` } }`, map[string]any{"id": ids[0]}, &out)
		if q := out.Photo.question(t, "trustworthy"); q.Percentile == nil || q.Stable == nil {
			t.Fatalf("a question with enough votes has no percentile or stable flag: %+v", q)
		}
	})
}

// TestCastVoteShowsItsOwnVote: the statistics castVote returns count the
// vote just cast, though the photo's aggregates were cached before it
// (the answer carries the aggregates the vote's batch made): the voter's
// "you vs the crowd" compares with a crowd that includes them.
func TestCastVoteShowsItsOwnVote(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "seen")
		var up struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		e.upload(t, owner, "p.jpg", imagetest.JPEGWithMetadata(150, 150, 1, imagetest.TopLeft), true).decode(t, &up)
		id := up.UploadPhoto.Photo.ID
		for i := range 5 {
			var before struct{ Photo judgedPhoto }
			e.gql(t, owner, `query($id: ID!) { photo(id: $id) { `+statsFields+` } }`, map[string]any{"id": id}, &before) // caches the aggregates
			var out struct{ CastVote struct{ Photo judgedPhoto } }
			e.gql(t, e.anonymous(t), castVote, map[string]any{"id": id, "answers": answers(30+i, 5, true, "calm")}, &out)
			if got := out.CastVote.Photo.question(t, "age").Count; got != i+1 {
				t.Fatalf("vote %d: castVote's statistics count %d answers, want %d", i+1, got, i+1)
			}
		}
	})
}
