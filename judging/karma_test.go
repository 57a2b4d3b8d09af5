package judging_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
)

// fixture makes accounts and photos directly in the database.
type fixture struct {
	t *testing.T
	d *db.DB
}

func (f fixture) account(handle string) *ent.User {
	f.t.Helper()
	u, err := f.d.User.Create().SetHandle(handle).SetEmail(handle + "@example.com").Save(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// photo makes a photo of owner with votes as its vote count.
func (f fixture) photo(owner uuid.UUID, votes int) *ent.Photo {
	f.t.Helper()
	p, err := f.d.Photo.Create().SetOwnerID(owner).SetImageKey("img/" + uuid.NewString()).SetThumbKey("thumb/x.jpg").
		SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).SetVoteCount(votes).Save(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f fixture) user(id uuid.UUID) *ent.User {
	f.t.Helper()
	u, err := f.d.User.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f fixture) queue(id uuid.UUID) int {
	f.t.Helper()
	p, err := f.d.Photo.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.JudgeQueue
}

// inTx runs fn in a transaction and commits it.
func (f fixture) inTx(fn func(ctx context.Context, tx *ent.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	tx, err := f.d.Tx(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := fn(ctx, tx); err != nil {
		tx.Rollback()
		f.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		f.t.Fatal(err)
	}
}

func TestKarmaFor(t *testing.T) {
	if careful, careless := judging.KarmaFor(0.95), judging.KarmaFor(0.1); careful <= careless {
		t.Fatalf("a careful vote earns %d, a careless one %d", careful, careless)
	}
	prev := int64(-1)
	for c := -0.5; c <= 1.5; c += 0.01 {
		k := judging.KarmaFor(c)
		if k < prev || k < 0 || k > judging.MaxKarmaPerVote {
			t.Fatalf("KarmaFor(%v) = %d after %d: not rising within 0..%d", c, k, prev, judging.MaxKarmaPerVote)
		}
		prev = k
	}
	if k := judging.KarmaFor(math.NaN()); k != 0 {
		t.Fatalf("KarmaFor(NaN) = %d", k)
	}
}

// TestKarmaEarnedAndSpent: the same number of votes earns a careful judge
// more than a careless one; votes on one's photos past their first
// FreeVotes spend karma; an owner at or below zero has the photos with
// their free votes queued last, and they come back once karma is earned.
func TestKarmaEarnedAndSpent(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		f := fixture{t, d}
		careful, careless, owner := f.account("careful"), f.account("careless"), f.account("owner")
		over := f.photo(owner.ID, judging.FreeVotes+5) // spends 5
		under := f.photo(owner.ID, judging.FreeVotes-1)
		at := f.photo(owner.ID, judging.FreeVotes) // spends nothing, but is queued last when broke

		const votes = 20
		earned := map[uuid.UUID]int64{careful.ID: votes * judging.KarmaFor(0.95), careless.ID: votes * judging.KarmaFor(0.1),
			uuid.New(): 7} // a judge without a row: passed over
		f.inTx(func(ctx context.Context, tx *ent.Tx) error { return judging.CreditKarma(ctx, tx, earned) })
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.SettleKarma(ctx, tx, []uuid.UUID{careless.ID, careful.ID, owner.ID, careful.ID})
		})
		c, x := f.user(careful.ID), f.user(careless.ID)
		if c.KarmaEarned != earned[careful.ID] || c.Karma != c.KarmaEarned || x.Karma != x.KarmaEarned {
			t.Fatalf("careful %d/%d, careless %d/%d (earned/balance)", c.KarmaEarned, c.Karma, x.KarmaEarned, x.Karma)
		}
		if c.Karma <= x.Karma {
			t.Fatalf("careful judging earned %d, careless %d, for %d votes each", c.Karma, x.Karma, votes)
		}
		if o := f.user(owner.ID); o.Karma != -5 {
			t.Fatalf("owner's karma %d, want -5 (5 votes past the free ones)", o.Karma)
		}
		if q := [3]int{f.queue(over.ID), f.queue(at.ID), f.queue(under.ID)}; q != [3]int{1, 1, 0} {
			t.Fatalf("queues (over, at, under the free votes) = %v, want [1 1 0]", q)
		}

		// Crediting twice adds up; the owner earns 6: balance 1, queue 0.
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.CreditKarma(ctx, tx, map[uuid.UUID]int64{owner.ID: 2, careful.ID: 1})
		})
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.CreditKarma(ctx, tx, map[uuid.UUID]int64{owner.ID: 4})
		})
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.SettleKarma(ctx, tx, []uuid.UUID{owner.ID, careful.ID})
		})
		if o := f.user(owner.ID); o.KarmaEarned != 6 || o.Karma != 1 {
			t.Fatalf("owner %d/%d, want 6/1", o.KarmaEarned, o.Karma)
		}
		if c := f.user(careful.ID); c.Karma != earned[careful.ID]+1 {
			t.Fatalf("careful's balance %d, want %d", c.Karma, earned[careful.ID]+1)
		}
		if q := [3]int{f.queue(over.ID), f.queue(at.ID), f.queue(under.ID)}; q != [3]int{0, 0, 0} {
			t.Fatalf("queues with karma = %v, want all 0", q)
		}
		// Settling nobody, or a user without a row, is harmless.
		f.inTx(func(ctx context.Context, tx *ent.Tx) error { return judging.SettleKarma(ctx, tx, nil) })
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.SettleKarma(ctx, tx, []uuid.UUID{uuid.New()})
		})
	})
}

// TestKarmaSettlesManyUsers: settleKarma of more users than fit in one
// statement's chunk gets every balance and queue right.
func TestKarmaSettlesManyUsers(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		f := fixture{t, d}
		ctx := context.Background()
		const n = 1200
		creates := make([]*ent.UserCreate, n)
		ids := make([]uuid.UUID, n)
		for i := range creates {
			ids[i] = uuid.New()
			creates[i] = d.User.Create().SetID(ids[i]).SetAnonymous(false).SetKarmaEarned(int64(i % 3))
		}
		if err := d.User.CreateBulk(creates...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		photos := make([]*ent.Photo, n)
		for i := range photos {
			photos[i] = f.photo(ids[i], judging.FreeVotes+1) // spends 1
		}
		f.inTx(func(ctx context.Context, tx *ent.Tx) error { return judging.SettleKarma(ctx, tx, ids) })
		for i := range n {
			u := f.user(ids[i])
			want, queue := int64(i%3)-1, 0
			if want <= 0 {
				queue = 1
			}
			if u.Karma != want || f.queue(photos[i].ID) != queue {
				t.Fatalf("user %d: karma %d, queue %d; want %d, %d", i, u.Karma, f.queue(photos[i].ID), want, queue)
			}
		}
	})
}

// TestNextPhotoWaitsForKarma: an owner out of karma has their photo served
// with the others until it has FreeVotes votes, after them from then on.
func TestNextPhotoWaitsForKarma(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		f := fixture{t, d}
		ctx := context.Background()
		broke, rich := f.account("broke"), f.account("rich")
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.CreditKarma(ctx, tx, map[uuid.UUID]int64{rich.ID: 100})
		})
		poor := f.photo(broke.ID, 0)
		other := f.photo(rich.ID, 0)
		s := newJudging(t, d, judging.Config{MinVotes: 10, CandidatePool: 1, TopSize: 10,
			Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		vote := func(p *ent.Photo, n int) {
			t.Helper()
			for range n {
				if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(30)); err != nil {
					t.Fatal(err)
				}
			}
		}
		settle := func() {
			t.Helper()
			f.inTx(func(ctx context.Context, tx *ent.Tx) error {
				return judging.SettleKarma(ctx, tx, []uuid.UUID{broke.ID, rich.ID})
			})
		}
		next := func() uuid.UUID {
			t.Helper()
			p, err := s.NextPhoto(ctx, judge(), nil)
			if err != nil || p == nil {
				t.Fatalf("NextPhoto = %v, %v", p, err)
			}
			return p.ID
		}
		vote(other, judging.FreeVotes+2)
		vote(poor, judging.FreeVotes-1)
		settle()
		if got := next(); got != poor.ID {
			t.Fatal("an owner out of karma waits before the photo has its free votes")
		}
		vote(poor, 1)
		settle()
		if got := next(); got != other.ID {
			t.Fatal("the photo of an owner out of karma with its free votes comes before a more judged photo")
		}
		if b := f.user(broke.ID); b.Karma > 0 {
			t.Fatalf("the broke owner has karma %d", b.Karma)
		}
		// Karma earned brings the photo back to its place.
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.CreditKarma(ctx, tx, map[uuid.UUID]int64{broke.ID: 1})
		})
		settle()
		if got := next(); got != poor.ID {
			t.Fatal("the owner earned karma, yet the least judged photo is not served first")
		}
	})
}

// TestMergeMovesKarmaAndSkips: an anonymous judge signing in to an account
// brings its earned karma and its skips; on sign-up the account takes the
// judge's id, so its karma stays where it is.
func TestMergeMovesKarmaAndSkips(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		f := fixture{t, d}
		ctx := context.Background()
		owner, account := f.account("owner"), f.account("account")
		p1, p2, p3 := f.photo(owner.ID, 0), f.photo(owner.ID, 0), f.photo(owner.ID, 0)
		s := newJudging(t, d, judging.Config{MinVotes: 10, CandidatePool: 5, TopSize: 10,
			Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		anon := judge()
		acc := &identity.Viewer{ID: account.ID}
		for _, skip := range []struct {
			v *identity.Viewer
			p *ent.Photo
		}{{anon, p1}, {anon, p2}, {acc, p2}} {
			if err := s.SkipPhoto(ctx, skip.v, skip.p.ID); err != nil {
				t.Fatal(err)
			}
		}
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.CreditKarma(ctx, tx, map[uuid.UUID]int64{anon.ID: 7, account.ID: 3})
		})
		f.inTx(func(ctx context.Context, tx *ent.Tx) error {
			return judging.SettleKarma(ctx, tx, []uuid.UUID{anon.ID, account.ID})
		})
		f.inTx(func(ctx context.Context, tx *ent.Tx) error { return s.Merge(ctx, tx, anon.ID, account.ID) })

		if a := f.user(account.ID); a.KarmaEarned != 10 || a.Karma != 10 {
			t.Fatalf("account %d/%d (earned/balance), want 10/10", a.KarmaEarned, a.Karma)
		}
		if j := f.user(anon.ID); j.KarmaEarned != 0 || j.Karma != 0 {
			t.Fatalf("the merged judge kept %d/%d", j.KarmaEarned, j.Karma)
		}
		if n, err := s.Karma(ctx, account.ID); err != nil || n != 10 {
			t.Fatalf("Karma = %d, %v", n, err)
		}
		for i := range 3 {
			p, err := s.NextPhoto(ctx, acc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p == nil || p.ID != p3.ID {
				t.Fatalf("try %d: the account is offered %v, want only the photo neither skipped", i, p)
			}
		}
		if n, err := s.Karma(ctx, uuid.New()); err != nil || n != 0 {
			t.Fatalf("a judge without a row: Karma = %d, %v", n, err)
		}
	})
}
