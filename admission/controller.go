package admission

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facestat/facestat"
)

// Signals are what the controller measures, each read once per tick.
// Any may be nil.
type Signals struct {
	// PoolWait returns the total time requests have waited for a database
	// connection since start (database/sql's DBStats.WaitDuration).
	PoolWait func() time.Duration
	// QueueFill returns how full the vote queue is, 0 to 1.
	QueueFill func() float64
	// Ping checks that the database answers.
	Ping func(context.Context) error
	// Forced returns the level an operator forced for every instance (the
	// shared setting), nil for automatic; an error keeps the last answer.
	Forced func(context.Context) (*Level, error)
}

// Thresholds say when a tick counts as under pressure, and how many ticks
// in a row move the level up or down.
type Thresholds struct {
	PoolWait  time.Duration // waited for connections per second of wall time
	Latency   time.Duration // 95th percentile of admitted GraphQL operations
	QueueFill float64       // vote queue fill
	Raise     int           // ticks under pressure before the level goes up one
	Lower     int           // calm ticks before the level goes down one
}

// DefaultThresholds: pressure when requests wait more than 100 ms per
// second for a database connection, when the 95th percentile of admitted
// operations passes 500 ms, when the vote queue is half full, or when a
// request was refused for lack of a slot. Two such ticks (2 s) raise the
// level; fifteen calm ones (15 s) lower it, so levels do not flap.
var DefaultThresholds = Thresholds{
	PoolWait: 100 * time.Millisecond, Latency: 500 * time.Millisecond, QueueFill: 0.5, Raise: 2, Lower: 15,
}

// Config makes a Controller.
type Config struct {
	Limits     Limits
	Signals    Signals
	Thresholds Thresholds
	// Forced is this instance's forced level (the flag), nil for automatic.
	// A level forced through the shared setting takes precedence.
	Forced *Level
	Log    *slog.Logger
	// Now is the clock the limiters measure latency with (time.Now when
	// nil; tests pass a synthetic one).
	Now func() time.Time
}

// Controller admits requests and chooses the degradation level.
type Controller struct {
	cfg   Config
	gates [numClasses]gate

	level     atomic.Int32 // the level in force
	auto      atomic.Int32 // the level the signals ask for
	forced    atomic.Int32 // -1: automatic
	shared    atomic.Int32 // the shared setting; -1: automatic
	dbDown    atomic.Bool
	latencies latencyWindow

	// Tick state, touched only by Tick.
	mu        sync.Mutex
	lastWait  time.Duration
	lastTick  time.Time
	lastRefus uint64
	hot, calm int
	pingFails int
	reason    string
}

// New returns a Controller; call Run to let it adapt its level.
func New(cfg Config) *Controller {
	if cfg.Thresholds == (Thresholds{}) {
		cfg.Thresholds = DefaultThresholds
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Controller{cfg: cfg}
	for i := range c.gates {
		switch n := cfg.Limits.InFlight[i]; {
		case n <= 0:
		case cfg.Limits.Target > 0 && adaptiveClass(Class(i)):
			a := DefaultAdaptive(n, cfg.Limits.Target)
			if Class(i) == Votes {
				// A vote's latency is mostly its batch's commit (the disk,
				// a synchronous replica), which fewer votes in flight do
				// not shorten: a ceiling the commit cannot meet would pin
				// the class at its floor, with smaller batches, exactly
				// during a spike. Votes follow the gradient alone.
				a.Target = 0
			}
			c.gates[i].lim = newAdaptive(a, cfg.Now)
		default:
			c.gates[i].lim = newFixed(n, cfg.Now)
		}
	}
	c.forced.Store(-1)
	c.shared.Store(-1)
	if cfg.Forced != nil {
		c.forced.Store(int32(*cfg.Forced))
	}
	c.update()
	return c
}

// Admit takes a slot of class for a request, waiting a little for one when
// all are taken. It returns the function that gives the slot back, or an
// UNAVAILABLE error (reason BUSY, or UPLOADS_PAUSED, or DATABASE_DOWN) with
// a retry time.
func (c *Controller) Admit(ctx context.Context, class Class) (release func(), err *facestat.Error) {
	if c.dbDown.Load() {
		c.gates[class].refused.Add(1)
		return nil, DatabaseDown()
	}
	if class == Uploads && c.Level() >= PauseUploads {
		c.gates[class].refused.Add(1)
		return nil, UploadsPaused()
	}
	release, ok := c.acquire(class, c.cfg.Limits.Wait, ctx.Done())
	if !ok {
		c.gates[class].refused.Add(1)
		return nil, Busy(class)
	}
	return release, nil
}

// acquire takes a slot of class, waiting at most wait for one; it reports
// whether it got one, and returns the function that gives it back (once)
// and tells the limiter how long it was held.
func (c *Controller) acquire(class Class, wait time.Duration, done <-chan struct{}) (release func(), ok bool) {
	g := &c.gates[class]
	if g.lim == nil {
		g.active.Add(1)
		return func() { g.active.Add(-1) }, true
	}
	granted, ch := g.lim.tryAcquire(wait > 0)
	if !granted {
		if ch == nil {
			return nil, false
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ch:
		case <-t.C:
			if g.lim.abandon(ch) {
				return nil, false
			}
		case <-done:
			if g.lim.abandon(ch) {
				return nil, false
			}
		}
	}
	g.active.Add(1)
	start := c.cfg.Now()
	return func() {
		g.active.Add(-1)
		g.lim.release(c.cfg.Now().Sub(start))
	}, true
}

// AdmitOpen is Admit for a class bounded by how many are open rather than
// by time (subscriptions): it takes a slot at once or refuses (UNAVAILABLE,
// BUSY or DATABASE_DOWN), never waiting, and the caller gives the slot back
// when the subscription ends. The slot is taken before the subscription
// registers anywhere, so a burst of subscribes never opens one more than
// the bound.
func (c *Controller) AdmitOpen(class Class) (release func(), err *facestat.Error) {
	g := &c.gates[class]
	if c.dbDown.Load() {
		g.refused.Add(1)
		return nil, DatabaseDown()
	}
	release, ok := c.acquire(class, 0, nil)
	if !ok {
		g.refused.Add(1)
		return nil, Busy(class)
	}
	return release, nil
}

// Observe records how long an admitted operation took (the latency signal).
func (c *Controller) Observe(d time.Duration) { c.latencies.add(d) }

// Level returns the degradation level in force.
func (c *Controller) Level() Level { return Level(c.level.Load()) }

// Forced returns the level an operator forced (the shared setting, else
// the flag), or nil when levels are automatic.
func (c *Controller) Forced() *Level {
	for _, v := range []int32{c.shared.Load(), c.forced.Load()} {
		if v >= 0 {
			l := Level(v)
			return &l
		}
	}
	return nil
}

// SetShared applies the shared operator setting at once (the instance that
// took the admin mutation need not wait for its next tick).
func (c *Controller) SetShared(l *Level) {
	v := int32(-1)
	if l != nil {
		v = int32(*l)
	}
	c.shared.Store(v)
	c.update()
}

// DatabaseDown reports whether the database failed its last health checks.
func (c *Controller) DatabaseDown() bool { return c.dbDown.Load() }

// Refused returns how many requests of class were refused since start.
func (c *Controller) Refused(class Class) uint64 { return c.gates[class].refused.Load() }

// Limit returns how many requests of class may be in flight now (its
// adaptive limit, or its fixed bound); 0 when the class is unbounded.
func (c *Controller) Limit(class Class) int {
	if l := c.gates[class].lim; l != nil {
		return l.Limit()
	}
	return 0
}

// InFlight returns how many requests of class hold a slot now.
func (c *Controller) InFlight(class Class) int64 { return c.gates[class].active.Load() }

// update recomputes the level in force from the override and the signals.
func (c *Controller) update() {
	l := Level(c.auto.Load())
	if f := c.Forced(); f != nil {
		l = *f
	}
	c.level.Store(int32(min(max(l, Normal), MaxLevel)))
}

// Run ticks every interval until ctx ends.
func (c *Controller) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.Tick(ctx, now)
		}
	}
}

// Tick reads the signals once and moves the automatic level: up one after
// Raise ticks in a row under pressure, down one after Lower calm ticks.
func (c *Controller) Tick(ctx context.Context, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, th := c.cfg.Signals, c.cfg.Thresholds
	wasDown := c.dbDown.Load()
	if s.Ping != nil {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := s.Ping(pctx)
		cancel()
		switch {
		case err == nil:
			if c.dbDown.Swap(false) {
				c.cfg.Log.Info("the database answers again")
			}
			c.pingFails = 0
		case ctx.Err() == nil:
			// Two failures in a row: one slow answer is not an outage.
			if c.pingFails++; c.pingFails >= 2 && !c.dbDown.Swap(true) {
				c.cfg.Log.Error("the database does not answer: refusing requests that need it", "err", err)
			}
		}
	}
	if s.Forced != nil && !c.dbDown.Load() {
		if l, err := s.Forced(ctx); err == nil {
			v := int32(-1)
			if l != nil {
				v = int32(*l)
			}
			c.shared.Store(v)
		}
	}

	var why string
	elapsed := now.Sub(c.lastTick)
	if s.PoolWait != nil {
		w := s.PoolWait()
		if !c.lastTick.IsZero() && elapsed > 0 {
			rate := time.Duration(float64(w-c.lastWait) / elapsed.Seconds())
			if rate > th.PoolWait {
				why = "database pool wait " + rate.Round(time.Millisecond).String() + "/s"
			}
		}
		c.lastWait = w
	}
	if p95, n := c.latencies.takeP95(); n >= 20 && p95 > th.Latency {
		why = "p95 latency " + p95.Round(time.Millisecond).String()
	}
	if s.QueueFill != nil && s.QueueFill() >= th.QueueFill {
		why = "vote queue over half full"
	}
	var refused uint64
	for i := range c.gates {
		if Class(i) != Uploads { // refusals caused by the pause itself are no signal
			refused += c.gates[i].refused.Load()
		}
	}
	// Refusals while the database was down say nothing about load.
	if refused > c.lastRefus && !wasDown && !c.dbDown.Load() {
		why = "requests refused for lack of a slot"
	}
	c.lastRefus = refused
	c.lastTick = now

	auto := Level(c.auto.Load())
	if why != "" {
		c.calm = 0
		if c.hot++; c.hot >= th.Raise && auto < MaxLevel {
			c.hot = 0
			auto++
			c.cfg.Log.Warn("degrading service", "level", auto.String(), "signal", why)
		}
		c.reason = why
	} else {
		c.hot = 0
		if c.calm++; c.calm >= th.Lower && auto > Normal {
			c.calm = 0
			auto--
			c.cfg.Log.Info("recovering service", "level", auto.String())
		}
	}
	c.auto.Store(int32(auto))
	c.update()
}

// Reason returns the last signal that counted as pressure ("" when none has).
func (c *Controller) Reason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// latencyWindow collects operation durations between ticks in coarse
// buckets, lock-free, for a 95th percentile.
type latencyWindow struct {
	buckets [len(latencyBounds) + 1]atomic.Uint64
}

var latencyBounds = [...]time.Duration{
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2500 * time.Millisecond, 5 * time.Second,
}

func (w *latencyWindow) add(d time.Duration) {
	i := 0
	for i < len(latencyBounds) && d > latencyBounds[i] {
		i++
	}
	w.buckets[i].Add(1)
}

// takeP95 returns the upper bound of the bucket holding the 95th
// percentile (one past the last bound when it is beyond them) and how many
// durations were counted, and empties the window.
func (w *latencyWindow) takeP95() (time.Duration, uint64) {
	var counts [len(latencyBounds) + 1]uint64
	var n uint64
	for i := range w.buckets {
		counts[i] = w.buckets[i].Swap(0)
		n += counts[i]
	}
	if n == 0 {
		return 0, 0
	}
	rank := (n*95 + 99) / 100
	var seen uint64
	for i, k := range counts {
		if seen += k; seen >= rank {
			if i < len(latencyBounds) {
				return latencyBounds[i], n
			}
			return 2 * latencyBounds[len(latencyBounds)-1], n
		}
	}
	return 0, n
}
