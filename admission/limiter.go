package admission

import (
	"math"
	"sync"
	"time"
)

// Adaptive is how a class's concurrency limit follows measured latency: a
// gradient limiter in the manner of Netflix's concurrency-limits
// (Gradient2), with a latency ceiling.
//
// Each window (at least MinSamples operations and Window of time) compares
// the window's mean latency (short) with a slow average of past windows
// (long, the latency the class has when it is not queueing; it follows a
// fall within a few windows and a rise only over about a hundred):
//
//	gradient = clamp(Tolerance × long / short, 0.5, 1)
//	new      = limit × gradient + √limit   (the √limit term only when the
//	                                        class used at least half its limit)
//	limit    = limit × 0.8 + new × 0.2     (smoothed)
//
// so the limit grows while latency stays near its baseline and shrinks as
// soon as requests start to queue inside the server (for CPU, connections,
// the vote batch). The ceiling: a window whose 90th percentile passes
// Target cuts the limit by a tenth at once, whatever the baseline, so that
// a slowly rising baseline cannot carry latency past what clients accept.
// The limit stays within [Min, Max].
type Adaptive struct {
	Min, Initial, Max int
	Target            time.Duration // 90th percentile ceiling; 0: none
	Window            time.Duration // shortest window
	MinSamples        int           // fewest operations in a window
	Tolerance         float64       // how far short may exceed long before the limit shrinks
}

// DefaultAdaptive returns the adaptive settings of a class whose limit may
// reach most (at least 1), with latency ceiling target: it starts at a
// quarter of most (but at least 16, or most) and never goes below an
// eighth (at least 4, or most).
// The floor matters: the latency of a vote is mostly its batch's commit
// and the machine's run queue, which fewer votes in flight do not shorten
// (fewer make smaller batches), so a ceiling the instance cannot meet
// must not starve the class; what the floor does not shed, admit-wait does.
func DefaultAdaptive(most int, target time.Duration) Adaptive {
	most = max(most, 1)
	floor := max(most/8, min(most, 4))
	return Adaptive{
		Min: floor, Initial: max(floor, min(most, max(most/4, 16))), Max: most, Target: target,
		Window: 100 * time.Millisecond, MinSamples: 20, Tolerance: 1.5,
	}
}

// limiterBounds are the latency buckets of a window, fine enough around
// the ceilings an operator would choose.
var limiterBounds = [...]time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	30 * time.Millisecond, 50 * time.Millisecond, 75 * time.Millisecond, 100 * time.Millisecond,
	125 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond,
	300 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second,
}

// bucketOf is the index of the bucket d falls in (the last holds what is
// beyond every bound).
func bucketOf(d time.Duration) int {
	i := 0
	for i < len(limiterBounds) && d > limiterBounds[i] {
		i++
	}
	return i
}

// bucketBound is bucket i's upper bound (twice the last bound for the
// last bucket).
func bucketBound(i int) time.Duration {
	if i < len(limiterBounds) {
		return limiterBounds[i]
	}
	return 2 * limiterBounds[len(limiterBounds)-1]
}

// limiter is one class's gate: requests in flight up to a limit (fixed, or
// adapted from latency), a FIFO of waiters for a freed slot, and the
// latency window.
type limiter struct {
	adaptive bool
	cfg      Adaptive
	now      func() time.Time

	mu       sync.Mutex
	limit    float64
	inFlight int
	waiters  []chan struct{} // FIFO; a waiter's channel is closed when it gets a slot

	// The window being measured.
	winStart time.Time
	winN     int
	winSum   time.Duration
	winHist  [len(limiterBounds) + 1]int
	winPeak  int  // most in flight at once
	winBusy  bool // a request waited or was refused
	long     float64
}

func newFixed(n int, now func() time.Time) *limiter {
	return &limiter{limit: float64(n), cfg: Adaptive{Min: n, Max: n}, now: now}
}

func newAdaptive(cfg Adaptive, now func() time.Time) *limiter {
	cfg.Max = max(cfg.Max, 1)
	cfg.Min = min(max(cfg.Min, 1), cfg.Max)
	cfg.Initial = min(max(cfg.Initial, cfg.Min), cfg.Max)
	if cfg.MinSamples <= 0 {
		cfg.MinSamples = 1
	}
	if cfg.Tolerance < 1 {
		cfg.Tolerance = 1
	}
	return &limiter{adaptive: true, cfg: cfg, limit: float64(cfg.Initial), now: now}
}

// Limit returns how many requests may be in flight now.
func (l *limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slots()
}

// waiting returns how many requests wait for a slot.
func (l *limiter) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiters)
}

func (l *limiter) slots() int { return max(int(l.limit), 1) }

// tryAcquire takes a slot if one is free and nobody waits for one. With
// wait true and none free, it queues the caller unless as many wait as
// the class's bound (Max: the admit-* setting; a fixed limit's own), and
// returns the channel that is closed when it gets a slot. How long one
// may wait (admit-wait) is what bounds the queue's delay.
func (l *limiter) tryAcquire(wait bool) (granted bool, ch chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight < l.slots() && len(l.waiters) == 0 {
		l.inFlight++
		l.winPeak = max(l.winPeak, l.inFlight)
		return true, nil
	}
	l.winBusy = true
	if !wait || len(l.waiters) >= l.cfg.Max {
		return false, nil
	}
	ch = make(chan struct{})
	l.waiters = append(l.waiters, ch)
	return false, ch
}

// abandon takes ch out of the queue; it reports false when ch got its slot
// meanwhile (the caller then holds it).
func (l *limiter) abandon(ch chan struct{}) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, w := range l.waiters {
		if w == ch {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// release gives a slot back after an operation that held it for d (d < 0:
// not measured), adapts the limit and hands free slots to waiters.
func (l *limiter) release(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	if l.adaptive && d >= 0 {
		l.observe(d)
	}
	l.grant()
}

// grant hands free slots to the waiters, first come first served.
func (l *limiter) grant() {
	for len(l.waiters) > 0 && l.inFlight < l.slots() {
		close(l.waiters[0])
		l.waiters = l.waiters[1:]
		l.inFlight++
		l.winPeak = max(l.winPeak, l.inFlight)
	}
}

// observe adds one latency to the window and, once the window is complete,
// adapts the limit.
func (l *limiter) observe(d time.Duration) {
	now := l.now()
	if l.winN == 0 {
		l.winStart = now
	}
	l.winN++
	l.winSum += d
	l.winHist[bucketOf(d)]++
	if l.winN < l.cfg.MinSamples || now.Sub(l.winStart) < l.cfg.Window {
		return
	}
	short := float64(l.winSum) / float64(l.winN)
	p90 := l.windowQuantile(0.9)
	demand := l.winBusy || float64(l.winPeak) >= l.limit/2
	l.winN, l.winSum, l.winHist, l.winPeak, l.winBusy = 0, 0, [len(limiterBounds) + 1]int{}, l.inFlight, false
	l.limit = l.next(short, p90, demand)
}

// next is the limit after a window of mean latency short, 90th percentile
// p90, in which the class used at least half its limit (demand) or not.
func (l *limiter) next(short float64, p90 time.Duration, demand bool) float64 {
	short = math.Max(short, 1)
	switch {
	case l.long == 0:
		l.long = short
	case short > l.long: // rises slowly (a time constant of about 100 windows): queueing is not a new baseline
		l.long = l.long*0.99 + short*0.01
	case l.long > 2*short: // fell far (a quieter period): follow it down quickly
		l.long = l.long*0.5 + short*0.5
	default:
		l.long = l.long*0.9 + short*0.1
	}
	gradient := math.Min(1, math.Max(0.5, l.cfg.Tolerance*l.long/short))
	next := l.limit * gradient
	if demand || gradient < 1 {
		if gradient == 1 {
			next += math.Sqrt(l.limit)
		}
		next = l.limit*0.8 + next*0.2
	} else {
		next = l.limit // idle: nothing learned about a higher limit
	}
	if l.cfg.Target > 0 && p90 > l.cfg.Target {
		next = math.Min(next, l.limit*0.9)
	}
	return math.Min(float64(l.cfg.Max), math.Max(float64(l.cfg.Min), next))
}

// windowQuantile is the upper bound of the latency bucket holding the q
// quantile of the window.
func (l *limiter) windowQuantile(q float64) time.Duration {
	rank := int(math.Ceil(q * float64(l.winN)))
	seen := 0
	for i, k := range l.winHist {
		if seen += k; seen >= rank {
			return bucketBound(i)
		}
	}
	return bucketBound(len(l.winHist) - 1)
}
