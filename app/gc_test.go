package app

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/facestat/facestat/config"
)

// TestGCPercentFor: GOGC leaves at least the headroom over a small live
// heap, in steps of a tenth of gc-percent, never below gc-percent (a large
// heap) and never above maxGCPercent (an empty one).
func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		base     int
		headroom int64
		live     uint64
		want     int
	}{
		{100, 64 * mib, 32 * mib, 200},  // 64 MiB over 32: 200 %
		{100, 64 * mib, 20 * mib, 320},  // 320 %
		{100, 64 * mib, 21 * mib, 300},  // 304 %, in steps of 10: 300
		{100, 64 * mib, 64 * mib, 100},  // the headroom is gc-percent's
		{100, 64 * mib, 350 * mib, 100}, // a large heap keeps gc-percent
		{100, 64 * mib, 1 * mib, 1000},  // at most maxGCPercent
		{100, 64 * mib, 0, 1000},        // nothing live yet
		{400, 64 * mib, 10 * mib, 640},  // steps of 40
		{50, 64 * mib, 1000 * mib, 50},  // a lower gc-percent stays
	} {
		if got := gcPercentFor(c.base, c.headroom, c.live); got != c.want {
			t.Errorf("gcPercentFor(%d, %d MiB, %d MiB) = %d, want %d", c.base, c.headroom/mib, c.live/mib, got, c.want)
		}
	}
}

// TestRunGCHeadroomRaisesGOGC: over this test binary's small live heap,
// RunGCHeadroom raises GOGC above gc-percent within a few readings, and an
// operator's GOGC in the environment keeps it from touching it.
func TestRunGCHeadroomRaisesGOGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	cfg := &config.Config{GCPercent: 100, GCHeadroom: 1 << 30}

	withGOGC := func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	}
	RunGCHeadroom(t.Context(), cfg, withGOGC) // returns at once
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set, GOGC became %d", got)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		RunGCHeadroom(ctx, cfg, func(string) string { return "" })
	}()
	gogc := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	raised := false
	for range 40 { // 10 s at most; a reading every 250 ms
		metrics.Read(gogc)
		if raised = gogc[0].Value.Uint64() > 100; raised {
			break
		}
		time.Sleep(gcHeadroomEvery)
	}
	cancel()
	<-done
	if !raised {
		t.Fatal("GOGC stayed at gc-percent over a live heap far below the headroom")
	}
}
