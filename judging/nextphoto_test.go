package judging_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
)

// TestNextPhotoDrawsFromThePool: nextPhoto serves only the CandidatePool
// least-judged photos (by vote tier), and draws among them at random: over
// 200 draws from ten photos at ten tiers with a pool of four, every photo
// served is one of the four least judged, and at least three of them are
// served (a draw that always took the first, or a pool past four, fails).
func TestNextPhotoDrawsFromThePool(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
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

// TestNextPhotoHeadIsOnlyAnOrder: with the shipped head of the judging
// order (read again in the background every 200 ms), what changed behind
// the head's back
// is still never served: a photo hidden or deleted directly in the
// database, the judge's own vote or skip just cast, the judge's own photo.
// A photo inserted behind its back is served once the head is read again
// (a fraction of a second later), and at once after JudgingOrderChanged.
func TestNextPhotoHeadIsOnlyAnOrder(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		f := fixture{t, d}
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		store := photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect}, log)
		s := newJudgingOn(t, d, store, judging.Config{MinVotes: 10, CandidatePool: 4, TopSize: 10,
			Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, log)
		owner := f.account("owner")
		a, b, c := f.photo(owner.ID, 0), f.photo(owner.ID, 0), f.photo(owner.ID, 0)
		me := f.account("judge")
		j := &identity.Viewer{ID: me.ID}
		f.photo(me.ID, 0) // the judge's own: never served to them
		served := func(want ...uuid.UUID) {
			t.Helper()
			for range 40 {
				p, err := s.NextPhoto(ctx, j, nil)
				if err != nil {
					t.Fatal(err)
				}
				if p == nil && len(want) == 0 {
					continue
				}
				if p == nil || !slices.Contains(want, p.ID) {
					t.Fatalf("NextPhoto served %v, want one of %v", p, want)
				}
			}
		}
		served(a.ID, b.ID, c.ID) // the head is read: a, b, c and mine

		if err := d.Photo.UpdateOne(a).SetStatus(photo.StatusHidden).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.Photo.DeleteOne(b).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		served(c.ID)
		if _, err := s.CastVote(ctx, j, c.ID, ageAnswer(30)); err != nil {
			t.Fatal(err)
		}
		served() // nothing left

		// A photo inserted behind the head's back: served when the
		// expired head has been read again.
		e := f.photo(owner.ID, 0)
		deadline := time.Now().Add(10 * time.Second)
		for {
			p, err := s.NextPhoto(ctx, j, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p != nil {
				if p.ID != e.ID {
					t.Fatalf("NextPhoto served %s, want the new photo %s", p.ID, e.ID)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a photo inserted 10 s ago is still not served")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := s.SkipPhoto(ctx, j, e.ID); err != nil {
			t.Fatal(err)
		}
		served()
		g := f.photo(owner.ID, 0)
		store.JudgingOrderChanged()
		served(g.ID)
	})
}

// recordedJudging returns a migrated database on backend whose statements
// outside transactions rec records, and a judging service on it with a
// candidate pool of one and a head read once (no background rescan lands
// in a count).
func recordedJudging(t *testing.T, backend string) (*queryRecorder, *db.DB, *judging.Service) {
	rec := &queryRecorder{}
	opts := db.Options{DataDir: t.TempDir()}
	if backend == "PostgreSQL" {
		opts = db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 4}
	}
	opts.Driver = func(drv dialect.Driver) dialect.Driver { return recordingDriver{drv, rec} }
	d := dbtest.OpenMigrated(t, opts)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store := photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect, JudgingHeadTTL: time.Hour}, log)
	s := newJudgingOn(t, d, store, judging.Config{MinVotes: 10, CandidatePool: 1, TopSize: 10,
		Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, log)
	return rec, d, s
}

// TestNextPhotoAfterAVoteIsOneStatement: the photo service remembers what
// a judge judged, and the judging service tells it of every vote and skip
// it stores, so the judge's next nextPhoto is one statement (the drawn
// row, checked unjudged) and serves a photo they have not judged.
func TestNextPhotoAfterAVoteIsOneStatement(t *testing.T) {
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			rec, d, s := recordedJudging(t, backend)
			f := fixture{t, d}
			ctx := context.Background()
			owner := f.account("owner")
			// In judging order: a, b, c (b and c further down by tier).
			a, b, c := f.photo(owner.ID, 0), f.photo(owner.ID, 0), f.photo(owner.ID, 0)
			for i, p := range []*ent.Photo{b, c} {
				if err := d.Photo.UpdateOne(p).SetVoteTier(5 + i).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			j := judge()
			next := func(what string, want uuid.UUID, statements int) {
				t.Helper()
				rec.start()
				p, err := s.NextPhoto(ctx, j, nil)
				n := len(rec.stop())
				if err != nil || p == nil || p.ID != want {
					t.Fatalf("%s: NextPhoto = %v, %v; want %s", what, p, err, want)
				}
				if statements > 0 && n != statements {
					t.Errorf("%s: NextPhoto sent %d statements, want %d", what, n, statements)
				}
			}
			next("the first pick (the head, the judge's votes, the row)", a.ID, 0)
			if _, err := s.CastVote(ctx, j, a.ID, ageAnswer(30)); err != nil {
				t.Fatal(err)
			}
			next("after a vote", b.ID, 1)
			if err := s.SkipPhoto(ctx, j, b.ID); err != nil {
				t.Fatal(err)
			}
			next("after a skip", c.ID, 1)
		})
	}
}

// TestCastVoteDrawsTheNextPhoto: a castVote that asks for the next photo
// has it drawn by its batch on PostgreSQL (photos.Candidates, then
// DrawNext once the batch has committed: one statement a batch, outside
// the vote's transaction): serving it costs no statement, it is the one a
// pick after the vote would serve, and never one the judge judged, even
// through another instance (a vote the memo does not hold: the draw finds
// it judged, and the pick after the vote serves another). On SQLite the
// pick happens after the vote, as it did.
func TestCastVoteDrawsTheNextPhoto(t *testing.T) {
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			rec, d, s := recordedJudging(t, backend)
			f := fixture{t, d}
			ctx := context.Background()
			owner := f.account("owner")
			// In judging order: a, b, c, e.
			ps := []*ent.Photo{f.photo(owner.ID, 0), f.photo(owner.ID, 0), f.photo(owner.ID, 0), f.photo(owner.ID, 0)}
			for i, p := range ps {
				if err := d.Photo.UpdateOne(p).SetVoteTier(i).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			a, b, c, e := ps[0], ps[1], ps[2], ps[3]
			j := judge()
			if p, err := s.NextPhoto(ctx, j, nil); err != nil || p == nil || p.ID != a.ID {
				t.Fatalf("first pick: %v, %v; want a", p, err)
			}
			// vote casts a vote on id asking for the next photo and serves it
			// as castVote's next field does: the photo drawn and the one
			// served, and the statements sent outside the vote's transaction
			// by the vote and by the serving.
			vote := func(id uuid.UUID) (*ent.Photo, *ent.Photo, int, int) {
				t.Helper()
				rec.start()
				cast, err := s.CastVoteFresh(ctx, j, id, ageAnswer(30), true)
				if err != nil {
					t.Fatal(err)
				}
				byVote := len(rec.stop())
				rec.start()
				next, err := s.ServeNext(ctx, j, cast.Next)
				if err != nil {
					t.Fatal(err)
				}
				return cast.Next, next, byVote, len(rec.stop())
			}
			drawn, next, byVote, byServing := vote(a.ID)
			if next == nil || next.ID != b.ID || next.ImageKey != b.ImageKey || next.Width != b.Width {
				t.Fatalf("after a vote on a: next %+v, want b", next)
			}
			if backend == "PostgreSQL" {
				if drawn == nil || byVote != 1 || byServing != 0 {
					t.Errorf("after a vote on a: drawn %v; %d statements by the vote besides its transaction and %d serving it, want b drawn, 1 (its batch's draw) and none",
						drawn, byVote, byServing)
				}
			} else if drawn != nil || byVote != 0 || byServing != 1 {
				t.Errorf("after a vote on a: drawn %v; %d statements by the vote besides its transaction and %d serving it, want none drawn, none and the pick's one",
					drawn, byVote, byServing)
			}

			// The judge votes on c through another instance: this one's memo
			// does not hold it, so c is its candidate after a vote on b.
			if _, err := d.Vote.Create().SetJudgeID(j.ID).SetPhotoID(c.ID).SetAnswers(nil).
				SetCreatedAt(time.Now()).Save(ctx); err != nil {
				t.Fatal(err)
			}
			drawn, next, _, _ = vote(b.ID)
			if drawn != nil {
				t.Errorf("after a vote on b: drew %s, which the judge judged (c)", drawn.ID)
			}
			if next == nil || next.ID != e.ID {
				t.Fatalf("after a vote on b: next %v, want e (c is judged)", next)
			}
		})
	}
}
