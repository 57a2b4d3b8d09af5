package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// counting counts the calls a limiter gets.
type counting struct {
	ratelimit.Limiter
	calls int
}

func (c *counting) AllowN(ctx context.Context, rule ratelimit.Rule, key string, n int) (ratelimit.Decision, error) {
	c.calls++
	return c.Limiter.AllowN(ctx, rule, key, n)
}

func (c *counting) Refund(ctx context.Context, rule ratelimit.Rule, key string, n int) error {
	c.calls++
	return c.Limiter.Refund(ctx, rule, key, n)
}

// TestLeasing: charges are taken from the shared limiter a lease at a
// time (one call per lease, refunds in process), two instances leasing
// from one bucket never allow more than the bucket holds, and a bucket
// too short for a lease is still spent to its last token.
func TestLeasing(t *testing.T) {
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "budget", Limit: 1000, Per: time.Hour}
	shared := &counting{Limiter: inmem.NewLimiter(100)}
	a := &ratelimit.Leasing{Limiter: shared, Share: 0.1, TTL: time.Hour}
	b := &ratelimit.Leasing{Limiter: shared, Share: 0.1, TTL: time.Hour}

	for range 10 { // 10 × 10 from one lease of 100
		if d, err := a.AllowN(ctx, rule, "k", 10); err != nil || !d.Allowed {
			t.Fatalf("charge: %+v, %v", d, err)
		}
		if err := a.Refund(ctx, rule, "k", 5); err != nil {
			t.Fatal(err)
		}
	}
	if shared.calls != 1 {
		t.Fatalf("20 charges and refunds made %d calls to the shared limiter, want 1 (the lease)", shared.calls)
	}

	// Both instances spend everything: together they never get more than
	// the bucket held (1,000) less what a spent (100) plus what it got
	// back into its lease (50).
	allowed := 0
	for i := range 400 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if d, err := l.AllowN(ctx, rule, "k", 3); err == nil && d.Allowed {
			allowed += 3
		}
	}
	if allowed > 950 {
		t.Fatalf("the instances were allowed %d tokens of a 1,000-token bucket", allowed)
	}
	// At most one lease per instance is lost to the other: 2 × 100.
	if allowed < 950-2*100 {
		t.Fatalf("the instances were allowed only %d tokens of 1,000", allowed)
	}
	t.Logf("allowed %d of 1,000 tokens, %d calls to the shared limiter", allowed, shared.calls)
}

// renewing is counting with a RenewN of its own, as the Redis limiter's
// (one call): it refunds, then charges, on the limiter it wraps.
type renewing struct {
	counting
	backs []int // each RenewN's back
}

func (r *renewing) RenewN(ctx context.Context, rule ratelimit.Rule, key string, back, n int) (ratelimit.Decision, error) {
	r.calls++
	r.backs = append(r.backs, back)
	r.counting.Limiter.Refund(ctx, rule, key, back)
	return r.counting.Limiter.AllowN(ctx, rule, key, n)
}

// TestLeaseRenewal: an expired lease's rest goes back with the next
// lease's charge in one call of a Renewer (through Fallback too), and the
// bucket gets it back.
func TestLeaseRenewal(t *testing.T) {
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "budget", Limit: 1000, Per: 1000 * time.Hour}
	bucket := inmem.NewLimiter(100)
	shared := &renewing{counting: counting{Limiter: bucket}}
	l := &ratelimit.Leasing{Limiter: &ratelimit.Fallback{Primary: shared, Secondary: inmem.NewLimiter(100)}, Share: 0.1, TTL: time.Millisecond}
	if d, err := l.AllowN(ctx, rule, "k", 30); err != nil || !d.Allowed {
		t.Fatalf("first charge: %+v, %v", d, err)
	}
	time.Sleep(5 * time.Millisecond) // the lease (100, 70 left) expires
	if d, err := l.AllowN(ctx, rule, "k", 10); err != nil || !d.Allowed {
		t.Fatalf("second charge: %+v, %v", d, err)
	}
	if shared.calls != 2 || len(shared.backs) != 1 || shared.backs[0] != 70 {
		t.Fatalf("%d calls, renewals giving back %v; want 2 calls (a lease, a renewal giving back 70)", shared.calls, shared.backs)
	}
	// Spent from the bucket: 30 of the first lease, and the second lease.
	if d, _ := bucket.AllowN(ctx, rule, "k", 1); d.Remaining != 1000-30-100-1 {
		t.Fatalf("the bucket holds %d, want %d", d.Remaining, 1000-30-100-1)
	}
}

// slow is a shared limiter with a round trip's delay, so that a burst's
// requests overlap as they do on Redis.
type slow struct{ ratelimit.Limiter }

func (s slow) AllowN(ctx context.Context, rule ratelimit.Rule, key string, n int) (ratelimit.Decision, error) {
	time.Sleep(2 * time.Millisecond)
	return s.Limiter.AllowN(ctx, rule, key, n)
}

// TestLeasingBurst: a burst of requests at once on two instances, each
// finding no lease, is refused at most a lease per instance early: one
// request at a time renews an instance's lease, and the others spend
// from it, instead of each taking a lease of its own and leaving the
// bucket empty while their tokens sit unspent.
func TestLeasingBurst(t *testing.T) {
	ctx := context.Background()
	const limit, size = 100, 10
	rule := ratelimit.Rule{Name: "vote", Limit: limit, Per: time.Hour}
	shared := slow{inmem.NewLimiter(100)}
	instances := []*ratelimit.Leasing{{Limiter: shared, Share: 0.1, TTL: time.Hour}, {Limiter: shared, Share: 0.1, TTL: time.Hour}}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 2 * limit {
		wg.Go(func() {
			d, err := instances[i%2].Allow(ctx, rule, "judge")
			if err != nil {
				t.Error(err)
			}
			if d.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n > limit || n < limit-2*size {
		t.Fatalf("a burst of %d requests on two instances: %d allowed, want at most %d and at least %d", 2*limit, n, limit, limit-2*size)
	}
}
