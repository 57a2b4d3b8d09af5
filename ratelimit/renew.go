package ratelimit

import "context"

// Renewer is what a Limiter may add to give tokens back and take others
// in one step (Leasing's renewal of an expired lease: what is left of it
// goes back, a new lease is taken): Refund of back tokens, then AllowN of
// n, as one call. The refund stands whether the charge is allowed or not.
// The shared limiter on Redis does it in one round trip instead of two.
type Renewer interface {
	RenewN(ctx context.Context, rule Rule, key string, back, n int) (Decision, error)
}

// RenewN gives back tokens to the bucket of (rule.Name, key) on l and
// then charges n, as Renewer says: in one step when l can, else Refund
// (best effort, as a lease's give-back always was: a failed refund leaves
// the tokens spent) then AllowN; with nothing to give back, AllowN alone.
func RenewN(ctx context.Context, l Limiter, rule Rule, key string, back, n int) (Decision, error) {
	if back <= 0 {
		return l.AllowN(ctx, rule, key, n)
	}
	if r, ok := l.(Renewer); ok {
		return r.RenewN(ctx, rule, key, back, n)
	}
	l.Refund(context.WithoutCancel(ctx), rule, key, back)
	return l.AllowN(ctx, rule, key, n)
}

// RenewN implements Renewer: on Primary in one step when it can, and on
// Secondary while Primary fails (see do).
func (f *Fallback) RenewN(ctx context.Context, rule Rule, key string, back, n int) (Decision, error) {
	var d Decision
	err := f.do(ctx, func(l Limiter) (err error) {
		d, err = RenewN(ctx, l, rule, key, back, n)
		return err
	})
	return d, err
}

var _ Renewer = (*Fallback)(nil)
