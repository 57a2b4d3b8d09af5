package inmem_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// clock is a fake, manually advanced clock safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newLimiter(maxKeys int) (*inmem.Limiter, *clock) {
	c := newClock()
	l := inmem.NewLimiter(maxKeys)
	l.Now = c.Now
	return l, c
}

func allow(t *testing.T, l *inmem.Limiter, rule ratelimit.Rule, key string) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), rule, key)
	if err != nil {
		t.Fatalf("Allow(%+v, %q): %v", rule, key, err)
	}
	if d.Allowed != (d.RetryAfter == 0) {
		t.Fatalf("Allow(%+v, %q) = %+v: RetryAfter must be > 0 exactly when refused", rule, key, d)
	}
	return d
}

func TestAllow(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		l, c := newLimiter(10)
		rule := ratelimit.Rule{Name: "login", Limit: 5, Per: time.Minute}
		for i := range rule.Limit {
			if d := allow(t, l, rule, "alice"); !d.Allowed {
				t.Fatalf("event %d refused: %+v", i, d)
			}
		}
		d := allow(t, l, rule, "alice")
		if d.Allowed {
			t.Fatal("event beyond Limit allowed")
		}
		want := rule.Per / time.Duration(rule.Limit) // 12s
		if diff := d.RetryAfter - want; diff < 0 || diff > time.Millisecond {
			t.Errorf("RetryAfter = %v, want about %v", d.RetryAfter, want)
		}
		// A refused event is not counted, and RetryAfter is exact.
		c.Advance(d.RetryAfter - time.Millisecond)
		d2 := allow(t, l, rule, "alice")
		if d2.Allowed || d2.RetryAfter > time.Millisecond {
			t.Errorf("just before RetryAfter: %+v, want refused with RetryAfter <= 1ms", d2)
		}
		c.Advance(d2.RetryAfter)
		if d := allow(t, l, rule, "alice"); !d.Allowed {
			t.Errorf("after RetryAfter: %+v, want allowed", d)
		}
		if d := allow(t, l, rule, "alice"); d.Allowed {
			t.Error("second event after one refill allowed")
		}
		// A full Per refills the whole burst, no more.
		c.Advance(time.Hour)
		for i := range rule.Limit {
			if d := allow(t, l, rule, "alice"); !d.Allowed {
				t.Fatalf("after refill, event %d refused", i)
			}
		}
		if d := allow(t, l, rule, "alice"); d.Allowed {
			t.Error("burst exceeded Limit after a long idle time")
		}
	})
	t.Run("OKRetryAfterExact", func(t *testing.T) {
		for _, rule := range []ratelimit.Rule{
			{Name: "a", Limit: 1, Per: time.Second},
			{Name: "b", Limit: 3, Per: time.Second},
			{Name: "c", Limit: 7, Per: 24 * time.Hour},
			{Name: "d", Limit: 1000, Per: time.Millisecond},
			{Name: "e", Limit: 1, Per: 1},
		} {
			l, c := newLimiter(10)
			for range rule.Limit {
				allow(t, l, rule, "k")
			}
			for i := range 20 {
				d := allow(t, l, rule, "k")
				if d.Allowed {
					t.Fatalf("%+v: round %d: allowed before waiting", rule, i)
				}
				// Check refusal a little earlier than RetryAfter, then
				// that waiting exactly RetryAfter is enough.
				const early = time.Microsecond
				if d.RetryAfter > early {
					c.Advance(d.RetryAfter - early)
					if allow(t, l, rule, "k").Allowed {
						t.Fatalf("%+v: round %d: allowed %v before RetryAfter %v", rule, i, early, d.RetryAfter)
					}
					c.Advance(early)
				} else {
					c.Advance(d.RetryAfter)
				}
				if !allow(t, l, rule, "k").Allowed {
					t.Fatalf("%+v: round %d: refused after RetryAfter %v", rule, i, d.RetryAfter)
				}
			}
		}
	})
	t.Run("OKSeparateKeys", func(t *testing.T) {
		l, _ := newLimiter(10)
		rule := ratelimit.Rule{Name: "upload", Limit: 2, Per: time.Hour}
		other := ratelimit.Rule{Name: "login", Limit: 2, Per: time.Hour}
		for range rule.Limit {
			allow(t, l, rule, "alice")
		}
		if allow(t, l, rule, "alice").Allowed {
			t.Fatal("alice not limited")
		}
		for _, tc := range []struct {
			rule ratelimit.Rule
			key  string
		}{{rule, "bob"}, {other, "alice"}, {rule, "alice2"}, {rule, ""}} {
			for i := range tc.rule.Limit {
				if d := allow(t, l, tc.rule, tc.key); !d.Allowed {
					t.Errorf("%s/%q: event %d refused: %+v", tc.rule.Name, tc.key, i, d)
				}
			}
		}
	})
	t.Run("OKDisabled", func(t *testing.T) {
		l, _ := newLimiter(1)
		for _, rule := range []ratelimit.Rule{{Name: "off", Limit: 0}, {Name: "neg", Limit: -1, Per: time.Second}} {
			for range 1000 {
				if d := allow(t, l, rule, "k"); !d.Allowed {
					t.Fatalf("disabled rule %+v refused: %+v", rule, d)
				}
			}
		}
		if n := l.Len(); n != 0 {
			t.Errorf("Len() = %d after disabled rules only, want 0", n)
		}
	})
	t.Run("OKRuleChanged", func(t *testing.T) {
		l, _ := newLimiter(10)
		rule := ratelimit.Rule{Name: "r", Limit: 10, Per: time.Hour}
		for range 3 {
			allow(t, l, rule, "k")
		}
		// Tighter rule: 7 tokens left, capped to 2.
		rule.Limit = 2
		for i := range 2 {
			if !allow(t, l, rule, "k").Allowed {
				t.Fatalf("event %d refused", i)
			}
		}
		d := allow(t, l, rule, "k")
		if d.Allowed {
			t.Fatal("new Limit not applied")
		}
		if want := time.Hour / 2; d.RetryAfter < want-time.Millisecond || d.RetryAfter > want+time.Millisecond {
			t.Errorf("RetryAfter = %v, want about %v", d.RetryAfter, want)
		}
	})
	t.Run("ErrInvalidRule", func(t *testing.T) {
		l, _ := newLimiter(10)
		for _, rule := range []ratelimit.Rule{{Name: "zero", Limit: 1}, {Name: "neg", Limit: 1, Per: -time.Second}} {
			d, err := l.Allow(context.Background(), rule, "k")
			if !errors.Is(err, ratelimit.ErrInvalidRule) || d.Allowed {
				t.Errorf("Allow(%+v) = %+v, %v; want refusal and ErrInvalidRule", rule, d, err)
			}
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		l, _ := newLimiter(10)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		d, err := l.Allow(ctx, ratelimit.Rule{Name: "r", Limit: 1, Per: time.Second}, "k")
		if !errors.Is(err, context.Canceled) || d.Allowed {
			t.Errorf("Allow = %+v, %v; want refusal and context.Canceled", d, err)
		}
	})
}

func TestNewLimiterPanics(t *testing.T) {
	for _, n := range []int{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLimiter(%d) did not panic", n)
				}
			}()
			inmem.NewLimiter(n)
		}()
	}
}

func TestMemoryBound(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		const maxKeys, keys = 1000, 100_000
		l, c := newLimiter(maxKeys)
		rule := ratelimit.Rule{Name: "r", Limit: 3, Per: time.Minute}
		for i := range keys {
			if d := allow(t, l, rule, fmt.Sprint("key-", i)); !d.Allowed {
				t.Fatalf("fresh key %d refused", i)
			}
			if n := l.Len(); n > maxKeys {
				t.Fatalf("after %d keys: Len() = %d > %d", i+1, n, maxKeys)
			}
			if i%100 == 0 {
				c.Advance(time.Second)
			}
		}
		// A recently used, drained key is still limited.
		hot := "hot"
		for range rule.Limit {
			allow(t, l, rule, hot)
		}
		for i := range maxKeys / 2 {
			allow(t, l, rule, fmt.Sprint("other-", i))
		}
		if allow(t, l, rule, hot).Allowed {
			t.Error("recently used bucket was evicted")
		}
	})
	t.Run("OKFullBucketsGoFirst", func(t *testing.T) {
		l, c := newLimiter(2)
		slow := ratelimit.Rule{Name: "slow", Limit: 1, Per: time.Hour}
		fast := ratelimit.Rule{Name: "fast", Limit: 1, Per: time.Second}
		allow(t, l, slow, "a") // drained for an hour; least recently used
		allow(t, l, fast, "b") // drained for a second
		c.Advance(2 * time.Second)
		allow(t, l, fast, "c") // must replace b (full again), not a
		if n := l.Len(); n != 2 {
			t.Errorf("Len() = %d, want 2", n)
		}
		if allow(t, l, slow, "a").Allowed {
			t.Error("drained bucket evicted while a full one could go")
		}
	})
	t.Run("OKIdleBucketsSwept", func(t *testing.T) {
		l, c := newLimiter(100)
		rule := ratelimit.Rule{Name: "r", Limit: 1, Per: time.Second}
		for i := range 50 {
			allow(t, l, rule, fmt.Sprint(i))
		}
		c.Advance(time.Minute) // all full again
		for i := range 20 {
			allow(t, l, rule, fmt.Sprint("new-", i))
		}
		if n := l.Len(); n > 50 {
			t.Errorf("Len() = %d: idle buckets not swept", n)
		}
	})
}

func TestConcurrent(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		l, c := newLimiter(64)
		rule := ratelimit.Rule{Name: "r", Limit: 100, Per: time.Hour}
		const goroutines, calls = 32, 200
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range calls {
					// The shared key, plus churn on others to exercise eviction.
					d, err := l.Allow(context.Background(), rule, "shared")
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed {
						allowed.Add(1)
					}
					if _, err := l.Allow(context.Background(), rule, fmt.Sprint(g, "-", i)); err != nil {
						t.Error(err)
						return
					}
					if g == 0 && i%50 == 0 {
						c.Advance(time.Nanosecond)
					}
					if n := l.Len(); n > 64 {
						t.Errorf("Len() = %d > 64", n)
						return
					}
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != int64(rule.Limit) {
			t.Errorf("allowed %d events on the shared key, want exactly %d", got, rule.Limit)
		}
	})
}

func TestAllowNAndRefund(t *testing.T) {
	ctx := context.Background()
	// A budget of 100 per minute: one token every 600 ms.
	budget := ratelimit.Rule{Name: "budget", Limit: 100, Per: time.Minute}
	t.Run("OK", func(t *testing.T) {
		l, c := newLimiter(10)
		if d, err := l.AllowN(ctx, budget, "k", 70); err != nil || !d.Allowed {
			t.Fatalf("70 of 100: %+v, %v", d, err)
		}
		// 30 left: 40 is refused whole, with the time 10 more take.
		d, err := l.AllowN(ctx, budget, "k", 40)
		if err != nil || d.Allowed || d.RetryAfter != 6*time.Second {
			t.Fatalf("40 of 30: %+v, %v; want refused, RetryAfter 6s", d, err)
		}
		c.Advance(d.RetryAfter - time.Nanosecond)
		if d, _ := l.AllowN(ctx, budget, "k", 40); d.Allowed {
			t.Fatal("allowed before RetryAfter")
		}
		c.Advance(time.Nanosecond)
		if d, _ := l.AllowN(ctx, budget, "k", 40); !d.Allowed {
			t.Fatalf("refused after RetryAfter: %+v", d)
		}
		// Empty now; the last request used 15 of its 40.
		if err := l.Refund(ctx, budget, "k", 25); err != nil {
			t.Fatal(err)
		}
		if d, _ := l.AllowN(ctx, budget, "k", 25); !d.Allowed {
			t.Fatal("the refunded 25 refused")
		}
		if d, _ := l.Allow(ctx, budget, "k"); d.Allowed {
			t.Fatal("more than the refund allowed")
		}
	})
	t.Run("OKRefundNeverBeyondFull", func(t *testing.T) {
		l, c := newLimiter(10)
		if err := l.Refund(ctx, budget, "k", 1000); err != nil || l.Len() != 0 {
			t.Fatalf("refund to no bucket: %v, %d buckets", err, l.Len())
		}
		l.AllowN(ctx, budget, "k", 50)
		c.Advance(10 * time.Second) // 50 - 16 taken
		if err := l.Refund(ctx, budget, "k", 50); err != nil {
			t.Fatal(err)
		}
		if d, _ := l.AllowN(ctx, budget, "k", 100); !d.Allowed {
			t.Fatal("a refunded bucket is not full")
		}
		if d, _ := l.Allow(ctx, budget, "k"); d.Allowed {
			t.Fatal("a refund filled the bucket beyond its burst")
		}
		if err := l.Refund(ctx, budget, "k", 0); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrInvalidN", func(t *testing.T) {
		l, _ := newLimiter(10)
		for _, n := range []int{0, -1, budget.Limit + 1} {
			if d, err := l.AllowN(ctx, budget, "k", n); !errors.Is(err, ratelimit.ErrInvalidN) || d.Allowed {
				t.Errorf("AllowN(%d) = %+v, %v; want refusal and ErrInvalidN", n, d, err)
			}
		}
		if d, err := l.AllowN(ctx, ratelimit.Rule{Name: "off"}, "k", 1_000_000); err != nil || !d.Allowed {
			t.Errorf("a disabled rule: %+v, %v", d, err)
		}
	})
}

// TestLongKeys: keys a client chooses may be long (a megabyte-long e-mail
// address); each is still limited on its own.
func TestLongKeys(t *testing.T) {
	l, _ := newLimiter(10)
	rule := ratelimit.Rule{Name: "sign_in_email", Limit: 1, Per: time.Hour}
	long := strings.Repeat("a", 1<<20)
	for _, k := range []string{long, long + "b", "#short"} {
		if !allow(t, l, rule, k).Allowed {
			t.Fatalf("first event of a %d-byte key refused", len(k))
		}
	}
	if allow(t, l, rule, long).Allowed {
		t.Fatal("a long key is not limited")
	}
}
