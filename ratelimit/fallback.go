package ratelimit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Fallback is a Limiter that counts on Primary (shared by every instance:
// Redis) and, while Primary fails or stalls, on Secondary (this instance's
// own, in memory) with the same rules: a limit never turns into
// allow-all. Each instance then enforces every rule on its own, so a
// client may get one burst per instance during an outage, no more.
//
// After Primary fails, calls go straight to Secondary for Retry; then one
// call at a time tries Primary again (the others keep to Secondary) until
// one succeeds. So a stalled Redis costs one call timeout per Retry, not
// one per request. OnChange is told when the fallback starts and ends (to
// log it once per outage), and Degraded and Fallbacks feed the metrics.
//
// Counting moves from one limiter to the other with its buckets full: the
// tokens taken on Redis are not known to the instance, and those taken on
// the instance are forgotten when Redis answers again. A refund goes to
// the limiter in use when it is made.
type Fallback struct {
	Primary, Secondary Limiter
	// Retry is how long Primary is left alone after it fails (0: 1 s).
	Retry time.Duration
	// OnChange, if set, is called when counting moves to Secondary
	// (degraded, with Primary's error) and back (not degraded, nil). It
	// must not block.
	OnChange func(degraded bool, err error)
	// Now is the clock (nil: time.Now); tests move it.
	Now func() time.Time

	mu       sync.Mutex
	degraded bool
	retryAt  time.Time // while degraded: when Primary may be tried again
	probing  bool      // while degraded: a call is trying Primary

	fallbacks atomic.Uint64
}

var _ Limiter = (*Fallback)(nil)

// Allow implements Limiter.
func (f *Fallback) Allow(ctx context.Context, rule Rule, key string) (Decision, error) {
	return f.AllowN(ctx, rule, key, 1)
}

// AllowN implements Limiter.
func (f *Fallback) AllowN(ctx context.Context, rule Rule, key string, n int) (Decision, error) {
	var d Decision
	err := f.do(ctx, func(l Limiter) (err error) {
		d, err = l.AllowN(ctx, rule, key, n)
		return err
	})
	return d, err
}

// Refund implements Limiter.
func (f *Fallback) Refund(ctx context.Context, rule Rule, key string, n int) error {
	return f.do(ctx, func(l Limiter) error { return l.Refund(ctx, rule, key, n) })
}

// Degraded reports whether counting is on Secondary now.
func (f *Fallback) Degraded() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.degraded
}

// Fallbacks is how many calls Secondary has answered since f was made.
func (f *Fallback) Fallbacks() uint64 { return f.fallbacks.Load() }

// do runs call on Primary when it is to be tried, and on Secondary when it
// is not or when it fails for a reason of its own (not an invalid call,
// not the caller's context).
func (f *Fallback) do(ctx context.Context, call func(Limiter) error) error {
	probe, try := f.tryPrimary()
	if try {
		err := call(f.Primary)
		if !f.primaryFailed(ctx, err) {
			f.answered(probe, ctx.Err() == nil)
			return err
		}
		f.failed(err)
	}
	f.fallbacks.Add(1)
	return call(f.Secondary)
}

// primaryFailed reports whether err is Primary's own failure, rather than
// a success, a refused call (an invalid rule or n: Secondary would refuse
// it too) or the caller giving up.
func (f *Fallback) primaryFailed(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && !errors.Is(err, ErrInvalidRule) && !errors.Is(err, ErrInvalidN)
}

// tryPrimary reports whether this call tries Primary, and whether it does
// so as the one probe of a degraded limiter.
func (f *Fallback) tryPrimary() (probe, try bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.degraded {
		return false, true
	}
	if f.probing || f.now().Before(f.retryAt) {
		return false, false
	}
	f.probing = true
	return true, true
}

// answered records that Primary answered: a probe ends the fallback,
// unless the caller gave up first (inconclusive: the next call probes).
func (f *Fallback) answered(probe, conclusive bool) {
	if !probe {
		return
	}
	f.mu.Lock()
	f.probing = false
	if conclusive {
		f.degraded = false
	}
	f.mu.Unlock()
	if conclusive && f.OnChange != nil {
		f.OnChange(false, nil)
	}
}

// failed records Primary's failure: the fallback starts (or goes on) and
// Primary is left alone for Retry.
func (f *Fallback) failed(err error) {
	f.mu.Lock()
	started := !f.degraded
	f.degraded, f.probing = true, false
	retry := f.Retry
	if retry <= 0 {
		retry = time.Second
	}
	f.retryAt = f.now().Add(retry)
	f.mu.Unlock()
	if started && f.OnChange != nil {
		f.OnChange(true, err)
	}
}

func (f *Fallback) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}
