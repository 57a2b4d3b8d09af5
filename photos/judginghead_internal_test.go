package photos

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// scanner is a scan for judgingHead that counts its calls and, when gate
// is set, waits for it to be closed.
type scanner struct {
	calls atomic.Int64
	gate  chan struct{}
	err   error
}

func (s *scanner) scan(ctx context.Context) (*headSnapshot, error) {
	n := s.calls.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	if s.err != nil {
		return nil, s.err
	}
	// Each scan's photo tells which scan it was.
	return &headSnapshot{photos: []headPhoto{{id: uuid.UUID{byte(n)}}}, full: true, at: time.Now()}, nil
}

// servedScan returns which scan h.get served.
func servedScan(t *testing.T, h *judgingHead, scan func(context.Context) (*headSnapshot, error)) byte {
	t.Helper()
	snap, err := h.get(context.Background(), scan, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return snap.photos[0].id[0]
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestJudgingHeadServesWithinItsTTL: a scan serves every pick until the
// TTL; then picks get it while one new scan runs in the background, and
// the new one after that.
func TestJudgingHeadServesWithinItsTTL(t *testing.T) {
	h := &judgingHead{ttl: time.Second}
	var s scanner
	for range 5 {
		if got := servedScan(t, h, s.scan); got != 1 {
			t.Fatalf("served scan %d, want the first", got)
		}
	}
	if n := s.calls.Load(); n != 1 {
		t.Fatalf("%d scans for five picks within the TTL, want 1", n)
	}

	h.mu.Lock()
	h.cur.at = time.Now().Add(-2 * time.Second) // expired, younger than headMaxAge
	h.mu.Unlock()
	s.gate = make(chan struct{})
	if got := servedScan(t, h, s.scan); got != 1 {
		t.Fatalf("an expired head served scan %d while the next ran, want the first", got)
	}
	if got := servedScan(t, h, s.scan); got != 1 {
		t.Fatalf("served scan %d while the next ran, want the first", got)
	}
	close(s.gate)
	waitFor(t, func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.flight == nil })
	if got := servedScan(t, h, s.scan); got != 2 {
		t.Fatalf("served scan %d after the background scan, want the second", got)
	}
	if n := s.calls.Load(); n != 2 {
		t.Fatalf("%d scans, want 2: one in the background for every pick of the expired head", n)
	}

	// expire: served on while a scan runs in the background.
	s.gate = make(chan struct{})
	h.expire()
	if got := servedScan(t, h, s.scan); got != 2 {
		t.Fatalf("an expired head served scan %d, want the second", got)
	}
	close(s.gate)
	waitFor(t, func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.flight == nil })

	// Past headMaxAge a head is not served: the pick waits for a scan,
	// and fails with it.
	h.mu.Lock()
	h.cur.at = time.Now().Add(-2 * headMaxAge)
	h.mu.Unlock()
	s.gate, s.err = nil, errors.New("database gone")
	if snap, err := h.get(context.Background(), s.scan, quiet); !errors.Is(err, s.err) {
		t.Fatalf("a head past its maximum age: get = %v, %v; want the failed scan's error", snap, err)
	}
}

// TestJudgingHeadWaitsAfterAChange: after stale, a pick never gets a
// scan that started before the change, even one in flight at the change.
func TestJudgingHeadWaitsAfterAChange(t *testing.T) {
	h := &judgingHead{ttl: time.Hour}
	s := scanner{gate: make(chan struct{})}
	ctx := context.Background()
	close(s.gate)
	servedScan(t, h, s.scan)

	h.stale()
	if got := servedScan(t, h, s.scan); got != 2 {
		t.Fatalf("after a change served scan %d, want a new one (2)", got)
	}

	// A change while a scan is in flight: that scan is not enough.
	s.gate = make(chan struct{})
	h.stale()
	got := make(chan byte)
	go func() {
		snap, err := h.get(ctx, s.scan, quiet)
		if err != nil {
			t.Error(err)
		}
		got <- snap.photos[0].id[0]
	}()
	waitFor(t, func() bool { return s.calls.Load() == 3 }) // scan 3 in flight
	h.stale()
	close(s.gate)
	if g := <-got; g != 4 {
		t.Fatalf("a change during scan 3 served scan %d, want 4", g)
	}
}

// TestJudgingHeadNegativeTTL: with a negative TTL every pick waits for a
// scan of its own.
func TestJudgingHeadNegativeTTL(t *testing.T) {
	h := &judgingHead{ttl: -1}
	var s scanner
	for i := range 3 {
		if got := servedScan(t, h, s.scan); int(got) != i+1 {
			t.Fatalf("pick %d served scan %d", i+1, got)
		}
	}
}

// TestJudgingHeadScanFailures: a failed scan fails the picks waiting for
// it, and the next pick scans again; a pick that gives up waiting gets its
// context's error, and the scan it waited for still serves the next one.
func TestJudgingHeadScanFailures(t *testing.T) {
	h := &judgingHead{ttl: time.Hour}
	s := scanner{err: errors.New("database gone")}
	ctx := context.Background()
	if _, err := h.get(ctx, s.scan, quiet); !errors.Is(err, s.err) {
		t.Fatalf("get = %v, want the scan's error", err)
	}
	s.err = nil
	if got := servedScan(t, h, s.scan); got != 2 {
		t.Fatalf("after a failure served scan %d, want a new one (2)", got)
	}

	h.stale()
	s.gate = make(chan struct{})
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := h.get(short, s.scan, quiet); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("get with a short deadline = %v, want DeadlineExceeded", err)
	}
	close(s.gate)
	if got := servedScan(t, h, s.scan); got != 3 {
		t.Fatalf("served scan %d, want the one the impatient pick started (3)", got)
	}

	// A panicking scan is an error, not a crash.
	h.stale()
	s.gate = nil
	if _, err := h.get(ctx, func(context.Context) (*headSnapshot, error) { panic("boom") }, quiet); err == nil {
		t.Fatal("a panicking scan served a head")
	}
}

// TestJudgingHeadConcurrent: picks, changes and expiries from many
// goroutines (run with -race) share scans: never more than one in flight.
func TestJudgingHeadConcurrent(t *testing.T) {
	h := &judgingHead{ttl: time.Millisecond}
	var inFlight, most atomic.Int64
	scan := func(context.Context) (*headSnapshot, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(100 * time.Microsecond)
		return &headSnapshot{photos: []headPhoto{{}}, full: true, at: time.Now()}, nil
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if (g+i)%17 == 0 {
					h.stale()
				}
				if snap, err := h.get(context.Background(), scan, quiet); err != nil || len(snap.photos) != 1 {
					t.Errorf("get = %v, %v", snap, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Fatalf("%d scans in flight at once, want 1", m)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// TestJudgedMemo: the memo holds what a judge's pick read and what the
// instance stored since, sorted; a reader's copy never changes under it;
// a judge past memoMaxPerJudge photos is dropped (their picks read their
// votes again), and an entry goes after memoTTL.
func TestJudgedMemo(t *testing.T) {
	var m judgedMemo
	j, other := uuid.New(), uuid.New()
	a, b, c := uuid.UUID{3}, uuid.UUID{1}, uuid.UUID{2}
	if _, _, ok := m.get(j); ok {
		t.Fatal("an empty memo holds a judge")
	}
	m.add(j, a) // not held: nothing to add to
	if _, _, ok := m.get(j); ok {
		t.Fatal("add made an entry for a judge whose votes were never read")
	}
	m.put(j, []uuid.UUID{b, a}) // sorted, as judged reads them
	before, _, _ := m.get(j)
	m.add(j, c)
	m.add(j, c) // twice: held once
	after, _, ok := m.get(j)
	if !ok || !slices.Equal(after, []uuid.UUID{b, c, a}) {
		t.Fatalf("held %v, want %v sorted", after, []uuid.UUID{b, c, a})
	}
	if !slices.Equal(before, []uuid.UUID{b, a}) {
		t.Fatalf("a reader's copy changed under it: %v", before)
	}
	if !holds(after, c) || holds(after, uuid.UUID{9}) {
		t.Fatal("holds answers wrongly")
	}
	if m.held != 4 {
		t.Fatalf("held %d judges and photos in all, want 4", m.held)
	}

	full := make([]uuid.UUID, memoMaxPerJudge)
	for i := range full {
		full[i] = uuid.New()
	}
	m.put(other, full)
	if m.held != 5+memoMaxPerJudge {
		t.Fatalf("held %d judges and photos in all, want %d", m.held, 5+memoMaxPerJudge)
	}
	m.add(other, uuid.New())
	if _, _, ok := m.get(other); ok || m.held != 4 {
		t.Fatalf("a judge past %d photos is still held (%d in all)", memoMaxPerJudge, m.held)
	}
	m.put(other, make([]uuid.UUID, memoMaxPerJudge+1))
	if _, _, ok := m.get(other); ok {
		t.Fatal("put held a judge with more photos than memoMaxPerJudge")
	}

	m.mu.Lock()
	e := m.judges[j]
	e.until = time.Now().Add(-time.Second)
	m.judges[j] = e
	m.mu.Unlock()
	if _, _, ok := m.get(j); ok || m.held != 0 {
		t.Fatalf("an expired entry is still held (%d in all)", m.held)
	}

	// Judges who judged nothing count too: the memo starts over at
	// memoMaxJudges of them.
	for range memoMaxJudges {
		m.put(uuid.New(), nil)
	}
	if len(m.judges) != memoMaxJudges || m.held != memoMaxJudges {
		t.Fatalf("%d judges, %d held; want %d of each", len(m.judges), m.held, memoMaxJudges)
	}
	m.put(j, []uuid.UUID{a})
	if len(m.judges) != 1 || m.held != 2 {
		t.Fatalf("past memoMaxJudges: %d judges, %d held; want the memo started over with the one put", len(m.judges), m.held)
	}
}
