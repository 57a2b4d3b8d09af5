package photos

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestAgainDropsRunOnceNoLaterThanClose: a second drop runs after its
// delay, once; one still waiting at Close runs at Close, once (while the
// cache is there); none is scheduled after Close.
func TestAgainDropsRunOnceNoLaterThanClose(t *testing.T) {
	var a againDrops
	var soon, late, after atomic.Int32
	a.schedule(10*time.Millisecond, func() { soon.Add(1) })
	a.schedule(time.Hour, func() { late.Add(1) })
	deadline := time.Now().Add(10 * time.Second)
	for soon.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a drop due in 10 ms did not run")
		}
		time.Sleep(5 * time.Millisecond) // polling, with the deadline above
	}
	if late.Load() != 0 {
		t.Fatal("a drop due in an hour ran before Close")
	}
	a.close()
	if soon.Load() != 1 || late.Load() != 1 {
		t.Fatalf("after Close: the due drop ran %d times, the waiting one %d; want 1 and 1", soon.Load(), late.Load())
	}
	a.schedule(time.Millisecond, func() { after.Add(1) })
	time.Sleep(50 * time.Millisecond)
	a.close()
	if after.Load() != 0 || soon.Load() != 1 || late.Load() != 1 {
		t.Fatalf("after Close: a drop scheduled later ran %d times; the others %d and %d; want 0, 1, 1", after.Load(), soon.Load(), late.Load())
	}
}
