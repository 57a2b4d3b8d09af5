package judging_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/ent/schema"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
)

// TestRefitOneInstanceAtATime: on PostgreSQL, a round that finds another
// instance's round running (its advisory lock held) skips; rounds of two
// instances at once never both write; and the observers hear of the
// photos whose figures changed, once per round that changed them.
func TestRefitOneInstanceAtATime(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenMigrated(t, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 4})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var mu sync.Mutex
	told := map[int64]int{} // snapshots heard, by stats version
	hook := hookFunc(func(_ context.Context, fresh []*judging.Snapshot) {
		mu.Lock()
		for _, snap := range fresh {
			told[snap.Version]++
		}
		mu.Unlock()
	})
	a := newJudging(t, d, judging.Config{MinVotes: 2, CandidatePool: 5, TopSize: 10}, log, hook)
	b := newJudging(t, d, judging.Config{MinVotes: 2, CandidatePool: 5, TopSize: 10}, log)

	p := ownedPhoto(t, d)
	for age := range 3 {
		if _, err := a.CastVote(ctx, judge(), p.ID, ageAnswer(20+age)); err != nil {
			t.Fatal(err)
		}
	}

	// Another instance's round holds the lock: this one skips.
	tx, err := d.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(0x66737266)); err != nil {
		t.Fatal(err)
	}
	rep, err := a.Refit(ctx)
	if err != nil || !rep.Skipped || rep.Changed != 0 {
		t.Fatalf("round while another holds the lock: %+v, %v; want skipped", rep, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// Two instances at once: together they weigh the photo once.
	var wg sync.WaitGroup
	reps := make([]judging.RefitReport, 2)
	for i, s := range []*judging.Service{a, b} {
		wg.Go(func() {
			r, err := s.Refit(ctx)
			if err != nil {
				t.Error(err)
			}
			reps[i] = r
		})
	}
	wg.Wait()
	changed := reps[0].Changed + reps[1].Changed
	if changed != 1 {
		t.Fatalf("two rounds at once changed %d photos (%+v); want the one photo once", changed, reps)
	}
	// Nothing new: another round changes nothing.
	if rep, err := b.Refit(ctx); err != nil || rep.Changed != 0 {
		t.Fatalf("a round over the same votes: %+v, %v; want no change", rep, err)
	}
	weighed, err := d.PhotoQuestionStat.Query().All(ctx)
	if err != nil || len(weighed) != 1 || weighed[0].WNeff <= 0 {
		t.Fatalf("the photo's weighted figures: %+v, %v", weighed, err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Three votes made versions 1 to 3; the refit's change is version 4,
	// heard once (from a, whose observer this is, if a wrote it).
	if want := reps[0].Changed; told[4] != want {
		t.Errorf("the observers heard the refit's version %d times, want %d (%v)", told[4], want, told)
	}
}

// TestRefitPagesVotesOfOneInstant: the ingester stamps every vote of a
// batch with one time, so many votes share a created_at; a round that
// stops at MaxVotes in the middle of them leaves the rest to the next
// round, which reads them (every judge gets a profile), and the rounds
// end.
func TestRefitPagesVotesOfOneInstant(t *testing.T) {
	s, d, p := newService(t, judging.Config{Refit: judging.RefitConfig{MaxVotes: 3}}, nil)
	ctx := context.Background()
	const judges = 8
	oldVotes(t, d, p, judges, 0)
	read := 0
	for round := 0; ; round++ {
		if round > judges {
			t.Fatalf("rounds never end: %d rounds read %d votes", round, read)
		}
		rep, err := s.Refit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		read += rep.Votes
		if !rep.More {
			break
		}
	}
	if n, err := d.JudgeProfile.Query().Count(ctx); err != nil || n != judges {
		t.Fatalf("%d judges profiled (%v) after rounds that read %d votes; want all %d", n, err, read, judges)
	}
}

// TestRefitResumesAfterRestart: a process that starts while old votes are
// still being worked through (rounds stopping at MaxVotes, as after an
// upgrade) starts reading at the oldest vote whose judge's profile does
// not take it in yet, not at the newest profile: every judge gets a
// profile.
func TestRefitResumesAfterRestart(t *testing.T) {
	cfg := judging.Config{Refit: judging.RefitConfig{MaxVotes: 3}}
	s, d, p := newService(t, cfg, nil)
	ctx := context.Background()
	const judges = 8
	oldVotes(t, d, p, judges, time.Second)
	if rep, err := s.Refit(ctx); err != nil || !rep.More {
		t.Fatalf("first round: %+v, %v; want one that stops at MaxVotes", rep, err)
	}
	// A new process on the same database.
	cfg.MinVotes, cfg.CandidatePool, cfg.TopSize = 10, 5, 10
	restarted := newJudging(t, d, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for round := 0; ; round++ {
		if round > judges {
			t.Fatalf("rounds never end after %d", round)
		}
		rep, err := restarted.Refit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.More {
			break
		}
	}
	if n, err := d.JudgeProfile.Query().Count(ctx); err != nil || n != judges {
		t.Fatalf("%d judges profiled (%v); want all %d", n, err, judges)
	}
}

// oldVotes stores n votes on p, an hour old, each of a judge of its own,
// the i-th at i × step after the first.
func oldVotes(t *testing.T, d *db.DB, p *ent.Photo, n int, step time.Duration) {
	t.Helper()
	ctx := context.Background()
	age, err := d.Question.Query().Where(question.Key("age")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	for i := range n {
		u, err := d.User.Create().SetAnonymous(true).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		x := 20 + i
		_, err = d.Vote.Create().SetJudgeID(u.ID).SetPhotoID(p.ID).SetCreatedAt(at.Add(time.Duration(i) * step)).
			SetAnswers([]schema.Answer{{Question: age.ID, Number: &x}}).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefitReadsVotesByIndex: a round's read of the votes stored since a
// time, oldest first, is an index scan on PostgreSQL (it runs every few
// seconds on every instance), not a scan and sort of every vote.
func TestRefitReadsVotesByIndex(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenMigrated(t, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 1})
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, `EXPLAIN SELECT id, judge_id, photo_id, created_at FROM votes
		WHERE created_at > $1 ORDER BY created_at, id LIMIT 5000`, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var plan string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan += line + "\n"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if !strings.Contains(plan, "Index Scan") {
		t.Fatalf("the round's read of new votes: %s; want an index scan", plan)
	}
}

// TestRefitLocksUsersBeforeProfiles: on PostgreSQL a round locks the users
// it writes karma for (in id order) before it writes their profiles, whose
// foreign keys would otherwise take a share of their rows first. A sign-in
// merging judge A into account U (U's id the smaller) locks U, then A: had
// the round taken A's key share and then waited for U, the two deadlocked.
func TestRefitLocksUsersBeforeProfiles(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenMigrated(t, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 4})
	s := newJudging(t, d, judging.Config{MinVotes: 2, CandidatePool: 5, TopSize: 10}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	p := ownedPhoto(t, d)
	account, judge := uuid.UUID{0: 1}, uuid.Max
	for _, id := range []uuid.UUID{account, judge} {
		if err := d.User.Create().SetID(id).SetAnonymous(true).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CastVote(ctx, &identity.Viewer{ID: id, Anonymous: true}, p.ID, ageAnswer(30)); err != nil {
			t.Fatal(err)
		}
	}

	// The sign-in's transaction holds the account's row.
	merge, err := d.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer merge.Rollback()
	if err := merge.User.Update().Where(user.ID(account)).AddKarmaEarned(0).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	refit := make(chan error, 1)
	go func() {
		_, err := s.Refit(ctx)
		refit <- err
	}()
	waitForLockWait(t, d)
	// Then the judge's row, which the round must not hold meanwhile.
	if _, err := merge.User.Query().Where(user.ID(judge)).ForUpdate().All(ctx); err != nil {
		t.Fatalf("the sign-in's lock of the judge: %v", err)
	}
	if err := merge.Commit(); err != nil {
		t.Fatalf("the sign-in's commit: %v", err)
	}
	if err := <-refit; err != nil {
		t.Fatalf("Refit: %v", err)
	}
}

// waitForLockWait returns once some connection to d's database waits for a
// row lock.
func waitForLockWait(t *testing.T, d *db.DB) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		var waiting int
		err := d.SQL.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing ever waited for a lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ownedPhoto makes an account, "owner", and a photo of it.
func ownedPhoto(t testing.TB, d *db.DB) *ent.Photo {
	t.Helper()
	ctx := context.Background()
	owner, err := d.User.Create().SetHandle("owner").SetEmail("owner@example.com").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("img/a.jpg").SetThumbKey("thumb/a.jpg").
		SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRefitMarksFittedOnlyWhatItWeighed: a vote that lands after a round
// read a photo's votes leaves the photo waiting for the next round: the
// round records as fitted the stats version whose votes it weighed, not
// a later one.
func TestRefitMarksFittedOnlyWhatItWeighed(t *testing.T) {
	s, d, p := newService(t, judging.Config{}, nil)
	ctx := context.Background()
	for age := range 2 {
		if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(20+age)); err != nil {
			t.Fatal(err)
		}
	}
	// A vote lands right after the round read the photos' votes, its last
	// read of votes: as it reads the profiles of their judges (the first
	// read of profiles after the photos' rows and figures).
	var figures, landed bool
	d.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			switch q.(type) {
			case *ent.PhotoQuestionStatQuery:
				figures = true
			case *ent.JudgeProfileQuery:
				if figures && !landed {
					landed = true
					if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(40)); err != nil {
						t.Error(err)
					}
				}
			}
			return next.Query(ctx, q)
		})
	}))
	if _, err := s.Refit(ctx); err != nil {
		t.Fatal(err)
	}
	if !landed {
		t.Fatal("the round read no profiles after the photos' figures: no vote landed")
	}
	after, err := d.Photo.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.FittedVersion >= after.StatsVersion || after.FitDue == nil {
		t.Fatalf("fitted version %d, stats version %d, fit due %v after a round that did not weigh the last vote; want it still waiting",
			after.FittedVersion, after.StatsVersion, after.FitDue)
	}
	store := photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if due, err := store.Unfitted(ctx, 10); err != nil || !slices.Contains(due, p.ID) {
		t.Fatalf("the refit's work list %v (%v) after that round; want the photo in it", due, err)
	}
}

// TestRefitSettlesAfterAFailedSettle: when settling karma fails after a
// round committed, the next round settles those users, even with no new
// vote of theirs to read.
func TestRefitSettlesAfterAFailedSettle(t *testing.T) {
	s, d, p := newService(t, judging.Config{}, nil)
	ctx := context.Background()
	oldVotes(t, d, p, 3, time.Minute)
	// The round's second read of users is settleKarma's (the first locks
	// the judges for their profiles): it fails, once.
	var reads int
	d.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			if _, ok := q.(*ent.UserQuery); ok {
				if reads++; reads == 2 {
					return nil, errors.New("settling fails")
				}
			}
			return next.Query(ctx, q)
		})
	}))
	if _, err := s.Refit(ctx); err == nil {
		t.Fatal("the round whose settling failed reported no error")
	}
	if _, err := s.Refit(ctx); err != nil {
		t.Fatal(err)
	}
	judges, err := d.User.Query().Where(user.Anonymous(true)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range judges {
		if u.KarmaEarned <= 0 || u.Karma != u.KarmaEarned {
			t.Errorf("judge with karma %d earned %d; want a positive balance equal to what it earned", u.Karma, u.KarmaEarned)
		}
	}
}

// TestRefitTakesVotesInOnce: a round reads again the votes of the minute
// before the previous round started (the overlap, for votes that commit
// late), but a vote an earlier round took in is not new to it. The rounds
// after the first take its judges and photos again only while a round
// changes something; once one changes nothing, a round over the same
// votes does nothing at all, and a new vote brings in its own judge and
// photo.
func TestRefitTakesVotesInOnce(t *testing.T) {
	s, _, p := newService(t, judging.Config{}, nil)
	ctx := context.Background()
	for age := range 3 {
		if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(20+age)); err != nil {
			t.Fatal(err)
		}
	}
	refit := func() judging.RefitReport {
		t.Helper()
		rep, err := s.Refit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := refit()
	if rep.Votes != 3 || rep.Judges != 3 || rep.Photos != 1 || !rep.Again {
		t.Fatalf("first round: %+v; want 3 new votes, 3 judges, 1 photo, and again (its figures changed)", rep)
	}
	for i := 0; rep.Again; i++ {
		if i == 10 {
			t.Fatalf("ten rounds did not settle: %+v", rep)
		}
		rep = refit()
		if rep.Votes != 0 || (rep.Again && (rep.Judges != 3 || rep.Photos != 1)) {
			t.Fatalf("a later round: %+v; want no new vote (the overlap's are taken in), the same 3 judges and 1 photo while it changes", rep)
		}
	}
	if rep := refit(); rep != (judging.RefitReport{}) {
		t.Fatalf("a round after the rounds settled: %+v; want nothing done", rep)
	}
	if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(30)); err != nil {
		t.Fatal(err)
	}
	if rep := refit(); rep.Votes != 1 || rep.Judges != 1 || rep.Photos != 1 {
		t.Fatalf("a round after a new vote: %+v; want 1 new vote, its judge and its photo", rep)
	}
}

// TestRefitOverlapDoesNotCountTowardsMaxVotes: the votes the overlap
// reads again are read but do not fill a round: with MaxVotes 3 and three
// votes taken in, a new vote is taken in by the next round, which does
// not stop at MaxVotes.
func TestRefitOverlapDoesNotCountTowardsMaxVotes(t *testing.T) {
	s, _, p := newService(t, judging.Config{Refit: judging.RefitConfig{MaxVotes: 3}}, nil)
	ctx := context.Background()
	for age := range 3 {
		if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(20+age)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; ; i++ {
		rep, err := s.Refit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.More && !rep.Again {
			break
		}
		if i == 10 {
			t.Fatalf("ten rounds did not settle: %+v", rep)
		}
	}
	if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(30)); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Refit(ctx)
	if err != nil || rep.Votes != 1 || rep.More {
		t.Fatalf("the round after a new vote: %+v, %v; want the new vote taken in, nothing more waiting", rep, err)
	}
}

// TestPhotoCountLocksLetReferencesIn: the lock vote batches, merges and
// the refit take on their photos (photos.LockForCounts) does not hold up
// rows that refer to the photos (a serving's foreign-key check takes
// FOR KEY SHARE): under FOR UPDATE the servings' upsert, checking its
// photos in another order, deadlocked with vote batches, and both waited
// PostgreSQL's deadlock timeout. A deletion's lock still waits for it.
func TestPhotoCountLocksLetReferencesIn(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenMigrated(t, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 4})
	p := ownedPhoto(t, d)
	judge, err := d.User.Create().SetAnonymous(true).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store := photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tx, err := d.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if locked, err := store.LockForCounts(ctx, tx, []uuid.UUID{p.ID}); err != nil || locked[p.ID] == nil {
		t.Fatalf("locking: %v, %v", locked, err)
	}
	// Another connection, which gives up on any lock it would wait for.
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET lock_timeout = '200ms'"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO photo_servings (judge_id, photo_id, served_at) VALUES ($1, $2, now())`,
		judge.ID, p.ID); err != nil {
		t.Fatalf("a serving of the locked photo waited for the lock: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT id FROM photos WHERE id = $1 FOR UPDATE`, p.ID); err == nil {
		t.Fatal("a deletion's lock (FOR UPDATE) did not wait for the counts' lock")
	}
}
