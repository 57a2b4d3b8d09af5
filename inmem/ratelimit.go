package inmem

import (
	"container/list"
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

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

// Limiter is an in-process ratelimit.Limiter: one token bucket (a
// golang.org/x/time/rate.Limiter) per (rule name, key), kept in memory.
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

type bucket struct {
	id    bucketID
	limit int           // rule.Limit the bucket was configured with (= burst)
	per   time.Duration // rule.Per the bucket was configured with
	lim   *rate.Limiter
}

// NewLimiter returns an empty Limiter holding at most maxKeys buckets, using
// time.Now as its clock. It panics if maxKeys < 1.
func NewLimiter(maxKeys int) *Limiter {
	if maxKeys < 1 {
		panic("inmem: NewLimiter: maxKeys < 1")
	}
	return &Limiter{maxKeys: maxKeys, buckets: make(map[bucketID]*list.Element)}
}

// Allow implements ratelimit.Limiter. It counts one event against the
// bucket of (rule.Name, key), creating the bucket full (Limit tokens) if
// absent, and refuses the event, without counting it, when the bucket holds
// less than one token; RetryAfter is then the time until it holds one
// again (rounded up to the nanosecond), about Per/Limit right after a
// burst. A rule with the same Name but a different Limit or Per than
// before is applied to the existing bucket from now on, keeping its tokens
// (capped to the new Limit). A disabled rule allows without touching any
// bucket. Errors: ctx.Err() if ctx is done; one wrapping
// ratelimit.ErrInvalidRule if rule.Validate fails.
func (l *Limiter) Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error) {
	if err := ctx.Err(); err != nil {
		return ratelimit.Decision{}, err
	}
	if err := rule.Validate(); err != nil {
		return ratelimit.Decision{}, err
	}
	if rule.Disabled() {
		return ratelimit.Decision{Allowed: true}, nil
	}
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(bucketID{rule.Name, key}, rule, now)
	if b.lim.AllowN(now, 1) {
		return ratelimit.Decision{Allowed: true}, nil
	}
	missing := 1 - b.lim.TokensAt(now)
	wait := math.Ceil(missing * float64(rule.Per) / float64(rule.Limit))
	retry := time.Duration(math.MaxInt64)
	if wait < math.MaxInt64 {
		retry = max(time.Duration(wait), 1)
	}
	return ratelimit.Decision{RetryAfter: retry}, nil
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

// bucket returns the bucket of id, configured for rule, creating it if
// needed, and marks it most recently used. l.mu must be held.
func (l *Limiter) bucket(id bucketID, rule ratelimit.Rule, now time.Time) *bucket {
	if e, ok := l.buckets[id]; ok {
		l.lru.MoveToFront(e)
		b := e.Value.(*bucket)
		if b.limit != rule.Limit || b.per != rule.Per {
			b.lim.SetLimitAt(now, every(rule))
			b.lim.SetBurstAt(now, rule.Limit)
			b.limit, b.per = rule.Limit, rule.Per
		}
		return b
	}
	l.evict(now)
	b := &bucket{id: id, limit: rule.Limit, per: rule.Per, lim: rate.NewLimiter(every(rule), rule.Limit)}
	l.buckets[id] = l.lru.PushFront(b)
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
func full(b *bucket, now time.Time) bool {
	return b.lim.TokensAt(now) >= float64(b.limit)
}

// every converts rule to a rate: Limit events per Per.
func every(rule ratelimit.Rule) rate.Limit {
	return rate.Limit(float64(rule.Limit) / rule.Per.Seconds())
}
