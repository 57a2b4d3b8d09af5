package redis_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
	"github.com/facestat/facestat/redis"
	"github.com/facestat/facestat/redis/redistest"
)

func TestLimiter(t *testing.T) {
	url := redistest.Start(t)
	// Two limiters on one Redis: two instances sharing a budget.
	var limiters [2]*redis.Limiter
	for i := range limiters {
		rdb, err := redis.NewClient(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		limiters[i] = redis.NewLimiter(rdb, "test:")
	}
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "sign_in", Limit: 5, Per: time.Minute}

	t.Run("SharedBudget", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			d, err := limiters[i%2].Allow(ctx, rule, "203.0.113.7")
			if err != nil || !d.Allowed {
				t.Fatalf("event %d: %+v, %v", i, d, err)
			}
		}
		d, err := limiters[1].Allow(ctx, rule, "203.0.113.7")
		if err != nil || d.Allowed {
			t.Fatalf("sixth event: %+v, %v", d, err)
		}
		// The next token arrives one interval (Per/Limit = 12 s) after the first.
		if d.RetryAfter <= 10*time.Second || d.RetryAfter > 12*time.Second {
			t.Fatalf("RetryAfter = %v, want about 12s", d.RetryAfter)
		}
	})
	t.Run("KeysIndependent", func(t *testing.T) {
		if d, err := limiters[0].Allow(ctx, rule, "198.51.100.1"); err != nil || !d.Allowed {
			t.Fatalf("another key: %+v, %v", d, err)
		}
	})
	t.Run("Refills", func(t *testing.T) {
		fast := ratelimit.Rule{Name: "fast", Limit: 2, Per: 200 * time.Millisecond}
		for i := 0; i < 2; i++ {
			limiters[0].Allow(ctx, fast, "k")
		}
		d, _ := limiters[0].Allow(ctx, fast, "k")
		if d.Allowed {
			t.Fatal("third event within the period allowed")
		}
		time.Sleep(d.RetryAfter + 20*time.Millisecond) // waiting out the advertised time is the behaviour under test
		if d, err := limiters[0].Allow(ctx, fast, "k"); err != nil || !d.Allowed {
			t.Fatalf("after RetryAfter: %+v, %v", d, err)
		}
	})
	t.Run("AllowNAndRefund", func(t *testing.T) {
		// A budget of 100 per minute: one token every 600 ms.
		budget := ratelimit.Rule{Name: "budget", Limit: 100, Per: time.Minute}
		if d, err := limiters[0].AllowN(ctx, budget, "k", 70); err != nil || !d.Allowed {
			t.Fatalf("70 of 100: %+v, %v", d, err)
		}
		// 30 left: 40 is refused whole (nothing taken), with the time 10
		// more tokens take to come back.
		d, err := limiters[1].AllowN(ctx, budget, "k", 40)
		if err != nil || d.Allowed {
			t.Fatalf("40 of 30: %+v, %v", d, err)
		}
		if d.RetryAfter <= 5*time.Second || d.RetryAfter > 6*time.Second {
			t.Fatalf("RetryAfter = %v, want about 6s (10 tokens)", d.RetryAfter)
		}
		if d, err := limiters[1].AllowN(ctx, budget, "k", 30); err != nil || !d.Allowed {
			t.Fatalf("the 30 left after a refusal: %+v, %v", d, err)
		}
		// The request used 10 of its 70: 60 come back, on either instance.
		if err := limiters[1].Refund(ctx, budget, "k", 60); err != nil {
			t.Fatal(err)
		}
		if d, err := limiters[0].AllowN(ctx, budget, "k", 60); err != nil || !d.Allowed {
			t.Fatalf("the refunded 60: %+v, %v", d, err)
		}
		if d, _ := limiters[0].AllowN(ctx, budget, "k", 5); d.Allowed {
			t.Fatal("more than the refund allowed")
		}
	})
	t.Run("RefundNeverBeyondFull", func(t *testing.T) {
		budget := ratelimit.Rule{Name: "budget", Limit: 10, Per: time.Hour}
		if err := limiters[0].Refund(ctx, budget, "fresh", 1000); err != nil {
			t.Fatal(err)
		}
		limiters[0].AllowN(ctx, budget, "fresh", 5)
		if err := limiters[0].Refund(ctx, budget, "fresh", 1000); err != nil {
			t.Fatal(err)
		}
		if d, _ := limiters[0].AllowN(ctx, budget, "fresh", 10); !d.Allowed {
			t.Fatal("a refunded bucket is not full")
		}
		if d, _ := limiters[0].Allow(ctx, budget, "fresh"); d.Allowed {
			t.Fatal("a refund filled the bucket beyond its burst")
		}
	})
	t.Run("ErrInvalidN", func(t *testing.T) {
		for _, n := range []int{0, -1, rule.Limit + 1} {
			if d, err := limiters[0].AllowN(ctx, rule, "n", n); !errors.Is(err, ratelimit.ErrInvalidN) || d.Allowed {
				t.Errorf("AllowN(%d) = %+v, %v; want refusal and ErrInvalidN", n, d, err)
			}
		}
	})
	t.Run("Disabled", func(t *testing.T) {
		off := ratelimit.Rule{Name: "off", Limit: 0}
		for i := 0; i < 100; i++ {
			if d, _ := limiters[0].Allow(ctx, off, "k"); !d.Allowed {
				t.Fatal("a disabled rule refused")
			}
		}
	})
}

// TestLimiterKeyLength: a key a client chooses (an e-mail address in the
// per-address sign-in rule) becomes a Redis key of bounded length however
// long it is, and two long keys still count apart.
func TestLimiterKeyLength(t *testing.T) {
	url := redistest.Start(t)
	opts, _ := goredis.ParseURL(url)
	raw := goredis.NewClient(opts)
	t.Cleanup(func() { raw.Close() })
	rdb, err := redis.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	l := redis.NewLimiter(rdb, "test:")
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "sign_in_email", Limit: 1, Per: time.Hour}
	long := strings.Repeat("a", 1<<20) + "@example.com"
	for _, k := range []string{long, long + "x", "short@example.com", "#pretend"} {
		if d, err := l.Allow(ctx, rule, k); err != nil || !d.Allowed {
			t.Fatalf("first event of a %d-byte key: %+v, %v", len(k), d, err)
		}
	}
	if d, _ := l.Allow(ctx, rule, long); d.Allowed {
		t.Fatal("a long key is not limited")
	}
	keys, err := raw.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 4 {
		t.Fatalf("%d keys for 4 client strings: %q", len(keys), keys)
	}
	for _, k := range keys {
		if len(k) > 100 {
			t.Errorf("a %d-byte Redis key: %.100q...", len(k), k)
		}
		if k == "test:rl:sign_in_email:#pretend" {
			t.Error("a client string starting with # kept as it is: it could pose as a hash")
		}
	}
}

// TestLimiterPair: AllowPair counts one event of two rules in one round
// trip, both or neither, and decides as the two rules taken one after the
// other (ratelimit.AllowPair over the in-process limiter, with its refund)
// do, event for event, over a random sequence; the refusing rule's retry
// time is the one answered.
// client is a client of a Redis of the test's own.
func client(t *testing.T) *goredis.Client {
	t.Helper()
	rdb, err := redis.NewClient(redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestLimiterPair(t *testing.T) {
	rdb := client(t)
	ctx := context.Background()
	judge := ratelimit.Rule{Name: "vote", Limit: 3, Per: time.Hour}
	addr := ratelimit.Rule{Name: "vote_ip", Limit: 5, Per: 2 * time.Hour}

	t.Run("BothOrNeither", func(t *testing.T) {
		l := redis.NewLimiter(rdb, "pair1:")
		if d, err := l.AllowPair(ctx, judge, "j1", addr, "a1"); err != nil || !d.Allowed || d.Remaining != 2 {
			t.Fatalf("first event: %+v, %v", d, err)
		}
		// j2 spends the address's other four tokens.
		for range 4 {
			if d, err := l.Allow(ctx, addr, "a1"); err != nil || !d.Allowed {
				t.Fatalf("spending the address: %+v, %v", d, err)
			}
		}
		// The address refuses: the judge's token stays (two left, not one).
		d, err := l.AllowPair(ctx, judge, "j1", addr, "a1")
		if err != nil || d.Allowed {
			t.Fatalf("a spent address: %+v, %v", d, err)
		}
		if d.RetryAfter <= 23*time.Minute || d.RetryAfter > 24*time.Minute { // 2 h / 5
			t.Fatalf("RetryAfter = %v, want the address's 24 min", d.RetryAfter)
		}
		for i := range 2 {
			if d, err := l.Allow(ctx, judge, "j1"); err != nil || !d.Allowed {
				t.Fatalf("the judge's token %d after the refusal: %+v, %v", i, d, err)
			}
		}
		// The judge refuses: the address is not charged.
		if d, err := l.AllowPair(ctx, judge, "j1", addr, "a2"); err != nil || d.Allowed || d.RetryAfter <= 19*time.Minute || d.RetryAfter > 20*time.Minute {
			t.Fatalf("a spent judge: %+v, %v; want refused, the judge's 20 min", d, err)
		}
		if d, err := l.Allow(ctx, addr, "a2"); err != nil || !d.Allowed || d.Remaining != 4 {
			t.Fatalf("the address after the judge's refusal: %+v, %v; want 4 left", d, err)
		}
	})

	t.Run("AsOneAfterTheOther", func(t *testing.T) {
		l := redis.NewLimiter(rdb, "pair2:")
		ref := inmem.NewLimiter(1000)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 400 {
			j, a := fmt.Sprint("j", r.IntN(6)), fmt.Sprint("a", r.IntN(4))
			got, err := l.AllowPair(ctx, judge, j, addr, a)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := ratelimit.AllowPair(ctx, ref, judge, j, addr, a)
			if got.Allowed != want.Allowed {
				t.Fatalf("event %d (%s, %s): allowed %v, one rule after the other %v", i, j, a, got.Allowed, want.Allowed)
			}
		}
	})

	t.Run("OneBucketTwice", func(t *testing.T) {
		l := redis.NewLimiter(rdb, "pair4:")
		four := ratelimit.Rule{Name: "four", Limit: 4, Per: time.Hour}
		allowed := 0
		for range 4 {
			if d, err := l.AllowPair(ctx, four, "k", four, "k"); err != nil {
				t.Fatal(err)
			} else if d.Allowed {
				allowed++
			}
		}
		if allowed != 2 {
			t.Fatalf("%d pairs on one bucket of 4 allowed, want 2 (two tokens each)", allowed)
		}
	})
	t.Run("DisabledRule", func(t *testing.T) {
		l := redis.NewLimiter(rdb, "pair3:")
		off := ratelimit.Rule{Name: "off"}
		for range 3 {
			if d, err := l.AllowPair(ctx, judge, "j", off, "a"); err != nil || !d.Allowed {
				t.Fatalf("with the second rule off: %+v, %v", d, err)
			}
		}
		if d, err := l.AllowPair(ctx, judge, "j", off, "a"); err != nil || d.Allowed {
			t.Fatalf("the first rule still counts: %+v, %v", d, err)
		}
	})
}

// TestLimiterRenew: RenewN (one script) leaves every bucket as Refund
// then AllowN (two) would, whether the charge is allowed or refused (the
// refund stands), on a random walk of charges, refunds and renewals
// compared with the same walk on Redis one call after the other.
func TestLimiterRenew(t *testing.T) {
	rdb := client(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "budget", Limit: 100, Per: 1000 * time.Hour} // no refill within the test

	t.Run("RefusedKeepsTheRefund", func(t *testing.T) {
		l := redis.NewLimiter(rdb, "renew1:")
		if d, err := l.AllowN(ctx, rule, "k", 100); err != nil || !d.Allowed {
			t.Fatalf("spending the bucket: %+v, %v", d, err)
		}
		d, err := l.RenewN(ctx, rule, "k", 30, 40)
		if err != nil || d.Allowed || d.Remaining != 30 {
			t.Fatalf("renewing 40 with 30 back into an empty bucket: %+v, %v; want refused, 30 held", d, err)
		}
		if d, err := l.AllowN(ctx, rule, "k", 30); err != nil || !d.Allowed || d.Remaining != 0 {
			t.Fatalf("the 30 given back: %+v, %v", d, err)
		}
	})

	t.Run("AsRefundThenCharge", func(t *testing.T) {
		one, two := redis.NewLimiter(rdb, "renew2:"), redis.NewLimiter(rdb, "renew3:")
		r := rand.New(rand.NewPCG(3, 4))
		for i := range 600 {
			key := fmt.Sprint("k", r.IntN(3))
			var got, want ratelimit.Decision
			var err1, err2 error
			switch op := r.IntN(3); op {
			case 0:
				n := 1 + r.IntN(30)
				got, err1 = one.AllowN(ctx, rule, key, n)
				want, err2 = two.AllowN(ctx, rule, key, n)
			case 1:
				n := 1 + r.IntN(30)
				err1, err2 = one.Refund(ctx, rule, key, n), two.Refund(ctx, rule, key, n)
			default:
				back, n := r.IntN(40), 1+r.IntN(40)
				got, err1 = one.RenewN(ctx, rule, key, back, n)
				if back > 0 {
					err2 = two.Refund(ctx, rule, key, back)
				}
				if err2 == nil {
					want, err2 = two.AllowN(ctx, rule, key, n)
				}
			}
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if got.Allowed != want.Allowed || got.Remaining != want.Remaining {
				t.Fatalf("step %d on %s: %+v in one script, %+v one call after the other", i, key, got, want)
			}
		}
	})
}
