package admission

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestAdmitOpenIsExactUnderABurst: 500 subscribes at once against a bound
// of 100 open exactly 100, and a released slot can be taken again.
func TestAdmitOpenIsExactUnderABurst(t *testing.T) {
	var l Limits
	l.InFlight[Subscriptions] = 100
	c := New(Config{Limits: l})
	var admitted, refused atomic.Int64
	var mu sync.Mutex
	var releases []func()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rel, err := c.AdmitOpen(Subscriptions)
			if err != nil {
				refused.Add(1)
				return
			}
			admitted.Add(1)
			mu.Lock()
			releases = append(releases, rel)
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if admitted.Load() != 100 || refused.Load() != 400 || c.Refused(Subscriptions) != 400 {
		t.Fatalf("admitted %d, refused %d (counted %d); want 100 and 400", admitted.Load(), refused.Load(), c.Refused(Subscriptions))
	}
	if n := c.InFlight(Subscriptions); n != 100 {
		t.Fatalf("in flight %d, want 100", n)
	}
	releases[0]()
	rel, err := c.AdmitOpen(Subscriptions)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	rel()
}

func TestPerKey(t *testing.T) {
	p := NewPerKey(2)
	a1, ok1 := p.Acquire("a")
	_, ok2 := p.Acquire("a")
	if _, ok := p.Acquire("a"); !ok1 || !ok2 || ok {
		t.Fatalf("three for one key under a bound of two: %v %v %v", ok1, ok2, ok)
	}
	if _, ok := p.Acquire("b"); !ok {
		t.Fatal("another key was refused")
	}
	a1()
	a1() // a second call gives nothing back twice
	if p.Held("a") != 1 {
		t.Fatalf("held %d after one release, want 1", p.Held("a"))
	}
	if _, ok := p.Acquire("a"); !ok {
		t.Fatal("refused after a release")
	}
	if _, ok := p.Acquire("a"); ok {
		t.Fatal("a double release gave back two places")
	}
}
