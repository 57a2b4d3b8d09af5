package integration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/imageproc/imagetest"
)

// TestConcurrentVotes has 1,000 distinct judges vote on one photo from 50
// goroutines, with 100 deliberate repeats mixed in: exactly 1,000 votes are
// acknowledged, exactly 100 refused with CONFLICT, and every aggregate
// equals a recount of the votes table.
func TestConcurrentVotes(t *testing.T) {
	e := startEnv(t, dbtest.MustCreatePGDatabase(t), map[string]string{"FACESTAT_RATE_ANON_SESSION": "0/1s"})
	owner := e.account(t, "popular")
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.upload(t, owner, "me.jpg", imagetest.JPEGWithMetadata(160, 160, 1, imagetest.TopLeft), true).decode(t, &up)
	photoID := up.UploadPhoto.Photo.ID

	const judges, repeats, workers = 1000, 100, 50
	type job struct {
		token string
		n     int
	}
	tokens := make([]string, judges)
	for i := range tokens {
		tokens[i] = e.anonymous(t)
	}
	jobs := make(chan job, judges+repeats)
	for i := range judges {
		jobs <- job{tokens[i], i}
		if i%10 == 0 { // the repeat goes right after the original
			jobs <- job{tokens[i], i + 1}
		}
	}
	close(jobs)
	words := []string{"calm", "bright", "kind", "stern"}
	var acked, conflicts, other atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				r := whileBusy(func() *response {
					return e.do(t, request{Token: j.token, Query: `mutation($id: ID!, $a: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $a}) { photo { id } } }`,
						Vars: map[string]any{"id": photoID, "a": answers(1+j.n%100, 1+j.n%10, j.n%3 == 0, words[j.n%len(words)])}})
				})
				switch r.code() {
				case "":
					acked.Add(1)
				case "CONFLICT":
					conflicts.Add(1)
				default:
					other.Add(1)
					t.Errorf("vote %d: %+v", j.n, r.Errors)
				}
			}
		})
	}
	wg.Wait()
	if acked.Load() != judges || conflicts.Load() != repeats || other.Load() != 0 {
		t.Fatalf("acknowledged %d, conflicts %d, other %d; want %d, %d, 0", acked.Load(), conflicts.Load(), other.Load(), judges, repeats)
	}
	assertRecount(t, e)
}

// assertRecount recomputes every aggregate from the votes table and
// compares it with what the vote path maintained.
func assertRecount(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	c := e.App.DB.Client
	votes, err := c.Vote.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		photo    uuid.UUID
		question int
	}
	type agg struct{ count, sum, sumSq int64 }
	kinds := map[int]string{}
	qs, err := c.Question.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		kinds[q.ID] = string(q.Kind)
	}
	wantStats := map[key]agg{}
	wantHist := map[string]int64{}
	wantWords := map[string]int64{}
	wantVotes := map[uuid.UUID]int{}
	for _, v := range votes {
		wantVotes[v.PhotoID]++
		for _, a := range v.Answers {
			k := key{v.PhotoID, a.Question}
			s := wantStats[k]
			s.count++
			switch {
			case a.Number != nil:
				x := int64(*a.Number)
				s.sum += x
				s.sumSq += x * x
				wantHist[fmt.Sprint(v.PhotoID, a.Question, x)]++
			case a.Yes != nil: // no histogram rows: count and sum are the buckets
				if *a.Yes {
					s.sum++
					s.sumSq++
				}
			case a.Word != nil:
				wantWords[fmt.Sprint(v.PhotoID, a.Question, *a.Word)]++
			}
			wantStats[k] = s
		}
	}
	gotStats, err := c.PhotoQuestionStat.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range gotStats {
		if s.Count == 0 {
			continue
		}
		n++
		w := wantStats[key{s.PhotoID, s.QuestionID}]
		if (agg{s.Count, s.Sum, s.SumSq}) != w {
			t.Errorf("photo %s question %d: stored %+v, recount %+v", s.PhotoID, s.QuestionID, agg{s.Count, s.Sum, s.SumSq}, w)
		}
	}
	if n != len(wantStats) {
		t.Errorf("%d aggregate rows, recount has %d", n, len(wantStats))
	}
	hist, err := c.PhotoAnswerCount.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotHist := map[string]int64{}
	for _, h := range hist {
		if h.Count != 0 {
			gotHist[fmt.Sprint(h.PhotoID, h.QuestionID, h.Value)] = h.Count
		}
	}
	words, err := c.PhotoWord.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotWords := map[string]int64{}
	for _, w := range words {
		if w.Count != 0 {
			gotWords[fmt.Sprint(w.PhotoID, w.QuestionID, w.Word)] = w.Count
		}
	}
	for name, pair := range map[string][2]map[string]int64{"histogram": {gotHist, wantHist}, "words": {gotWords, wantWords}} {
		g, _ := json.Marshal(pair[0])
		w, _ := json.Marshal(pair[1])
		if string(g) != string(w) {
			t.Errorf("%s: stored %s, recount %s", name, g, w)
		}
	}
	photos, err := c.Photo.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range photos {
		if p.VoteCount != wantVotes[p.ID] {
			t.Errorf("photo %s: vote_count %d, recount %d", p.ID, p.VoteCount, wantVotes[p.ID])
		}
	}
}
