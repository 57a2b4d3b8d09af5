package judging_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/judging"
)

// TestHookSnapshotsMatchTheTables: the snapshots the ingester hands its
// hook, made from what it wrote before plus each batch's deltas and the
// word rows its upsert returned, are what reading the tables gives at that
// moment, through histograms, word lists longer than MaxWords, several
// photos and weighted figures a refit wrote between two waves of votes
// (which the later snapshots carry over); and each voter is answered with
// the photo as its vote left it.
func TestHookSnapshotsMatchTheTables(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var (
			s        *judging.Service
			mu       sync.Mutex
			problems []string
			checked  int
			weighted int // snapshots with a question's weighted figures
		)
		hook := hookFunc(func(ctx context.Context, fresh []*judging.Snapshot) {
			ids := make([]uuid.UUID, len(fresh))
			for i, snap := range fresh {
				ids[i] = snap.PhotoID
			}
			read, err := s.FreshSnapshots(ctx, ids) // one worker: nothing else has committed since
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				problems = append(problems, err.Error())
				return
			}
			for i, snap := range fresh {
				got, _ := json.Marshal(snap.Aggregates)
				want, _ := json.Marshal(read[i].Aggregates)
				if string(got) != string(want) || snap.VoteCount != read[i].VoteCount || snap.Version != read[i].Version {
					problems = append(problems, fmt.Sprintf("photo %s: snapshot %d votes v%d %s\nread %d votes v%d %s",
						snap.PhotoID, snap.VoteCount, snap.Version, got, read[i].VoteCount, read[i].Version, want))
				}
				checked++
				for _, q := range snap.Aggregates.Questions {
					if q.Weighted != nil {
						weighted++
						break
					}
				}
			}
		})
		p := ownedPhoto(t, d)
		photos := []*ent.Photo{p}
		for i := range 2 {
			q, err := d.Photo.Create().SetOwnerID(p.OwnerID).SetImageKey(fmt.Sprintf("img/%d.jpg", i)).SetThumbKey(fmt.Sprintf("thumb/%d.jpg", i)).
				SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			photos = append(photos, q)
		}
		s = newJudging(t, d, judging.Config{MinVotes: 10, CandidatePool: 5, TopSize: 10,
			Ingest: judging.IngestConfig{MaxBatch: 8, QueueSize: 1000, Workers: 1}},
			slog.New(slog.NewTextHandler(io.Discard, nil)), hook)
		const n = 240
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			if i == n/2 {
				// The second wave: after a refit wrote weighted figures.
				wg.Wait()
				if _, err := s.Refit(ctx); err != nil {
					t.Fatal(err)
				}
			}
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(i), 1))
				age, attractive, yes := 1+r.IntN(100), 1+r.IntN(10), r.IntN(2) == 0
				word := fmt.Sprintf("word%c", 'a'+rune(r.IntN(26))) // more words than MaxWords
				answers := []judging.AnswerInput{{QuestionKey: "age", Number: &age}, {QuestionKey: "attractive", Number: &attractive},
					{QuestionKey: "happy", Yes: &yes}, {QuestionKey: "impression", Word: &word}}
				if i%3 == 0 {
					answers = answers[:1] // some questions left unanswered
				}
				ph := photos[i%len(photos)]
				got, err := s.CastVote(ctx, judge(), ph.ID, answers)
				if err == nil && (got == nil || got.ID != ph.ID || got.VoteCount < 1 || got.StatsVersion < 1 || got.StatsUpdatedAt == nil) {
					err = fmt.Errorf("answered with photo %+v", got)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("vote %d: %v", i, err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Error(p)
		}
		if checked == 0 || weighted == 0 {
			t.Fatalf("the hook got %d snapshots, %d with weighted figures", checked, weighted)
		}
		t.Logf("%d snapshots checked, %d with weighted figures", checked, weighted)
	})
}
