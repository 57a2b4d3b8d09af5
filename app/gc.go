package app

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"

	"github.com/facestat/facestat/config"
)

// SetGCPolicy sets the garbage collector's policy of the process (issue
// 16: allocation and GC were a fifth of a cached read's CPU). GOGC is
// gc-percent (100 by default, Go's own: 400 saved about 6 % of a cached
// read's CPU, but 15,000 live-results sockets then held 43.7 KiB of RSS
// each against 30.4 KiB, past the 32 KiB aim); GOMEMLIMIT is
// memory-limit-percent of the memory the process may use (its cgroup's
// limit, else the machine's), so that a higher GOGC never runs the
// process out of memory: near the limit the collector runs as often as it
// must. An operator's GOGC or GOMEMLIMIT in the environment wins over
// either setting (getenv reads it). It returns the memory limit set, or
// -1 when it left the limit alone.
func SetGCPolicy(cfg *config.Config, getenv func(string) string, log *slog.Logger) int64 {
	if getenv("GOGC") == "" && cfg.GCPercent != 0 {
		debug.SetGCPercent(cfg.GCPercent)
	}
	if getenv("GOMEMLIMIT") != "" || cfg.MemoryLimitPercent == 0 {
		return -1
	}
	limit, err := memlimit.Set(
		memlimit.WithRatio(float64(cfg.MemoryLimitPercent)/100),
		memlimit.WithProvider(memlimit.ApplyFallback(memlimit.FromCgroup, memlimit.FromSystem)),
	)
	if err != nil {
		log.Warn("setting the memory limit; the collector runs at gc-percent alone", "err", err)
		return -1
	}
	log.Info("garbage collector", "gc_percent", cfg.GCPercent, "memory_limit_bytes", limit)
	return limit
}

// RunGCHeadroom keeps the collector's GOGC at gcPercentFor: gc-percent,
// raised while the live heap is small so that the heap may grow at least
// gc-headroom between collections. With gc-percent alone, a process whose
// live heap is a few tens of MiB (the vote and read paths) collected every
// few MiB of garbage: 14 % of its CPU under a stream of votes. A large live
// heap (15,000 live-results sockets hold about 350 MiB) keeps gc-percent,
// and with it its memory per socket. It reads the live heap every
// gcHeadroomEvery until ctx ends; it does nothing when GOGC is in the
// environment, gc-headroom is 0 or gc-percent is -1 (collections at the
// memory limit only).
func RunGCHeadroom(ctx context.Context, cfg *config.Config, getenv func(string) string) {
	if getenv("GOGC") != "" || cfg.GCHeadroom <= 0 || cfg.GCPercent < 0 {
		return
	}
	base := cfg.GCPercent
	if base == 0 {
		base = 100 // Go's own
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(gcHeadroomEvery)
	defer t.Stop()
	set := base
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(live)
		if live[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if p := gcPercentFor(base, cfg.GCHeadroom, live[0].Value.Uint64()); p != set {
			debug.SetGCPercent(p)
			set = p
		}
	}
}

// gcHeadroomEvery is how often RunGCHeadroom reads the live heap.
const gcHeadroomEvery = 250 * time.Millisecond

// gcPercentFor is the GOGC that lets a heap of live bytes grow at least
// headroom before the next collection, and never less than base: at most
// maxGCPercent, in steps of a tenth of base (so that small changes of the
// live heap do not reset it every time).
func gcPercentFor(base int, headroom int64, live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	p := min(uint64(headroom)*100/live, maxGCPercent)
	step := uint64(max(base/10, 1))
	return max(base, int(p/step*step))
}

// maxGCPercent bounds the GOGC gcPercentFor gives: the memory limit bounds
// the heap anyway (memory-limit-percent), this keeps a nearly empty heap
// from growing a hundredfold.
const maxGCPercent = 1000
