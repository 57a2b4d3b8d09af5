package judging_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/photos"
)

// TestVoteTier: the tier is the vote count below 16, then four per
// doubling, never skipping one, and counts that share a tier are less than
// a quarter apart; the vote path's SQL computes the same on both
// backends (VoteTierSQL on PostgreSQL, the function VoteTierFunc on
// SQLite), around every tier's first count.
func TestVoteTier(t *testing.T) {
	want := map[int]int{-3: 0, 0: 0, 1: 1, 15: 15, 16: 16, 19: 16, 20: 17, 23: 17, 24: 18, 28: 19, 31: 19, 32: 20, 39: 20, 40: 21,
		63: 23, 64: 24, 1000: 16 + 4*5 + 3, 1 << 40: 16 + 4*36, 1<<62 - 1: 16 + 4*57 + 3, 1 << 62: 16 + 4*58, math.MaxInt64: 16 + 4*58 + 3}
	for n, tier := range want {
		if got := photos.VoteTier(n); got != tier {
			t.Errorf("VoteTier(%d) = %d, want %d", n, got, tier)
		}
	}
	for n := range 100000 {
		if step := photos.VoteTier(n+1) - photos.VoteTier(n); step < 0 || step > 1 {
			t.Fatalf("VoteTier(%d) = %d, VoteTier(%d) = %d: tiers go up by one at most", n, photos.VoteTier(n), n+1, photos.VoteTier(n+1))
		}
		// Counts that share a tier are less than a quarter of the larger apart.
		if lo := n - n/4; n >= 16 && photos.VoteTier(lo) == photos.VoteTier(n) {
			t.Fatalf("%d and %d votes share tier %d", lo, n, photos.VoteTier(n))
		}
	}
	// Around every tier's first count, VoteTierStarts agrees with VoteTier.
	starts := photos.VoteTierStarts()
	probes := []int64{math.MinInt64, math.MaxInt64}
	for tier, first := range starts {
		if tier == 0 {
			continue
		}
		if got := photos.VoteTier(int(first)); got != tier {
			t.Errorf("VoteTierStarts()[%d] = %d, whose tier is %d", tier, first, got)
		}
		if got := photos.VoteTier(int(first - 1)); got != tier-1 {
			t.Errorf("%d, one before tier %d's first count, is in tier %d", first-1, tier, got)
		}
		probes = append(probes, first-1, first, first+1)
	}
	if last := photos.VoteTier(math.MaxInt64); len(starts) != last+1 {
		t.Errorf("%d tiers' first counts, want %d", len(starts), last+1)
	}
	for n := range want {
		probes = append(probes, int64(n))
	}
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		// On PostgreSQL the vote path computes the tier with VoteTierSQL, on
		// SQLite with the function VoteTierFunc.
		tierSQL := func(n string) string { return photos.VoteTierFunc + "(" + n + ")" }
		if d.Dialect == "postgres" {
			tierSQL = photos.VoteTierSQL
		}
		for _, n := range probes {
			var got int
			// CAST: PostgreSQL reads -9223372036854775808 as a numeric.
			if err := d.SQL.QueryRowContext(context.Background(), "SELECT "+tierSQL(fmt.Sprintf("CAST(%d AS BIGINT)", n))).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if want := photos.VoteTier(int(n)); got != want {
				t.Errorf("%s: tier of %d is %d, want %d", d.Dialect, n, got, want)
			}
		}
	})
}

// TestAddVotesIsHOT: once a photo is due for a refit, a vote batch's
// UPDATE of its counters changes no indexed column, so PostgreSQL makes it
// a HOT update (no new index entries); it keeps the tier and the time the
// photo became due, and the refit's MarkFitted takes the photo off the
// queue until its next vote. On SQLite the same columns follow.
func TestAddVotesIsHOT(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		store := photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		p := ownedPhoto(t, d)
		// xact is what pg_stat_xact_user_tables counts of the photos'
		// updates, and of those HOT, so far (since PostgreSQL 15 it may
		// include earlier transactions of the connection not yet reported:
		// what matters is the difference).
		xact := func(tx *ent.Tx) (upd, hot int) {
			t.Helper()
			rows, err := tx.QueryContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'photos'`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				if err := rows.Scan(&upd, &hot); err != nil {
					t.Fatal(err)
				}
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			return upd, hot
		}
		add := func(n int, at time.Time) (upd, hot int) {
			t.Helper()
			tx, err := d.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			var upd0, hot0 int
			if d.Dialect == "postgres" {
				upd0, hot0 = xact(tx)
			}
			if err := store.AddVotes(ctx, tx, map[uuid.UUID]int{p.ID: n}, at); err != nil {
				t.Fatal(err)
			}
			if d.Dialect == "postgres" {
				upd, hot = xact(tx)
				upd, hot = upd-upd0, hot-hot0
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			return upd, hot
		}
		check := func(votes, tier int, due *time.Time) *ent.Photo {
			t.Helper()
			row := d.Client.Photo.GetX(ctx, p.ID)
			if row.VoteCount != votes || row.VoteTier != tier || (row.FitDue == nil) != (due == nil) || (due != nil && !row.FitDue.Equal(*due)) {
				t.Fatalf("votes %d, tier %d, due %v; want %d, %d, %v", row.VoteCount, row.VoteTier, row.FitDue, votes, tier, due)
			}
			return row
		}
		t0 := time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)
		add(20, t0) // into tier 17 and onto the refit's queue: indexed columns change
		check(20, 17, &t0)
		if upd, hot := add(3, t0.Add(time.Second)); upd != hot || (d.Dialect == "postgres" && upd != 1) {
			t.Errorf("%d updates, %d of them HOT; want 1 and 1", upd, hot)
		}
		row := check(23, 17, &t0)
		if ids, err := store.Unfitted(ctx, 10); err != nil || len(ids) != 1 || ids[0] != p.ID {
			t.Fatalf("Unfitted = %v, %v; want the photo", ids, err)
		}

		tx, err := d.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		locked, err := store.LockForCounts(ctx, tx, []uuid.UUID{p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.MarkFitted(ctx, tx, locked, map[uuid.UUID]int64{p.ID: row.StatsVersion}, nil); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		check(23, 17, nil)
		if ids, err := store.Unfitted(ctx, 10); err != nil || len(ids) != 0 {
			t.Fatalf("Unfitted = %v, %v after the refit; want none", ids, err)
		}
		t1 := t0.Add(time.Minute)
		add(9, t1) // 32 votes: tier 20, and due again
		check(32, 20, &t1)
	})
}
