package judging_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
)

// hookFunc is a judging.Observer made of a function.
type hookFunc func(context.Context, []*judging.Snapshot)

func (f hookFunc) PhotosChanged(ctx context.Context, fresh []*judging.Snapshot) { f(ctx, fresh) }

// newJudging returns the judging service on d, with its photo store,
// logging to log and telling observers of changes.
// The judging order's head is read for every pick: these tests change the
// order (votes, karma) and ask for the next photo at once.
func newJudging(t testing.TB, d *db.DB, cfg judging.Config, log *slog.Logger, observers ...judging.Observer) *judging.Service {
	t.Helper()
	return newJudgingOn(t, d, photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect, JudgingHeadTTL: -1}, log),
		cfg, log, observers...)
}

// newJudgingOn is newJudging with the photo store given.
func newJudgingOn(t testing.TB, d *db.DB, store *photos.Service, cfg judging.Config, log *slog.Logger, observers ...judging.Observer) *judging.Service {
	t.Helper()
	s, err := judging.NewService(context.Background(), judging.Deps{Client: d.Client, Dialect: d.Dialect, Photos: store,
		Observers: observers, Log: log}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// newService opens a fresh SQLite database with one photo by one owner;
// hook, when not nil, observes every change of statistics.
func newService(t *testing.T, cfg judging.Config, hook func(context.Context, []*judging.Snapshot)) (*judging.Service, *db.DB, *ent.Photo) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	p := ownedPhoto(t, d)
	cfg.MinVotes = max(cfg.MinVotes, 10)
	cfg.CandidatePool = max(cfg.CandidatePool, 5)
	cfg.TopSize = max(cfg.TopSize, 10)
	var observers []judging.Observer
	if hook != nil {
		observers = append(observers, hookFunc(hook))
	}
	return newJudging(t, d, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), observers...), d, p
}

func ageAnswer(age int) []judging.AnswerInput {
	return []judging.AnswerInput{{QuestionKey: "age", Number: &age}}
}

func judge() *identity.Viewer { return &identity.Viewer{ID: uuid.New(), Anonymous: true} }

// TestCloseDrains: votes queued when Close is called are all written and
// answered; a vote after Close is refused with UNAVAILABLE.
func TestCloseDrains(t *testing.T) {
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: 50 * time.Millisecond, QueueSize: 1000}}, nil)
	ctx := context.Background()
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.CastVote(ctx, judge(), p.ID, ageAnswer(20+i%50)) })
	}
	// Close while votes are still queued (they queue up behind the running
	// transaction, at most 10 of them per batch).
	deadline := time.Now().Add(10 * time.Second)
	for s.Ingester.Queued() < 20 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if s.Ingester.Queued() < 20 {
		t.Fatal("votes never queued up")
	}
	s.Close()
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch facestat.ErrorCode(err) {
		case "":
			ok++
		case facestat.Unavailable: // arrived after Close: refused, not lost
		default:
			t.Errorf("vote failed: %v", err)
		}
	}
	stored, err := d.Vote.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stored != ok || ok == 0 {
		t.Fatalf("%d votes acknowledged, %d stored", ok, stored)
	}
	if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(30)); facestat.ErrorCode(err) != facestat.Unavailable {
		t.Fatalf("a vote after Close: %v", err)
	}
}

// TestHookGetsFreshStats: after a commit the hook receives the photo's
// statistics, including the vote just acknowledged.
func TestHookGetsFreshStats(t *testing.T) {
	got := make(chan []*judging.Snapshot, 10)
	s, _, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}},
		func(_ context.Context, fresh []*judging.Snapshot) { got <- fresh })
	if _, err := s.CastVote(context.Background(), judge(), p.ID, ageAnswer(42)); err != nil {
		t.Fatal(err)
	}
	fresh := <-got
	if len(fresh) != 1 || fresh[0].PhotoID != p.ID || fresh[0].OwnerID != p.OwnerID || fresh[0].VoteCount != 1 || fresh[0].Version != 1 {
		t.Fatalf("hook got %+v", fresh)
	}
	// It survives the trip between instances.
	raw, err := json.Marshal(fresh[0])
	if err != nil {
		t.Fatal(err)
	}
	var back judging.Snapshot
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if q := s.BuildSnapshot(&back).Questions[0]; q.Question.Key != "age" || q.Count != 1 || *q.Mean != 42 {
		t.Fatalf("age stats in the hook: %+v", q)
	}
}

// TestQueueFull: beyond the queue, votes are refused at once with
// UNAVAILABLE and a retry time, never queued without bound; the queued
// votes are all written once the ingester catches up.
func TestQueueFull(t *testing.T) {
	release := make(chan struct{}) // the first commit's hook holds the only worker until closed
	entered := make(chan struct{}, 1)
	var releaseOnce sync.Once
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 2, MaxWait: 0, QueueSize: 4, Workers: 1}},
		func(context.Context, []*judging.Snapshot) {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		})
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // before s.Close
	ctx := context.Background()
	var wg sync.WaitGroup
	var first error
	// The hook runs before the batch's callers are answered: the first
	// vote is answered once it is released.
	wg.Go(func() { _, first = s.CastVote(ctx, judge(), p.ID, ageAnswer(20)) })
	<-entered
	// The worker is now in the hook: four votes fill the queue.
	queued := make([]error, 4)
	for i := range queued {
		wg.Go(func() { _, queued[i] = s.CastVote(ctx, judge(), p.ID, ageAnswer(30+i)) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Ingester.Queued() < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := s.Ingester.Queued(); n != 4 {
		t.Fatalf("%d votes queued, want 4", n)
	}
	for i := range 3 {
		_, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(40+i))
		fe, ok := err.(*facestat.Error)
		if !ok || fe.Code != facestat.Unavailable || fe.RetryAfter <= 0 {
			t.Fatalf("a vote beyond the queue: %v, want UNAVAILABLE with a retry time", err)
		}
	}
	if n := s.Ingester.Queued(); n != 4 {
		t.Fatalf("%d votes queued after the refusals, want 4", n)
	}
	releaseOnce.Do(func() { close(release) })
	wg.Wait()
	if first != nil {
		t.Fatalf("the first vote: %v", first)
	}
	for i, err := range queued {
		if err != nil {
			t.Errorf("queued vote %d: %v", i, err)
		}
	}
	if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(50)); err != nil {
		t.Fatalf("a vote once the queue drained: %v", err)
	}
	if n, _ := d.Vote.Query().Count(ctx); n != 6 {
		t.Fatalf("%d votes stored, want 6", n)
	}
}

// batchLog records the sizes of committed batches (the Observe hook).
type batchLog struct {
	mu    sync.Mutex
	sizes []int
}

func (b *batchLog) observe(batch, _ int) {
	b.mu.Lock()
	b.sizes = append(b.sizes, batch)
	b.mu.Unlock()
}

func (b *batchLog) get() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.sizes)
}

// TestLoneVoteNotDelayed: on an idle ingester a vote is written at once,
// in a batch of its own, however long MaxWait is: it never waits for
// company that is not there. (With the old fixed wait each of these votes
// took the full second.)
func TestLoneVoteNotDelayed(t *testing.T) {
	const wait = time.Second
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			var log batchLog
			s, _, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 100, MaxWait: wait, QueueSize: 1000,
				Workers: workers, Observe: log.observe}}, nil)
			for i := range 3 {
				start := time.Now()
				if _, err := s.CastVote(context.Background(), judge(), p.ID, ageAnswer(20+i)); err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took >= wait/2 {
					t.Fatalf("vote %d took %s on an idle ingester with MaxWait %s: it waited for company", i, took, wait)
				}
			}
			if got := log.get(); !slices.Equal(got, []int{1, 1, 1}) {
				t.Fatalf("batches %v, want three of one", got)
			}
		})
	}
}

// TestBurstGrowsBatches: votes that queue up while a transaction is being
// written share the next one, up to MaxBatch. The first commit is held
// (its hook blocks) until 40 votes wait, standing in for a slow commit
// under load.
func TestBurstGrowsBatches(t *testing.T) {
	const maxBatch, n = 16, 100
	var log batchLog
	var s *judging.Service
	var held atomic.Bool
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: maxBatch, MaxWait: 2 * time.Millisecond,
		QueueSize: 1000, Workers: 1, Observe: log.observe}},
		func(context.Context, []*judging.Snapshot) {
			if held.Swap(true) {
				return
			}
			deadline := time.Now().Add(10 * time.Second)
			for s.Ingester.Queued() < 40 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		})
	ctx := context.Background()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.CastVote(ctx, judge(), p.ID, ageAnswer(20+i%50)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("vote %d: %v", i, err)
		}
	}
	sizes := log.get()
	total := 0
	for _, b := range sizes {
		total += b
		if b > maxBatch {
			t.Fatalf("a batch of %d, over MaxBatch %d: %v", b, maxBatch, sizes)
		}
	}
	if total != n || slices.Max(sizes) != maxBatch {
		t.Fatalf("batches %v: want %d votes in all and a full batch of %d", sizes, n, maxBatch)
	}
	if stored, _ := d.Vote.Query().Count(ctx); stored != n {
		t.Fatalf("%d votes stored, want %d", stored, n)
	}
	t.Logf("batches: %v", sizes)
}

// TestWaitOnlyWhileInFlight: with two workers and a MaxWait far longer
// than the test, a burst is written in batches larger than one and no
// vote ever waits MaxWait: a worker waits for company only while the
// other's batch is in flight, and stops when it ends.
func TestWaitOnlyWhileInFlight(t *testing.T) {
	const wait, n = time.Minute, 200
	var log batchLog
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 1000, MaxWait: wait, QueueSize: 1000,
		Workers: 2, Observe: log.observe}}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait/2)
	defer cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.CastVote(ctx, judge(), p.ID, ageAnswer(20+i%50)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("vote %d: %v", i, err)
		}
	}
	if stored, _ := d.Vote.Query().Count(context.Background()); stored != n {
		t.Fatalf("%d votes stored, want %d", stored, n)
	}
	if sizes := log.get(); len(sizes) >= n {
		t.Fatalf("%d batches for %d votes: %v", len(sizes), n, sizes)
	}
}

// heldFirstBatch returns a commit hook that holds the first batch in
// flight (after its commit, before its callers' answers) until free is
// called, and lets every later batch by. Defer free too: a failure must
// not leave the batch held, as the service's Close (a cleanup, which runs
// after deferred calls) waits for it.
func heldFirstBatch() (hook func(context.Context, []*judging.Snapshot), free func()) {
	release := make(chan struct{})
	var once sync.Once
	free = func() { once.Do(func() { close(release) }) }
	var held atomic.Bool
	return func(context.Context, []*judging.Snapshot) {
		if !held.Swap(true) {
			<-release
		}
	}, free
}

// answered waits for a castAsync's answer, failing the test on an error
// or when none comes within ten seconds (the tests' MaxWait is a minute).
func answered(t *testing.T, c <-chan error, what string) {
	t.Helper()
	select {
	case err := <-c:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not answered in 10 s", what)
	}
}

// castAsync casts a vote on photo in the background; its error arrives
// on the returned channel.
func castAsync(s *judging.Service, photo uuid.UUID) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := s.CastVote(context.Background(), judge(), photo, ageAnswer(30))
		done <- err
	}()
	return done
}

// TestBelowOverlapWaitsForTheBatchInFlight: beside a batch in flight
// (held in its commit hook, after its commit: a batch is in flight until
// its callers are answered), a batch of fewer than Overlap votes is not
// written, however long MaxWait is; it is written, whole, once the batch
// in flight ends.
func TestBelowOverlapWaitsForTheBatchInFlight(t *testing.T) {
	hook, free := heldFirstBatch()
	defer free()
	var log batchLog
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 100, Overlap: 8, MaxWait: time.Minute,
		QueueSize: 1000, Workers: 2, Observe: log.observe}}, hook)
	other := anotherPhoto(t, d, p)
	first := castAsync(s, p.ID)
	waitFor(t, "the first batch", func() bool { return len(log.get()) == 1 })
	var rest []<-chan error
	for range 3 {
		rest = append(rest, castAsync(s, other.ID))
	}
	waitFor(t, "three votes taken by the other worker", func() bool {
		return judging.Submitted(s.Ingester) == 4 && s.Ingester.Queued() == 0
	})
	time.Sleep(300 * time.Millisecond) // it must not write them while the first batch is in flight
	if got := log.get(); !slices.Equal(got, []int{1}) {
		t.Fatalf("batches %v while the first was in flight: want [1] (three votes wait for it)", got)
	}
	free()
	for i, c := range append(rest, first) {
		answered(t, c, fmt.Sprintf("vote %d, after the batch in flight ended", i))
	}
	if got := log.get(); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("batches %v: want [1 3]", got)
	}
}

// TestOverlapStartsBesideTheBatchInFlight: once a waiting batch holds
// Overlap votes it is written beside the batch in flight, without waiting
// for it to end or for MaxWait.
func TestOverlapStartsBesideTheBatchInFlight(t *testing.T) {
	const overlap = 8
	hook, free := heldFirstBatch()
	defer free()
	var log batchLog
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 100, Overlap: overlap, MaxWait: time.Minute,
		QueueSize: 1000, Workers: 2, Observe: log.observe}}, hook)
	other := anotherPhoto(t, d, p)
	first := castAsync(s, p.ID)
	waitFor(t, "the first batch", func() bool { return len(log.get()) == 1 })
	var rest []<-chan error
	for range overlap {
		rest = append(rest, castAsync(s, other.ID))
		time.Sleep(5 * time.Millisecond) // one by one: the worker waits for them
	}
	for i, c := range rest {
		answered(t, c, fmt.Sprintf("vote %d of %d waiting beside the batch in flight", i, overlap))
	}
	if got := log.get(); !slices.Equal(got, []int{1, overlap}) {
		t.Fatalf("batches %v: want [1 %d], the second written while the first was in flight", got, overlap)
	}
	free()
	answered(t, first, "the first vote, after its hook returned")
}

// TestHookPanicDoesNotStall: a panicking commit hook is logged; callers
// are answered once and later votes still go through.
func TestHookPanicDoesNotStall(t *testing.T) {
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}},
		func(context.Context, []*judging.Snapshot) { panic("hook bug") })
	ctx := context.Background()
	for i := range 3 {
		if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(30+i)); err != nil {
			t.Fatalf("vote %d: %v", i, err)
		}
	}
	if n, _ := d.Vote.Query().Count(ctx); n != 3 {
		t.Fatalf("%d votes stored, want 3", n)
	}
}

// TestLongWordsInAnyScript: 24 letters of a four-byte script, or letters
// with combining marks, are one word.
func TestLongWordsInAnyScript(t *testing.T) {
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, nil)
	ctx := context.Background()
	for _, w := range []string{strings.Repeat("𠜎", 24), "नमस्ते", strings.Repeat("語", 24)} {
		if _, err := s.CastVote(ctx, judge(), p.ID, []judging.AnswerInput{{QuestionKey: "impression", Word: &w}}); err != nil {
			t.Fatalf("%q: %v", w, err)
		}
	}
	if n, _ := d.PhotoWord.Query().Count(ctx); n != 3 {
		t.Fatalf("%d words stored, want 3", n)
	}
	long := strings.Repeat("語", 25)
	if _, err := s.CastVote(ctx, judge(), p.ID, []judging.AnswerInput{{QuestionKey: "impression", Word: &long}}); facestat.ErrorCode(err) != facestat.BadUserInput {
		t.Fatalf("25 letters: %v", err)
	}
}

// TestRepeatInBatch: a judge's two votes on one photo in one batch: one
// is stored, the other answered CONFLICT after the commit. An earlier
// commit is held (its hook blocks) until both wait, so they share a batch.
func TestRepeatInBatch(t *testing.T) {
	var log batchLog
	var s *judging.Service
	var held atomic.Bool
	entered := make(chan struct{})
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: 100 * time.Millisecond, Observe: log.observe}},
		func(context.Context, []*judging.Snapshot) {
			if held.Swap(true) {
				return
			}
			close(entered)
			deadline := time.Now().Add(10 * time.Second)
			for s.Ingester.Queued() < 2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		})
	ctx := context.Background()
	var wg sync.WaitGroup
	var first error
	// The hook runs before the first vote is answered: the two repeats
	// queue up meanwhile.
	wg.Go(func() { _, first = s.CastVote(ctx, judge(), p.ID, ageAnswer(30)) })
	<-entered
	v := judge()
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { _, errs[i] = s.CastVote(ctx, v, p.ID, ageAnswer(40+i)) })
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
	codes := []facestat.Code{facestat.ErrorCode(errs[0]), facestat.ErrorCode(errs[1])}
	if !(codes[0] == "" && codes[1] == facestat.Conflict) && !(codes[1] == "" && codes[0] == facestat.Conflict) {
		t.Fatalf("outcomes %v", codes)
	}
	if n, _ := d.Vote.Query().Count(ctx); n != 2 {
		t.Fatalf("%d votes stored, want 2", n)
	}
	// Observe counts a batch's distinct votes: the repeat is not one.
	if got := log.get(); !slices.Equal(got, []int{1, 1}) {
		t.Fatalf("batches %v, want [1 1] (the repeat answered within the second)", got)
	}
}

// TestSyncCommitOff: on a PostgreSQL database whose synchronous_commit is
// off (commits acknowledged before their WAL is flushed), the service
// warns and its vote transactions turn it on for themselves; votes are
// stored as usual.
func TestSyncCommitOff(t *testing.T) {
	url := dbtest.MustCreatePGDatabase(t)
	ctx := context.Background()
	raw, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := raw.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("ALTER DATABASE " + name + " SET synchronous_commit = off"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	d, err := db.Open(ctx, db.Options{DatabaseURL: url, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	p := ownedPhoto(t, d)
	var logged strings.Builder
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logged}, nil))
	s := newJudging(t, d, judging.Config{MinVotes: 10, CandidatePool: 5, TopSize: 10,
		Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, log)
	for i := range 3 {
		if _, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(30+i)); err != nil {
			t.Fatalf("vote %d: %v", i, err)
		}
	}
	if n, _ := d.Vote.Query().Count(ctx); n != 3 {
		t.Fatalf("%d votes stored, want 3", n)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logged.String(), "synchronous_commit is off") {
		t.Fatalf("no warning logged: %q", logged.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestJudgeCreatedMeanwhile (PostgreSQL): an anonymous judge's row that
// another transaction creates while a vote batch admits its judges (the
// batch's INSERT waits for it, then finds it there and creates nothing)
// is locked and checked all the same: the vote is stored when the row is
// an anonymous judge's, and refused with UNAUTHENTICATED when it is an
// account's (a retired token).
func TestJudgeCreatedMeanwhile(t *testing.T) {
	d := dbtest.OpenMigrated(t, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 4})
	p := ownedPhoto(t, d)
	s := newJudging(t, d, judging.Config{MinVotes: 10, CandidatePool: 5, TopSize: 10,
		Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	for _, anonymous := range []bool{true, false} {
		j := judge()
		tx, err := d.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.User.Create().SetID(j.ID).SetAnonymous(anonymous).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := s.CastVote(ctx, j, p.ID, ageAnswer(30)); done <- err }()
		// The batch's INSERT waits for tx's row.
		deadline := time.Now().Add(10 * time.Second)
		for waiting := 0; waiting == 0; {
			if time.Now().After(deadline) {
				t.Fatal("the vote batch never waited for the judge's row")
			}
			err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		err = <-done
		if anonymous && err != nil {
			t.Fatalf("an anonymous judge's vote: %v", err)
		}
		if fe, ok := err.(*facestat.Error); !anonymous && (!ok || fe.Code != facestat.Unauthenticated) {
			t.Fatalf("a retired judge's vote: %v, want UNAUTHENTICATED", err)
		}
	}
	if n, _ := d.Vote.Query().Count(ctx); n != 1 {
		t.Fatalf("%d votes stored, want 1", n)
	}
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

// anotherPhoto makes a second photo of p's owner.
func anotherPhoto(t *testing.T, d *db.DB, p *ent.Photo) *ent.Photo {
	t.Helper()
	q, err := d.Photo.Create().SetOwnerID(p.OwnerID).SetImageKey("img/" + uuid.NewString() + ".jpg").SetThumbKey("thumb/" + uuid.NewString() + ".jpg").
		SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return q
}
