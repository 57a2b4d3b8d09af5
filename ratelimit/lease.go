package ratelimit

import (
	"cmp"
	"context"
	"sync"
	"time"
)

// Leasing is a Limiter that takes tokens from Limiter a lease at a time
// (issue 16): the first charge of a bucket takes a lease of Share of the
// rule's limit at once, and the charges and refunds that follow are
// counted in process against what is left of it, with no round trip,
// until it runs out or expires (TTL). So a budget shared through Redis
// costs a round trip per lease, not two per request.
//
// Budgets stay correct across instances: every token spent was taken from
// the shared bucket first, so no client gets more than its budget (and
// its refunds). The error is the other way, and bounded: tokens an
// instance leased and has not spent are missing from the shared bucket
// until its lease is given back (when it expires and the bucket is charged
// again here) or the bucket refills, so a client may be refused at most
// one lease per instance early (also in a burst: one request at a time
// renews an instance's lease, the others wait and spend from it). A
// charge a lease cannot cover whole, or larger than a lease, goes to
// Limiter as it is; a bucket too short for a whole lease is charged
// exactly. Remaining is approximate: what the
// bucket held when the lease was taken and what is left of the lease.
type Leasing struct {
	Limiter Limiter
	// Share is the lease's size as a fraction of the rule's limit (e.g.
	// 0.01); rules whose lease would be under 2 tokens are not leased.
	Share float64
	// TTL is how long a lease may be spent from (0: 1 s).
	TTL time.Duration
	// Max bounds the leases kept (0: maxLeases); see makeRoom.
	Max int

	mu       sync.Mutex
	leases   map[leaseKey]*lease
	renewing map[leaseKey]chan struct{} // closed when the renewal ends
}

var _ Limiter = (*Leasing)(nil)

type leaseKey struct{ rule, key string }

type lease struct {
	tokens  int       // left to spend
	left    int       // what the bucket held when it was taken
	local   bool      // Decision.Local of the lease
	expires time.Time // spent from until then
	// short: the bucket held less than a lease when it was asked for one;
	// until expires, requests are charged exactly, each on its own (none
	// waits for a renewal that would be refused again).
	short bool
}

// maxLeases is the default bound of the leases kept (Leasing.Max).
const maxLeases = 100_000

func (l *Leasing) size(rule Rule) int {
	return int(float64(rule.Limit) * l.Share)
}

func (l *Leasing) ttl() time.Duration {
	if l.TTL <= 0 {
		return time.Second
	}
	return l.TTL
}

// Allow implements Limiter.
func (l *Leasing) Allow(ctx context.Context, rule Rule, key string) (Decision, error) {
	return l.AllowN(ctx, rule, key, 1)
}

// AllowN implements Limiter. One request at a time renews a bucket's
// lease in an instance; the others wait for it and then spend from what
// it brought (a burst of requests renewing at once would each take a
// lease, and leave the bucket short while their tokens sat unspent).
func (l *Leasing) AllowN(ctx context.Context, rule Rule, key string, n int) (Decision, error) {
	size := l.size(rule)
	if size < 2 || n > size || rule.Disabled() || rule.Validate() != nil || ValidN(rule, n) != nil {
		return l.Limiter.AllowN(ctx, rule, key, n)
	}
	k := leaseKey{rule.Name, key}
	for {
		now := time.Now()
		l.mu.Lock()
		ls := l.leases[k]
		if ls != nil && now.Before(ls.expires) && ls.short {
			l.mu.Unlock()
			return l.Limiter.AllowN(ctx, rule, key, n)
		}
		if ls != nil && now.Before(ls.expires) && ls.tokens >= n {
			ls.tokens -= n
			d := Decision{Allowed: true, Remaining: ls.left + ls.tokens, Local: ls.local}
			l.mu.Unlock()
			return d, nil
		}
		wait := l.renewing[k]
		if wait == nil {
			break // l.mu held: this request renews
		}
		l.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return Decision{}, ctx.Err()
		}
	}
	done := make(chan struct{})
	if l.renewing == nil {
		l.renewing = map[leaseKey]chan struct{}{}
	}
	l.renewing[k] = done
	// The waiters go on once the renewal has ended, however it ends (a
	// panic in the limiter too).
	release := sync.OnceFunc(func() {
		l.mu.Lock()
		delete(l.renewing, k)
		l.mu.Unlock()
		close(done)
	})
	defer release()
	// Expired, or too short for n: what is left goes back with the next
	// lease's charge (RenewN: one round trip on Redis, not two).
	var back int
	if ls := l.leases[k]; ls != nil && !ls.short {
		back = ls.tokens
	}
	delete(l.leases, k)
	l.mu.Unlock()
	d, err := RenewN(ctx, l.Limiter, rule, key, back, size)
	if err == nil {
		now := time.Now()
		l.mu.Lock()
		if l.leases == nil {
			l.leases = map[leaseKey]*lease{}
		}
		l.makeRoom(now)
		if d.Allowed {
			l.leases[k] = &lease{tokens: size - n, left: d.Remaining, local: d.Local, expires: now.Add(l.ttl())}
		} else {
			// Until the bucket holds a lease again, or the lease's time.
			l.leases[k] = &lease{short: true, expires: now.Add(min(max(d.RetryAfter, time.Millisecond), l.ttl()))}
		}
		l.mu.Unlock()
	}
	release()
	switch {
	case err != nil:
		return d, err
	case !d.Allowed: // short of a whole lease: charged exactly
		return l.Limiter.AllowN(ctx, rule, key, n)
	}
	return Decision{Allowed: true, Remaining: d.Remaining + size - n, Local: d.Local}, nil
}

// makeRoom, with l.mu held, keeps the leases under Max before one more
// is kept: at Max, the expired ones go, and then live ones (in the map's
// order) until a sixteenth of Max is free, so that the walk over them is
// made once in Max/16 new leases however long the TTL, not on every new
// lease once Max are live. A live lease dropped is lost to its bucket
// until the bucket refills, as when an instance stops: its client may be
// refused that lease early, never allowed more.
func (l *Leasing) makeRoom(now time.Time) {
	limit := cmp.Or(l.Max, maxLeases)
	if len(l.leases) < limit {
		return
	}
	for k, ls := range l.leases {
		if !now.Before(ls.expires) {
			delete(l.leases, k)
		}
	}
	keep := limit - max(limit/16, 1)
	for k := range l.leases {
		if len(l.leases) <= keep {
			break
		}
		delete(l.leases, k)
	}
}

// Refund implements Limiter: into the bucket's lease while it runs, else
// (also while the bucket is short of a lease) to Limiter.
func (l *Leasing) Refund(ctx context.Context, rule Rule, key string, n int) error {
	if n <= 0 {
		return nil
	}
	if size := l.size(rule); size >= 2 && n <= size {
		l.mu.Lock()
		if ls := l.leases[leaseKey{rule.Name, key}]; ls != nil && !ls.short && time.Now().Before(ls.expires) {
			ls.tokens += n
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
	}
	return l.Limiter.Refund(ctx, rule, key, n)
}
