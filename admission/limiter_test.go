package admission

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/facestat/facestat"
)

// clock is a synthetic time the limiters read.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// window runs one measuring window on l: it fills every slot (demand
// beyond the limit), lets time pass and releases each after latency.
func window(l *limiter, c *clock, latency time.Duration) {
	n := 0
	for {
		granted, _ := l.tryAcquire(false)
		if !granted {
			break
		}
		n++
	}
	for n < l.cfg.MinSamples { // a small limit: more rounds until the window is full
		for range n {
			l.release(latency)
			l.tryAcquire(false)
		}
		n += n
	}
	c.advance(max(latency, l.cfg.Window))
	for range l.inFlight {
		l.release(latency)
	}
}

func testAdaptive(c *clock, target time.Duration) *limiter {
	return newAdaptive(DefaultAdaptive(256, target), c.now)
}

func TestLimitGrowsWhileLatencyHolds(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	l := testAdaptive(c, 150*time.Millisecond)
	if got := l.Limit(); got != 64 {
		t.Fatalf("initial limit %d, want a quarter of 256", got)
	}
	prev := l.Limit()
	for range 200 {
		window(l, c, 10*time.Millisecond)
		if l.Limit() < prev {
			t.Fatalf("limit fell from %d to %d at a steady latency", prev, l.Limit())
		}
		prev = l.Limit()
	}
	if got := l.Limit(); got != 256 {
		t.Fatalf("limit %d after 200 windows at a steady latency, want the bound 256", got)
	}
}

func TestLimitShrinksWhenRequestsQueue(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	l := testAdaptive(c, time.Second)
	for range 100 {
		window(l, c, 10*time.Millisecond)
	}
	high := l.Limit()
	// Latency four times the baseline: requests queue inside the server.
	for range 10 {
		window(l, c, 40*time.Millisecond)
	}
	if got := l.Limit(); got >= high*3/4 {
		t.Fatalf("limit %d after 10 windows at 4x the baseline latency, from %d: want it well down", got, high)
	}
	for range 20 {
		window(l, c, 40*time.Millisecond)
	}
	if got := l.Limit(); got > high/8 {
		t.Fatalf("limit %d after 30 windows of queueing, from %d: want an eighth or less", got, high)
	}
	// Back to the baseline: the limit grows again.
	low := l.Limit()
	for range 20 {
		window(l, c, 10*time.Millisecond)
	}
	if got := l.Limit(); got <= low {
		t.Fatalf("limit %d after the queue drained, from %d: want it growing", got, low)
	}
}

func TestLimitCeiling(t *testing.T) {
	// Slow from the first window: the baseline is slow too, so only the
	// ceiling can tell. Every window over it takes a tenth off.
	c := &clock{t: time.Unix(1e9, 0)}
	l := testAdaptive(c, 150*time.Millisecond)
	for range 5 {
		window(l, c, 10*time.Millisecond)
	}
	before := l.Limit()
	window(l, c, 400*time.Millisecond) // the first window still holds fast ones
	window(l, c, 400*time.Millisecond)
	if got := l.Limit(); got > before*9/10 {
		t.Fatalf("a window over the ceiling: limit %d from %d, want at most 90%%", got, before)
	}
	for range 40 {
		window(l, c, 400*time.Millisecond)
	}
	if got := l.Limit(); got != 32 {
		t.Fatalf("limit %d after 40 windows over the ceiling, want the floor 32 (an eighth of 256)", got)
	}
	// No ceiling: a steady slow latency is just the baseline.
	l = testAdaptive(c, 0)
	for range 40 {
		window(l, c, 400*time.Millisecond)
	}
	if got := l.Limit(); got <= 64 {
		t.Fatalf("no ceiling, steady latency: limit %d, want grown past 64", got)
	}
}

func TestLimitIdleDoesNotGrow(t *testing.T) {
	// A class that uses a few of its slots learns nothing about more.
	c := &clock{t: time.Unix(1e9, 0)}
	l := testAdaptive(c, 150*time.Millisecond)
	for range 100 {
		for range 25 {
			l.tryAcquire(false)
			c.advance(5 * time.Millisecond)
			l.release(5 * time.Millisecond)
		}
	}
	if got := l.Limit(); got != 64 {
		t.Fatalf("limit %d after idle windows, want 64", got)
	}
}

// TestOverloadShedsCleanly drives a limiter with a synthetic server: 8
// requests at once run at full speed (10 ms each), more share the server
// (each takes 10 ms × in flight / 8), and demand is far beyond what it
// can serve. The limit must settle where throughput is full and the 90th
// percentile of admitted requests is at the ceiling, shedding the rest.
func TestOverloadShedsCleanly(t *testing.T) {
	const (
		parallel = 8
		service  = 10 * time.Millisecond
		target   = 150 * time.Millisecond
	)
	c := &clock{t: time.Unix(1e9, 0)}
	l := testAdaptive(c, target)
	latency := func(n int) time.Duration { return service * time.Duration(max(n, parallel)) / parallel }
	var lats []time.Duration
	var served, refused int
	var busy time.Duration
	for round := range 2000 {
		// Every round, 400 new requests arrive; what finds no slot is shed.
		n := 0
		for range 400 {
			if ok, _ := l.tryAcquire(false); ok {
				n++
			} else {
				refused++
			}
		}
		d := latency(n)
		c.advance(d)
		busy += d
		for range n {
			l.release(d)
		}
		if round >= 1000 { // settled
			served += n
			lats = append(lats, slices.Repeat([]time.Duration{d}, n)...)
		}
	}
	slices.Sort(lats)
	p90 := lats[len(lats)*9/10]
	t.Logf("settled: limit %d, p90 %v, served %d, shed %d", l.Limit(), p90, served, refused)
	// The limit grows by a step between windows, so a window may pass the
	// ceiling by a step's worth before the cut: a tenth at most.
	if p90 > target*11/10 {
		t.Errorf("p90 of admitted requests %v, over the ceiling %v by more than a tenth (limit %d)", p90, target, l.Limit())
	}
	if refused == 0 {
		t.Error("nothing shed under a demand of 400 at once")
	}
	if l.Limit() < parallel {
		t.Errorf("limit %d below the server's %d at once: throughput lost", l.Limit(), parallel)
	}
}

func TestControllerAdaptsAndRefuses(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	var lim Limits
	lim.InFlight[Votes], lim.InFlight[Reads], lim.InFlight[Uploads], lim.InFlight[Subscriptions] = 256, 256, 8, 100
	lim.Target = 150 * time.Millisecond
	ctrl := New(Config{Limits: lim, Now: c.now})
	if got := ctrl.Limit(Reads); got != 64 {
		t.Fatalf("reads limit %d, want the initial 64", got)
	}
	if got := ctrl.Limit(Uploads); got != 8 {
		t.Fatalf("uploads limit %d, want its fixed 8", got)
	}
	if got := ctrl.Limit(SignIns); got != 0 {
		t.Fatalf("unbounded sign-ins: limit %d", got)
	}
	ctx := context.Background()
	// slowWindows runs 30 windows of class whose every operation takes
	// a second: all of them over the ceiling, none queueing.
	slowWindows := func(class Class) {
		for range 30 {
			var rels []func()
			for {
				rel, err := ctrl.Admit(ctx, class)
				if err != nil {
					if err.Code != facestat.Unavailable || err.Reason != facestat.ReasonBusy || err.RetryAfter <= 0 {
						t.Fatalf("refusal: %+v, want UNAVAILABLE BUSY with a retry time", err)
					}
					break
				}
				rels = append(rels, rel)
			}
			if len(rels) != ctrl.Limit(class) {
				t.Fatalf("admitted %d, limit %d", len(rels), ctrl.Limit(class))
			}
			for len(rels) < 20 { // a full window even at a small limit
				rels[0]()
				rels[0], _ = ctrl.Admit(ctx, class)
				rels = append(rels, func() {})
			}
			c.advance(time.Second)
			for _, rel := range rels {
				rel()
			}
		}
	}
	// Slow reads: every window over the ceiling lowers the limit.
	slowWindows(Reads)
	if got := ctrl.Limit(Reads); got != 32 {
		t.Fatalf("reads limit %d after slow windows, want the floor 32", got)
	}
	if ctrl.Refused(Reads) == 0 || ctrl.InFlight(Reads) != 0 {
		t.Fatalf("refused %d, in flight %d", ctrl.Refused(Reads), ctrl.InFlight(Reads))
	}
	// Votes as slow: their latency is the commit's, which a lower limit
	// does not shorten, so the ceiling does not apply; steady latency is
	// their baseline and the limit does not fall.
	initial := ctrl.Limit(Votes)
	slowWindows(Votes)
	if got := ctrl.Limit(Votes); got < initial {
		t.Fatalf("votes limit %d after steady slow windows, want at least the initial %d", got, initial)
	}
}
