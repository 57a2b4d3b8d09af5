package ratelimit_test

import (
	"context"
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
