package judging_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
)

// TestNextPhotoDrawsFromThePool: nextPhoto serves only the CandidatePool
// least-judged photos (by vote tier), and draws among them at random: over
// 200 draws from ten photos at ten tiers with a pool of four, every photo
// served is one of the four least judged, and at least three of them are
// served (a draw that always took the first, or a pool past four, fails).
func TestNextPhotoDrawsFromThePool(t *testing.T) {
	onBoth(t, func(t *testing.T, d *db.DB) {
		f := fixture{t, d}
		ctx := context.Background()
		owner := f.account("owner")
		pool := map[uuid.UUID]bool{}
		for i := range 10 {
			votes := 3 * i // tiers 0, 3, ... 15, then a tier per quarter doubling
			p := f.photo(owner.ID, votes)
			if err := d.Photo.UpdateOne(p).SetVoteTier(photos.VoteTier(votes)).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if i < 4 {
				pool[p.ID] = true
			}
		}
		s := newJudging(t, d, judging.Config{MinVotes: 10, CandidatePool: 4, TopSize: 10,
			Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		served := map[uuid.UUID]int{}
		for range 200 {
			p, err := s.NextPhoto(ctx, judge(), nil)
			if err != nil || p == nil {
				t.Fatalf("NextPhoto = %v, %v", p, err)
			}
			if !pool[p.ID] {
				t.Fatalf("served %s (%d votes), not one of the 4 least judged", p.ID, p.VoteCount)
			}
			if p.ImageKey == "" || p.Width == 0 {
				t.Fatalf("served a partial row: %+v", p)
			}
			served[p.ID]++
		}
		if len(served) < 3 {
			t.Fatalf("200 draws served %d distinct photos of the pool of 4: %v", len(served), served)
		}
		t.Logf("draws per photo of the pool: %v", served)
	})
}
