package ratelimit

import "context"

// PairLimiter is what a Limiter may add to count one event of two rules in
// one step (Policy's per judge, then per client address): first's bucket
// is asked first; when it allows, second's is; the event is counted in
// both only when both allow it, and in neither otherwise. The Decision is
// that of the rule that refused (its RetryAfter), or first's when both
// allow. The shared limiter on Redis does it in one round trip instead of
// two (and never needs a refund).
type PairLimiter interface {
	AllowPair(ctx context.Context, first Rule, firstKey string, second Rule, secondKey string) (Decision, error)
}

// AllowPair counts one event of first for firstKey and of second for
// secondKey on l, as PairLimiter says: in one step when l can, else first,
// then second, giving first's token back when second refuses it or fails
// (best effort: a failed refund leaves it spent).
func AllowPair(ctx context.Context, l Limiter, first Rule, firstKey string, second Rule, secondKey string) (Decision, error) {
	if p, ok := l.(PairLimiter); ok {
		return p.AllowPair(ctx, first, firstKey, second, secondKey)
	}
	d, err := l.Allow(ctx, first, firstKey)
	if err != nil || !d.Allowed {
		return d, err
	}
	d2, err := l.Allow(ctx, second, secondKey)
	if (err != nil || !d2.Allowed) && !first.Disabled() {
		l.Refund(context.WithoutCancel(ctx), first, firstKey, 1)
	}
	if err == nil && d2.Allowed {
		return d, nil
	}
	return d2, err
}

// AllowPair implements PairLimiter: on Primary in one step when it can,
// and on Secondary, rule after rule, while Primary fails (see do).
func (f *Fallback) AllowPair(ctx context.Context, first Rule, firstKey string, second Rule, secondKey string) (Decision, error) {
	var d Decision
	err := f.do(ctx, func(l Limiter) (err error) {
		d, err = AllowPair(ctx, l, first, firstKey, second, secondKey)
		return err
	})
	return d, err
}

var _ PairLimiter = (*Fallback)(nil)
