package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// flaky is a limiter that fails while down and otherwise asks an inmem
// limiter; it counts the calls it gets.
type flaky struct {
	mu    sync.Mutex
	down  bool
	calls int
	l     *inmem.Limiter
}

func (f *flaky) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.down {
		return errors.New("connection refused")
	}
	return nil
}

func (f *flaky) Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error) {
	return f.AllowN(ctx, rule, key, 1)
}

func (f *flaky) AllowN(ctx context.Context, rule ratelimit.Rule, key string, n int) (ratelimit.Decision, error) {
	if err := f.fail(); err != nil {
		return ratelimit.Decision{}, err
	}
	return f.l.AllowN(ctx, rule, key, n)
}

func (f *flaky) Refund(ctx context.Context, rule ratelimit.Rule, key string, n int) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.l.Refund(ctx, rule, key, n)
}

func (f *flaky) set(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func TestFallback(t *testing.T) {
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "sign_up", Limit: 3, Per: time.Hour}
	setup := func() (*ratelimit.Fallback, *flaky, *[]bool, func(time.Duration)) {
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		primary := &flaky{l: inmem.NewLimiter(10)}
		var changes []bool
		f := &ratelimit.Fallback{Primary: primary, Secondary: inmem.NewLimiter(10), Retry: time.Second,
			Now:      func() time.Time { return now },
			OnChange: func(degraded bool, _ error) { changes = append(changes, degraded) }}
		return f, primary, &changes, func(d time.Duration) { now = now.Add(d) }
	}
	allowed := func(f *ratelimit.Fallback, n int) int {
		got := 0
		for range n {
			d, err := f.Allow(ctx, rule, "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed {
				got++
			}
		}
		return got
	}
	t.Run("OKSameRulesWhileDown", func(t *testing.T) {
		f, primary, changes, _ := setup()
		primary.set(true)
		if got := allowed(f, 10); got != rule.Limit {
			t.Fatalf("primary down: %d of 10 allowed under a limit of %d", got, rule.Limit)
		}
		if !f.Degraded() || f.Fallbacks() != 10 {
			t.Fatalf("Degraded %v, Fallbacks %d; want true, 10", f.Degraded(), f.Fallbacks())
		}
		// One outage, one change, whatever the number of calls.
		if len(*changes) != 1 || !(*changes)[0] {
			t.Fatalf("changes %v, want [true]", *changes)
		}
		// Primary is left alone while Retry runs: one call found it down.
		if n := primary.count(); n != 1 {
			t.Fatalf("primary asked %d times within Retry, want 1", n)
		}
	})
	t.Run("OKRecovers", func(t *testing.T) {
		f, primary, changes, advance := setup()
		primary.set(true)
		allowed(f, 1)
		primary.set(false)
		allowed(f, 1) // within Retry: still on the secondary
		if !f.Degraded() {
			t.Fatal("probed before Retry")
		}
		advance(time.Second)
		allowed(f, 1)
		if f.Degraded() || len(*changes) != 2 || (*changes)[1] {
			t.Fatalf("after a successful probe: Degraded %v, changes %v", f.Degraded(), *changes)
		}
		// Counting is on the primary again (it has seen one event).
		if got := allowed(f, 10); got != rule.Limit-1 {
			t.Fatalf("%d allowed on the primary, want %d", got, rule.Limit-1)
		}
	})
	t.Run("OKStillDownAfterRetry", func(t *testing.T) {
		f, primary, changes, advance := setup()
		primary.set(true)
		allowed(f, 1)
		advance(time.Second)
		allowed(f, 5)
		if n := primary.count(); n != 2 {
			t.Fatalf("primary asked %d times, want 2 (the failure, one probe)", n)
		}
		if !f.Degraded() || len(*changes) != 1 {
			t.Fatalf("Degraded %v, changes %v", f.Degraded(), *changes)
		}
	})
	t.Run("ErrInvalidNotAnOutage", func(t *testing.T) {
		f, _, changes, _ := setup()
		if _, err := f.AllowN(ctx, rule, "k", rule.Limit+1); !errors.Is(err, ratelimit.ErrInvalidN) {
			t.Fatalf("AllowN beyond the burst: %v", err)
		}
		if _, err := f.Allow(ctx, ratelimit.Rule{Name: "bad", Limit: 1}, "k"); !errors.Is(err, ratelimit.ErrInvalidRule) {
			t.Fatalf("invalid rule: %v", err)
		}
		if f.Degraded() || len(*changes) != 0 || f.Fallbacks() != 0 {
			t.Fatal("a refused call counted as an outage")
		}
	})
	t.Run("ErrCallerGaveUp", func(t *testing.T) {
		f, _, _, _ := setup()
		done, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := f.Allow(done, rule, "k"); !errors.Is(err, context.Canceled) {
			t.Fatalf("canceled: %v", err)
		}
		if f.Degraded() {
			t.Fatal("a caller giving up counted as an outage")
		}
	})
}

// pairFlaky is flaky that also counts pairs in one step, as Redis does.
type pairFlaky struct {
	*flaky
	pairs int
}

func (p *pairFlaky) AllowPair(ctx context.Context, first ratelimit.Rule, firstKey string, second ratelimit.Rule, secondKey string) (ratelimit.Decision, error) {
	p.pairs++
	if err := p.fail(); err != nil {
		return ratelimit.Decision{}, err
	}
	return ratelimit.AllowPair(ctx, p.l, first, firstKey, second, secondKey)
}

// TestFallbackPair: the per-judge-then-per-address pair goes to a Primary
// that counts pairs in one call; while Primary fails, the in-process
// Secondary counts the two rules one after the other, with the same
// limits (both or neither: the address's refusal gives the judge's token
// back), and the Policy answers RATE_LIMITED, never allows beyond them.
func TestFallbackPair(t *testing.T) {
	judge := ratelimit.Rule{Name: "vote", Limit: 2, Per: time.Hour}
	addr := ratelimit.Rule{Name: "vote_ip", Limit: 3, Per: time.Hour}
	primary := &pairFlaky{flaky: &flaky{l: inmem.NewLimiter(10)}}
	f := &ratelimit.Fallback{Primary: primary, Secondary: inmem.NewLimiter(10), Retry: time.Hour}
	p := &ratelimit.Policy{Limiter: f, Rules: ratelimit.Rules{Vote: judge, VoteIP: addr}}
	at := func(ip string) context.Context { return clientaddr.With(context.Background(), ip) }
	j1, j2 := uuid.New(), uuid.New()

	if err := p.Vote(at("192.0.2.1"), j1); err != nil || primary.pairs != 1 || primary.count() != 1 {
		t.Fatalf("a vote on a sound primary: %v; %d pairs in %d calls, want 1 in 1", err, primary.pairs, primary.count())
	}
	primary.set(true)
	// On the secondary now, whose buckets are full: each judge has 2, the
	// address 3.
	for i, c := range []struct {
		judge uuid.UUID
		ok    bool
	}{{j1, true}, {j1, true}, {j1, false}, {j2, true}, {j2, false}} {
		err := p.Vote(at("192.0.2.1"), c.judge)
		if c.ok != (err == nil) || !c.ok && facestat.ErrorCode(err) != facestat.RateLimited {
			t.Fatalf("vote %d on the secondary: %v, want allowed %v", i, err, c.ok)
		}
	}
	// The address refused j2's second vote and gave its token back: j2
	// votes once more from another address, then no more.
	if err := p.Vote(at("198.51.100.1"), j2); err != nil {
		t.Fatalf("j2's token given back by the address's refusal: %v", err)
	}
	if err := p.Vote(at("198.51.100.2"), j2); facestat.ErrorCode(err) != facestat.RateLimited {
		t.Fatalf("j2 beyond its 2: %v", err)
	}
	if !f.Degraded() || primary.pairs != 2 {
		t.Fatalf("Degraded %v, pairs asked of the primary %d; want true, 2 (one failed)", f.Degraded(), primary.pairs)
	}
}
