package admission

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat"
)

func limits(reads int, wait time.Duration) Limits {
	var l Limits
	l.InFlight[Reads] = reads
	l.InFlight[Uploads] = 4
	l.Wait = wait
	return l
}

func TestAdmitBoundsEachClass(t *testing.T) {
	c := New(Config{Limits: limits(3, 0)})
	ctx := context.Background()
	var releases []func()
	for range 3 {
		rel, err := c.Admit(ctx, Reads)
		if err != nil {
			t.Fatalf("admit within the limit: %v", err)
		}
		releases = append(releases, rel)
	}
	if _, err := c.Admit(ctx, Reads); err == nil || err.Code != facestat.Unavailable || err.Reason != facestat.ReasonBusy || err.RetryAfter <= 0 {
		t.Fatalf("fourth read: %+v, want UNAVAILABLE BUSY with a retry time", err)
	}
	if got := c.Refused(Reads); got != 1 {
		t.Errorf("refused reads = %d, want 1", got)
	}
	// Another class has its own slots; an unbounded class never refuses.
	if rel, err := c.Admit(ctx, Uploads); err != nil {
		t.Errorf("an upload while reads are full: %v", err)
	} else {
		rel()
	}
	for range 100 {
		rel, err := c.Admit(ctx, Votes)
		if err != nil {
			t.Fatalf("unbounded class refused: %v", err)
		}
		defer rel()
	}
	if got := c.InFlight(Reads); got != 3 {
		t.Errorf("in flight = %d, want 3", got)
	}
	releases[0]()
	if rel, err := c.Admit(ctx, Reads); err != nil {
		t.Errorf("after a release: %v", err)
	} else {
		rel()
	}
}

func TestAdmitWaitsBrieflyForASlot(t *testing.T) {
	c := New(Config{Limits: limits(1, 5*time.Second)})
	ctx := context.Background()
	rel, err := c.Admit(ctx, Reads)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *facestat.Error, 1)
	go func() {
		r, err := c.Admit(ctx, Reads)
		if err == nil {
			r()
		}
		got <- err
	}()
	// The waiter is admitted by the release, long before its 5 s wait ends.
	time.Sleep(20 * time.Millisecond)
	rel()
	if err := <-got; err != nil {
		t.Fatalf("waiter refused after a release: %v", err)
	}

	// A waiter whose request ends gives up at once.
	rel, _ = c.Admit(ctx, Reads)
	defer rel()
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := c.Admit(cctx, Reads); err == nil {
		t.Fatal("admitted while the slot is held")
	}
}

func TestAdmitBoundsWaiters(t *testing.T) {
	c := New(Config{Limits: limits(2, time.Hour)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		if _, err := c.Admit(ctx, Reads); err != nil {
			t.Fatal(err)
		}
	}
	// Two may wait (as many as the limit); the third is refused at once.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { c.Admit(ctx, Reads) })
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.gates[Reads].lim.waiting() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, err := c.Admit(ctx, Reads); err == nil || err.Reason != facestat.ReasonBusy {
		t.Fatalf("third waiter: %v, want BUSY", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("third waiter refused after %v, want at once", d)
	}
	cancel()
	wg.Wait()
}

// ticker drives Tick with a synthetic clock, one second per tick.
type ticker struct {
	c   *Controller
	now time.Time
}

func (k *ticker) tick(n int) {
	for range n {
		k.now = k.now.Add(time.Second)
		k.c.Tick(context.Background(), k.now)
	}
}

func TestLevelsFollowSignalsWithHysteresis(t *testing.T) {
	var fill atomic.Value
	fill.Store(0.0)
	var wait atomic.Int64
	c := New(Config{Limits: limits(10, 0), Signals: Signals{
		QueueFill: func() float64 { return fill.Load().(float64) },
		PoolWait:  func() time.Duration { return time.Duration(wait.Load()) },
	}})
	k := &ticker{c: c, now: time.Unix(1e9, 0)}
	k.tick(5)
	if c.Level() != Normal {
		t.Fatalf("calm: level %v", c.Level())
	}
	fill.Store(0.9)
	k.tick(1)
	if c.Level() != Normal {
		t.Fatalf("one hot tick moved the level to %v", c.Level())
	}
	k.tick(1)
	if c.Level() != StaleExtras {
		t.Fatalf("after 2 hot ticks: %v, want stale-extras", c.Level())
	}
	k.tick(2)
	if c.Level() != PauseUploads {
		t.Fatalf("after 4 hot ticks: %v, want pause-uploads", c.Level())
	}
	if _, err := c.Admit(context.Background(), Uploads); err == nil || err.Reason != facestat.ReasonUploadsPaused {
		t.Fatalf("upload at pause-uploads: %v", err)
	}
	if rel, err := c.Admit(context.Background(), Votes); err != nil {
		t.Fatalf("a vote at pause-uploads: %v", err)
	} else {
		rel()
	}
	k.tick(10)
	if c.Level() != MaxLevel {
		t.Fatalf("went past the top level: %v", c.Level())
	}

	// Pool waits alone are pressure too.
	fill.Store(0.0)
	k.tick(14)
	if c.Level() != PauseUploads {
		t.Fatalf("recovered before 15 calm ticks: %v", c.Level())
	}
	k.tick(1)
	if c.Level() != StaleExtras {
		t.Fatalf("after 15 calm ticks: %v, want stale-extras", c.Level())
	}
	for range 3 { // 300 ms waited per second
		wait.Add(int64(300 * time.Millisecond))
		k.tick(1)
	}
	if c.Level() != PauseUploads {
		t.Fatalf("pool waits did not raise the level: %v", c.Level())
	}
	k.tick(30)
	if c.Level() != Normal {
		t.Fatalf("after 30 calm ticks: %v, want normal", c.Level())
	}
}

func TestLatencySignal(t *testing.T) {
	c := New(Config{})
	k := &ticker{c: c, now: time.Unix(1e9, 0)}
	for range 2 {
		for range 100 {
			c.Observe(2 * time.Second)
		}
		k.tick(1)
	}
	if c.Level() != StaleExtras {
		t.Fatalf("slow operations: level %v", c.Level())
	}
	// Fast operations, and too few slow ones to count, are calm.
	c2 := New(Config{})
	k2 := &ticker{c: c2, now: time.Unix(1e9, 0)}
	for range 4 {
		for range 100 {
			c2.Observe(3 * time.Millisecond)
		}
		for range 4 {
			c2.Observe(3 * time.Second)
		}
		k2.tick(1)
	}
	if c2.Level() != Normal {
		t.Fatalf("fast operations: level %v", c2.Level())
	}
}

func TestRefusalsArePressure(t *testing.T) {
	c := New(Config{Limits: limits(1, 0)})
	k := &ticker{c: c, now: time.Unix(1e9, 0)}
	rel, _ := c.Admit(context.Background(), Reads)
	defer rel()
	for range 2 {
		c.Admit(context.Background(), Reads)
		k.tick(1)
	}
	if c.Level() != StaleExtras {
		t.Fatalf("refusals: level %v", c.Level())
	}
}

func TestOperatorOverride(t *testing.T) {
	flag := PauseUploads
	var shared atomic.Pointer[Level]
	c := New(Config{Forced: &flag, Signals: Signals{
		Forced: func(context.Context) (*Level, error) { return shared.Load(), nil },
	}})
	if c.Level() != PauseUploads || c.Forced() == nil {
		t.Fatalf("forced by flag: %v", c.Level())
	}
	k := &ticker{c: c, now: time.Unix(1e9, 0)}
	k.tick(20)
	if c.Level() != PauseUploads {
		t.Fatalf("calm ticks undid the flag: %v", c.Level())
	}
	// The shared setting wins over the flag, on the next tick everywhere
	// and at once where it was set.
	normal := Normal
	shared.Store(&normal)
	k.tick(1)
	if c.Level() != Normal {
		t.Fatalf("shared setting normal: %v", c.Level())
	}
	stale := StaleExtras
	c.SetShared(&stale)
	if c.Level() != StaleExtras {
		t.Fatalf("SetShared: %v", c.Level())
	}
	// Back to automatic: the flag applies again.
	shared.Store(nil)
	k.tick(1)
	if c.Level() != PauseUploads {
		t.Fatalf("shared auto: %v, want the flag's level", c.Level())
	}
}

func TestDatabaseDown(t *testing.T) {
	var down atomic.Bool
	c := New(Config{Signals: Signals{Ping: func(context.Context) error {
		if down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}}})
	k := &ticker{c: c, now: time.Unix(1e9, 0)}
	k.tick(1)
	down.Store(true)
	k.tick(1)
	if c.DatabaseDown() {
		t.Fatal("down after one failed ping")
	}
	k.tick(1)
	if !c.DatabaseDown() {
		t.Fatal("not down after two failed pings")
	}
	if _, err := c.Admit(context.Background(), Votes); err == nil || err.Reason != facestat.ReasonDatabaseDown {
		t.Fatalf("admit while down: %v", err)
	}
	if _, err := c.AdmitOpen(Subscriptions); err == nil {
		t.Fatal("subscription admitted while down")
	}
	down.Store(false)
	k.tick(1)
	if c.DatabaseDown() {
		t.Fatal("still down after a good ping")
	}
	if c.Level() != Normal {
		t.Fatalf("refusals while down raised the level to %v", c.Level())
	}
}

func TestParseForced(t *testing.T) {
	for in, want := range map[string]int{"auto": -1, "": -1, "normal": 0, "1": 1, "pause-uploads": 2, "Stale-Extras": 1} {
		l, err := ParseForced(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		got := -1
		if l != nil {
			got = int(*l)
		}
		if got != want {
			t.Errorf("%q = %d, want %d", in, got, want)
		}
	}
	for _, in := range []string{"3", "off", "-1"} {
		if _, err := ParseForced(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
