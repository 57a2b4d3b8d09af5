package judging_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
)

// TestSkipPhoto: a skipped photo is never offered to its judge again (and
// still is to others); skipping twice is harmless; the refusals.
func TestSkipPhoto(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		f := fixture{t, d}
		ctx := context.Background()
		owner := f.account("owner")
		a, b := f.photo(owner.ID, 0), f.photo(owner.ID, 1)
		s := newJudging(t, d, judging.Config{MinVotes: 10, CandidatePool: 5, TopSize: 10,
			Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		offered := func(v *identity.Viewer) map[uuid.UUID]bool {
			t.Helper()
			out := map[uuid.UUID]bool{}
			for range 20 { // NextPhoto picks at random among the candidates
				p, err := s.NextPhoto(ctx, v, nil)
				if err != nil {
					t.Fatal(err)
				}
				if p != nil {
					out[p.ID] = true
				}
			}
			return out
		}

		t.Run("OK", func(t *testing.T) {
			v := judge() // anonymous, no row yet
			if err := s.SkipPhoto(ctx, v, a.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.SkipPhoto(ctx, v, a.ID); err != nil {
				t.Fatalf("skipping twice: %v", err)
			}
			if got := offered(v); got[a.ID] || !got[b.ID] {
				t.Fatalf("after skipping a, the judge is offered %v", got)
			}
			if got := offered(judge()); !got[a.ID] {
				t.Fatal("another judge is no longer offered the skipped photo")
			}
			if err := s.SkipPhoto(ctx, v, b.ID); err != nil {
				t.Fatal(err)
			}
			if got := offered(v); len(got) != 0 {
				t.Fatalf("after skipping both, the judge is offered %v", got)
			}
		})
		t.Run("ErrNoSession", func(t *testing.T) {
			if err := s.SkipPhoto(ctx, nil, a.ID); facestat.ErrorCode(err) != facestat.Unauthenticated {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("ErrOwnPhoto", func(t *testing.T) {
			if err := s.SkipPhoto(ctx, &identity.Viewer{ID: owner.ID}, a.ID); facestat.ErrorCode(err) != facestat.Forbidden {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("ErrNoSuchPhoto", func(t *testing.T) {
			if err := s.SkipPhoto(ctx, judge(), uuid.New()); facestat.ErrorCode(err) != facestat.NotFound {
				t.Fatalf("got %v", err)
			}
			hidden := f.photo(owner.ID, 0)
			if err := d.Photo.UpdateOneID(hidden.ID).SetStatus(photo.StatusHidden).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.SkipPhoto(ctx, judge(), hidden.ID); facestat.ErrorCode(err) != facestat.NotFound {
				t.Fatalf("a hidden photo: got %v", err)
			}
		})
		t.Run("ErrRetiredToken", func(t *testing.T) {
			v := judge()
			account := f.account("account")
			if err := d.User.Create().SetID(v.ID).SetAnonymous(true).SetMergedIntoID(account.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.SkipPhoto(ctx, v, a.ID); facestat.ErrorCode(err) != facestat.Unauthenticated {
				t.Fatalf("got %v", err)
			}
		})
	})
}
