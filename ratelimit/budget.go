package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/clientaddr"
)

// Budgets are the cost budgets of GraphQL requests: token buckets counted
// in cost units (the price the cost model gives a document), one per
// client address, per anonymous judge, per account and per API key. A
// request is charged its price up front in every bucket that applies to
// it, refused with THROTTLED when any of them is short, and refunded down
// to what it actually cost once it has run (Charge.Settle). Budgets
// count on Limiter, so with a shared limiter (Redis) every instance draws
// on the same buckets. A disabled Rule charges nothing.
type Budgets struct {
	Limiter Limiter
	IP      Rule // per client address, grouped by clientaddr.Group
	Session Rule // per anonymous judge
	Account Rule // per account
	// APIKey is per API key, for requests a Payer names one for (the HTTP
	// layer names it instead of the address, see api.payer).
	APIKey Rule
}

// Payer is who a request is charged to: each non-empty field names one
// bucket. The HTTP layer fills it from the client address and the viewer.
type Payer struct {
	IP      string // the client address (grouped by clientaddr.Group here)
	Session string // the anonymous judge's id
	Account string // the account's id
	APIKey  string // the API key's id
}

// Charge is a request's price taken from the buckets of its payer.
type Charge struct {
	limiter Limiter
	taken   []taken
	short   *taken // the bucket that refused, when THROTTLED
}

// taken is what a charge took from one bucket.
type taken struct {
	rule Rule
	key  string
	n    int
	left int  // tokens the bucket held after the charge
	own  bool // counted by this instance alone (Decision.Local)
}

// Status is what clients see of a budget (extensions.cost, the RateLimit
// headers): the bucket's size, its period, what it holds now and whether
// this instance counted it alone (Redis absent or failing).
type Status struct {
	Name      string // the rule's name, e.g. "budget_api_key"
	Limit     int
	Per       time.Duration
	Remaining int
	Local     bool
}

// Status returns the status of the tightest bucket the charge applied (the
// one holding the fewest tokens once actual is settled), or of the one
// that refused it; false when no bucket applied.
func (c *Charge) Status(actual int) (Status, bool) {
	if c == nil {
		return Status{}, false
	}
	if c.short != nil {
		return Status{Name: c.short.rule.Name, Limit: c.short.rule.Limit, Per: c.short.rule.Per, Remaining: c.short.left, Local: c.short.own}, true
	}
	var best Status
	found := false
	for _, t := range c.taken {
		left := min(t.left+max(t.n-max(actual, 0), 0), t.rule.Limit)
		if !found || left < best.Remaining {
			best = Status{Name: t.rule.Name, Limit: t.rule.Limit, Per: t.rule.Per, Remaining: left, Local: t.own}
			found = true
		}
	}
	return best, found
}

// Charge takes cost (at least 1: every request counts) from every bucket
// of p, or from none: when one is short, what was taken from the others
// goes back and Charge returns THROTTLED with the time until that bucket
// holds cost again. A limiter that fails refuses with UNAVAILABLE (never
// allow-all). A bucket whose whole burst is less than cost is charged its
// whole burst (the configuration keeps bursts above the price limit).
// A nil b charges nothing; the returned Charge is then nil, and Settle on
// it does nothing. With THROTTLED the returned Charge took nothing and
// only tells the refusing bucket's Status.
func (b *Budgets) Charge(ctx context.Context, p Payer, cost int) (*Charge, error) {
	if b == nil || b.Limiter == nil {
		return nil, nil
	}
	cost = max(cost, 1)
	c := &Charge{limiter: b.Limiter}
	for _, bk := range b.buckets(p) {
		n := min(cost, bk.rule.Limit)
		d, err := b.Limiter.AllowN(ctx, bk.rule, bk.key, n)
		if err == nil && d.Allowed {
			c.taken = append(c.taken, taken{bk.rule, bk.key, n, d.Remaining, d.Local})
			continue
		}
		c.Settle(context.WithoutCancel(ctx), 0)
		if err != nil {
			return nil, unavailable(err)
		}
		c.taken = nil
		c.short = &taken{rule: bk.rule, key: bk.key, left: d.Remaining, own: d.Local}
		retry := retryTime(d.RetryAfter)
		return c, &facestat.Error{Code: facestat.Throttled, RetryAfter: retry,
			Message: fmt.Sprintf("this request costs %d and your budget is short; try again in %d s", cost, int(retry.Seconds()))}
	}
	return c, nil
}

// Settle refunds what the request did not use: each bucket gets back what
// it was charged beyond actual. Refunds are best effort: one that fails
// leaves the request charged its full price, never less than it cost.
func (c *Charge) Settle(ctx context.Context, actual int) {
	if c == nil {
		return
	}
	for _, t := range c.taken {
		if back := t.n - max(actual, 0); back > 0 {
			c.limiter.Refund(ctx, t.rule, t.key, back)
		}
	}
}

// bucket is one budget that applies to a request: a rule and its key.
type bucket struct {
	rule Rule
	key  string
}

// buckets are the enabled budgets that apply to p, broadest first: the
// address, then the judge or account, then the API key.
func (b *Budgets) buckets(p Payer) []bucket {
	var out []bucket
	add := func(rule Rule, key string) {
		if key != "" && !rule.Disabled() {
			out = append(out, bucket{rule, key})
		}
	}
	add(b.IP, clientaddr.Group(p.IP))
	add(b.Session, p.Session)
	add(b.Account, p.Account)
	add(b.APIKey, p.APIKey)
	return out
}
