package judging_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
)

// newService opens a fresh SQLite database with one photo by one owner.
func newService(t *testing.T, cfg judging.Config, hook judging.StatsHook) (*judging.Service, *db.DB, *ent.Photo) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	owner, err := d.User.Create().SetHandle("owner").SetEmail("owner@example.com").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("img/a.jpg").SetThumbKey("thumb/a.jpg").
		SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MinVotes = max(cfg.MinVotes, 10)
	cfg.CandidatePool = max(cfg.CandidatePool, 5)
	cfg.TopSize = max(cfg.TopSize, 10)
	s, err := judging.NewService(ctx, d.Client, d.Dialect, cfg, hook, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, d, p
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
	// Close while votes are still queued (each batch waits 50 ms for company).
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
// UNAVAILABLE and a retry time, never queued without bound.
func TestQueueFull(t *testing.T) {
	s, _, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 1, MaxWait: 0, QueueSize: 1, Workers: 1}}, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[facestat.Code]int{}
	for i := range 50 {
		wg.Go(func() {
			_, err := s.CastVote(ctx, judge(), p.ID, ageAnswer(20+i))
			mu.Lock()
			codes[facestat.ErrorCode(err)]++
			mu.Unlock()
			if fe, ok := err.(*facestat.Error); ok && fe.Code == facestat.Unavailable && fe.RetryAfter <= 0 {
				t.Errorf("UNAVAILABLE without a retry time")
			}
		})
	}
	wg.Wait()
	if codes[""] == 0 || codes[facestat.Unavailable] == 0 || codes[""]+codes[facestat.Unavailable] != 50 {
		t.Fatalf("outcomes: %v", codes)
	}
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
// is stored, the other answered CONFLICT after the commit.
func TestRepeatInBatch(t *testing.T) {
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: 100 * time.Millisecond}}, nil)
	ctx := context.Background()
	v := judge()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { _, errs[i] = s.CastVote(ctx, v, p.ID, ageAnswer(40+i)) })
	}
	wg.Wait()
	codes := []facestat.Code{facestat.ErrorCode(errs[0]), facestat.ErrorCode(errs[1])}
	if !(codes[0] == "" && codes[1] == facestat.Conflict) && !(codes[1] == "" && codes[0] == facestat.Conflict) {
		t.Fatalf("outcomes %v", codes)
	}
	if n, _ := d.Vote.Query().Count(ctx); n != 1 {
		t.Fatalf("%d votes stored, want 1", n)
	}
}
