package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// counting counts the calls a limiter gets (safely for concurrent use);
// its charges take delay, as a round trip to Redis does, and the next
// panics when broken is set.
type counting struct {
	ratelimit.Limiter
	calls  atomic.Int64
	delay  time.Duration
	broken atomic.Bool
}

func (c *counting) AllowN(ctx context.Context, rule ratelimit.Rule, key string, n int) (ratelimit.Decision, error) {
	c.calls.Add(1)
	if c.broken.Swap(false) {
		panic("the limiter broke")
	}
	time.Sleep(c.delay)
	return c.Limiter.AllowN(ctx, rule, key, n)
}

func (c *counting) Refund(ctx context.Context, rule ratelimit.Rule, key string, n int) error {
	c.calls.Add(1)
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
	if shared.calls.Load() != 1 {
		t.Fatalf("20 charges and refunds made %d calls to the shared limiter, want 1 (the lease)", shared.calls.Load())
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
	t.Logf("allowed %d of 1,000 tokens, %d calls to the shared limiter", allowed, shared.calls.Load())
}

// renewing is counting with a RenewN of its own, as the Redis limiter's
// (one call): it refunds, then charges, on the limiter it wraps.
type renewing struct {
	counting
	backs []int // each RenewN's back
}

func (r *renewing) RenewN(ctx context.Context, rule ratelimit.Rule, key string, back, n int) (ratelimit.Decision, error) {
	r.calls.Add(1)
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
	if shared.calls.Load() != 2 || len(shared.backs) != 1 || shared.backs[0] != 70 {
		t.Fatalf("%d calls, renewals giving back %v; want 2 calls (a lease, a renewal giving back 70)", shared.calls.Load(), shared.backs)
	}
	// Spent from the bucket: 30 of the first lease, and the second lease.
	if d, _ := bucket.AllowN(ctx, rule, "k", 1); d.Remaining != 1000-30-100-1 {
		t.Fatalf("the bucket holds %d, want %d", d.Remaining, 1000-30-100-1)
	}
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
	shared := &counting{Limiter: inmem.NewLimiter(100), delay: 2 * time.Millisecond}
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

// TestLeasingShortBucket: once a bucket is short of a whole lease, a
// burst on it is charged exactly, each request once, side by side: none
// waits in line to renew a lease that would be refused again (two calls
// each, one after another).
func TestLeasingShortBucket(t *testing.T) {
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "vote_ip", Limit: 100, Per: time.Hour}
	shared := &counting{Limiter: inmem.NewLimiter(100), delay: time.Millisecond}
	l := &ratelimit.Leasing{Limiter: shared, Share: 0.1, TTL: time.Hour}
	if d, err := shared.Limiter.AllowN(ctx, rule, "school", 95); err != nil || !d.Allowed {
		t.Fatalf("spending the bucket: %+v %v", d, err)
	}
	shared.calls.Store(0)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	const burst = 100
	for range burst {
		wg.Go(func() {
			if d, err := l.Allow(ctx, rule, "school"); err != nil {
				t.Error(err)
			} else if d.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 5 {
		t.Errorf("%d of the burst allowed, want the bucket's last 5", n)
	}
	// One renewal refused (a refund of nothing and a charge of a lease,
	// or one script), then one exact charge a request.
	if n := shared.calls.Load(); n > burst+3 {
		t.Errorf("the burst cost the shared limiter %d calls, want at most %d: one a request", n, burst+3)
	}
}

// TestLeasingRenewalPanics: a renewal that panics (a broken limiter) does
// not leave the bucket's other requests waiting for it.
func TestLeasingRenewalPanics(t *testing.T) {
	rule := ratelimit.Rule{Name: "budget", Limit: 100, Per: time.Hour}
	shared := &counting{Limiter: inmem.NewLimiter(100)}
	l := &ratelimit.Leasing{Limiter: shared, Share: 0.1, TTL: time.Hour}
	shared.broken.Store(true)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the limiter's panic did not reach the caller")
			}
		}()
		l.Allow(context.Background(), rule, "k")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if d, err := l.Allow(ctx, rule, "k"); err != nil || !d.Allowed {
		t.Fatalf("the next request after a renewal panicked: %+v %v", d, err)
	}
}

// TestLeasesBounded: the leases kept stay under Max when every one is
// still live (a long TTL and many clients), the walk that makes room
// runs once in Max/16 new leases, not on every one, and a client whose
// lease was dropped is charged a new one, within its bucket.
func TestLeasesBounded(t *testing.T) {
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "budget", Limit: 1000, Per: time.Hour}
	shared := &counting{Limiter: inmem.NewLimiter(10_000)}
	const max = 64
	l := &ratelimit.Leasing{Limiter: shared, Share: 0.1, TTL: time.Hour, Max: max}

	full := 0 // how often a new lease found Max kept
	for i := range 1000 {
		before := l.Leases()
		if d, err := l.AllowN(ctx, rule, fmt.Sprint("client", i), 1); err != nil || !d.Allowed {
			t.Fatalf("client %d: %+v, %v", i, d, err)
		}
		n := l.Leases()
		if n > max {
			t.Fatalf("client %d: %d leases kept, Max %d", i, n, max)
		}
		if n < before {
			full++
			if want := max - max/16 + 1; n != want {
				t.Fatalf("client %d: room made down to %d leases with the new one, want %d", i, n, want)
			}
		}
	}
	if shared.calls.Load() != 1000 {
		t.Fatalf("1,000 clients made %d calls to the shared limiter, want 1,000 (a lease each)", shared.calls.Load())
	}
	// About (1000 - 64) / 4 times, not on each of the 936 leases past Max.
	if full < 200 || full > 250 {
		t.Fatalf("room was made %d times for 1,000 leases, want about 234", full)
	}

	// A client whose lease was dropped takes a new one with its next
	// charge (a call); one whose lease is kept spends from it (none). A
	// dropped lease costs its bucket that lease, no more: each bucket
	// paid for one lease, or two.
	calls := shared.calls.Load()
	for i := range 1000 {
		if d, err := l.AllowN(ctx, rule, fmt.Sprint("client", i), 1); err != nil || !d.Allowed {
			t.Fatalf("client %d again: %+v, %v", i, d, err)
		}
	}
	renewed := int(shared.calls.Load() - calls)
	if renewed < 1000-max || renewed > 1000 {
		t.Fatalf("the 1,000 clients' second charges made %d calls, want from %d (the dropped leases) to 1,000", renewed, 1000-max)
	}
	twice := 0
	for i := range 1000 {
		switch d, _ := shared.Limiter.AllowN(ctx, rule, fmt.Sprint("client", i), 1); d.Remaining {
		case 1000 - 100 - 1:
		case 1000 - 2*100 - 1:
			twice++
		default:
			t.Fatalf("client %d's bucket holds %d, want %d or %d", i, d.Remaining, 1000-100-1, 1000-2*100-1)
		}
	}
	if twice != renewed {
		t.Fatalf("%d buckets paid for two leases, %d leases were renewed", twice, renewed)
	}
}
