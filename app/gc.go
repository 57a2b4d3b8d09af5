package app

import (
	"log/slog"
	"runtime/debug"

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
