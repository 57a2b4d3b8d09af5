package inmem

import (
	"container/list"
	"context"
	"crypto/sha256"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/facestat/facestat/ratelimit"
)

// Eviction tuning: on each bucket creation up to sweepMax least recently used
// buckets that are full again are dropped (losslessly: a full bucket is
// identical to a new one); when still at capacity, up to scanMax buckets
// from the least recently used end are searched for a full one to replace
// before falling back to the least recently used bucket.
const (
	sweepMax = 4
	scanMax  = 16
)

// Limiter is an in-process ratelimit.Limiter: one token bucket per (rule
// name, key), kept in memory.
//
// Each bucket is kept as GCRA keeps it, like the Redis limiter: the
// theoretical arrival time (tat) of the next token, one emission interval
// (Per/Limit) per token taken. A bucket is full when its tat is not after
// now; taking n tokens moves tat n intervals later and is allowed while tat
// stays within Limit intervals of now; a refund moves it back, never before
// now. (golang.org/x/time/rate, used before, has no way to give tokens
// back.) Integer nanoseconds keep RetryAfter exact: waiting it out is
// enough, and a nanosecond less is not.
//
// Memory is bounded: at most the maxKeys given to NewLimiter buckets exist
// at any time. Buckets are dropped lazily when new ones are created (there
// is no background goroutine): first buckets that have refilled completely,
// which loses nothing; then, if still at capacity, the least recently used
// bucket, whose key then starts over with a full burst. So under a flood of
// distinct keys larger than maxKeys, limits on rarely used keys are
// enforced only approximately (in the permissive direction); size maxKeys
// above the number of keys expected to be active within one rule's Per.
//
// State is per process: several processes each enforce the rule on their
// own. A Limiter is safe for concurrent use by multiple goroutines.
type Limiter struct {
	// Now returns the current time. Nil means time.Now. Tests can replace it
	// to control time; set it before the first call to Allow and do not
	// change it afterwards. The clock may go backwards: buckets then simply
	// do not refill until it passes their last event again.
	Now func() time.Time

	mu      sync.Mutex
	maxKeys int
	buckets map[bucketID]*list.Element // values are *bucket
	lru     list.List                  // front: most recently used
}

var _ ratelimit.Limiter = (*Limiter)(nil)

type bucketID struct{ rule, key string }

// maxKey is the longest key a bucket is held under as it is. Keys come
// from clients (an e-mail address in the per-address sign-in rule): a
// longer one is held as '#' and its SHA-256, so that maxKeys buckets cannot
// hold gigabytes of keys (a key starting with '#' too, so that none poses
// as the hash of another).
const maxKey = 64

// idOf is the id of the bucket of (rule, key).
func idOf(rule, key string) bucketID {
	if len(key) > maxKey || strings.HasPrefix(key, "#") {
		sum := sha256.Sum256([]byte(key))
		key = "#" + string(sum[:])
	}
	return bucketID{rule, key}
}

type bucket struct {
	id       bucketID
	limit    int           // rule.Limit the bucket was configured with (= burst)
	interval time.Duration // the emission interval it was configured with
	tat      time.Time     // theoretical arrival time: full when not after now
}

// NewLimiter returns an empty Limiter holding at most maxKeys buckets, using
// time.Now as its clock. It panics if maxKeys < 1.
func NewLimiter(maxKeys int) *Limiter {
	if maxKeys < 1 {
		panic("inmem: NewLimiter: maxKeys < 1")
	}
	return &Limiter{maxKeys: maxKeys, buckets: make(map[bucketID]*list.Element)}
}

// Allow implements ratelimit.Limiter: AllowN for one token.
func (l *Limiter) Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error) {
	return l.AllowN(ctx, rule, key, 1)
}

// AllowN implements ratelimit.Limiter. It takes n tokens from the bucket of
// (rule.Name, key), creating the bucket full (Limit tokens) if absent, and
// refuses, taking nothing, when the bucket holds fewer than n; RetryAfter
// is then the time until it holds n again, about n×Per/Limit right after a
// burst. A rule with the same Name but a different Limit or Per than
// before is applied to the existing bucket from now on, keeping its tokens
// (capped to the new Limit). A disabled rule allows without touching any
// bucket. Errors: ctx.Err() if ctx is done; one wrapping
// ratelimit.ErrInvalidRule if rule.Validate fails, or
// ratelimit.ErrInvalidN if n is out of 1..rule.Limit.
func (l *Limiter) AllowN(ctx context.Context, rule ratelimit.Rule, key string, n int) (ratelimit.Decision, error) {
	if err := check(ctx, rule); err != nil {
		return ratelimit.Decision{}, err
	}
	if err := ratelimit.ValidN(rule, n); err != nil {
		return ratelimit.Decision{}, err
	}
	if rule.Disabled() {
		return ratelimit.Decision{Allowed: true}, nil
	}
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(idOf(rule.Name, key), rule, now)
	tat := later(b.tat, now).Add(time.Duration(n) * b.interval)
	if wait := tat.Sub(now) - b.burst(); wait > 0 {
		return ratelimit.Decision{RetryAfter: wait, Remaining: b.remaining(b.tat, now), Local: true}, nil
	}
	b.tat = tat
	return ratelimit.Decision{Allowed: true, Remaining: b.remaining(tat, now), Local: true}, nil
}

// Refund implements ratelimit.Limiter: it moves the bucket's tat n
// intervals back, never before now (a full bucket holds Limit tokens, no
// more). A bucket that is no longer held (evicted, or never made) is full
// already: nothing to give back.
func (l *Limiter) Refund(ctx context.Context, rule ratelimit.Rule, key string, n int) error {
	if err := check(ctx, rule); err != nil {
		return err
	}
	if rule.Disabled() || n <= 0 {
		return nil
	}
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.buckets[idOf(rule.Name, key)]
	if !ok {
		return nil
	}
	b := l.configured(e.Value.(*bucket), rule, now)
	b.tat = later(b.tat.Add(-time.Duration(n)*b.interval), now)
	return nil
}

// check returns why a call for rule cannot be counted: ctx is done, or
// rule is invalid.
func check(ctx context.Context, rule ratelimit.Rule) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return rule.Validate()
}

// Len returns the number of buckets currently held (at most maxKeys).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// bucket returns the bucket of id, configured for rule, creating it (full)
// if needed, and marks it most recently used. l.mu must be held.
func (l *Limiter) bucket(id bucketID, rule ratelimit.Rule, now time.Time) *bucket {
	if e, ok := l.buckets[id]; ok {
		l.lru.MoveToFront(e)
		return l.configured(e.Value.(*bucket), rule, now)
	}
	l.evict(now)
	b := &bucket{id: id, limit: rule.Limit, interval: interval(rule), tat: now}
	l.buckets[id] = l.lru.PushFront(b)
	return b
}

// configured returns b applying rule from now on: when rule's Limit or Per
// changed, the tokens b holds (capped to the new Limit) are kept.
func (l *Limiter) configured(b *bucket, rule ratelimit.Rule, now time.Time) *bucket {
	iv := interval(rule)
	if b.limit == rule.Limit && b.interval == iv {
		return b
	}
	missing := 0.0 // tokens taken and not yet refilled, under the old rule
	if b.tat.After(now) {
		missing = float64(b.tat.Sub(now)) / float64(b.interval)
	}
	held := min(float64(b.limit)-missing, float64(rule.Limit))
	b.limit, b.interval = rule.Limit, iv
	b.tat = now.Add(time.Duration(math.Ceil((float64(rule.Limit) - held) * float64(iv))))
	return b
}

// evict makes room for one more bucket. l.mu must be held.
func (l *Limiter) evict(now time.Time) {
	// Lossless sweep of full buckets at the least recently used end.
	for range sweepMax {
		e := l.lru.Back()
		if e == nil || !full(e.Value.(*bucket), now) {
			break
		}
		l.remove(e)
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	// Prefer replacing a full bucket among the least recently used ones.
	victim := l.lru.Back()
	for e, i := victim, 0; e != nil && i < scanMax; e, i = e.Prev(), i+1 {
		if full(e.Value.(*bucket), now) {
			victim = e
			break
		}
	}
	l.remove(victim)
}

func (l *Limiter) remove(e *list.Element) {
	delete(l.buckets, e.Value.(*bucket).id)
	l.lru.Remove(e)
}

// full reports whether b has refilled completely, so dropping it changes
// nothing.
func full(b *bucket, now time.Time) bool { return !b.tat.After(now) }

// burst is how far b's tat may run ahead of now: Limit intervals.
func (b *bucket) burst() time.Duration { return time.Duration(b.limit) * b.interval }

// remaining is how many whole tokens the bucket holds at now when its tat
// is tat.
func (b *bucket) remaining(tat, now time.Time) int {
	return max(int((b.burst()-later(tat, now).Sub(now))/b.interval), 0)
}

// interval is rule's emission interval, Per/Limit, at least a nanosecond.
func interval(rule ratelimit.Rule) time.Duration {
	return max(rule.Per/time.Duration(rule.Limit), 1)
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
