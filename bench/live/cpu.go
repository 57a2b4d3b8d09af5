package main

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

// CPU labels, in the order they are printed.
const (
	lblServer   = "facestat serve"
	lblPGThis   = "postgres, this database's backends"
	lblPGOther  = "postgres, server processes and other databases"
	lblRedis    = "redis-server"
	lblClients  = "client processes (sockets)"
	lblSelf     = "this program (voters)"
	lblKernel   = "kernel threads"
	lblUnlisted = "other processes"
)

var cpuLabels = []string{lblServer, lblPGThis, lblPGOther, lblRedis, lblClients, lblSelf, lblKernel}

// startCPUSampler measures the CPU time every process uses from now, by
// label: the processes named in pids, the backends of the database dbName,
// PostgreSQL's other processes, redis-server, kernel threads and the rest
// (lblUnlisted). It samples every 200 ms.
func startCPUSampler(dbName string, pids map[int]string) *benchkit.CPUSampler {
	return benchkit.StartCPUSampler(200*time.Millisecond, func(pid, ppid int, comm string) (string, bool) {
		if l, ok := pids[pid]; ok {
			return l, true
		}
		if pid == 2 || ppid == 2 {
			return lblKernel, true
		}
		switch comm {
		case "redis-server":
			return lblRedis, true
		case "postgres":
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			title := strings.ReplaceAll(string(b), "\x00", " ")
			if slices.Contains(strings.Fields(title), dbName) {
				return lblPGThis, true
			}
			return lblPGOther, true
		}
		return lblUnlisted, true
	})
}

// cpuUsage is the CPU time used during the votes.
type cpuUsage struct {
	benchkit.CPUUsage
	other map[string]time.Duration // unlisted processes by command name
}

func newCPUUsage(u benchkit.CPUUsage) cpuUsage {
	c := cpuUsage{CPUUsage: u, other: map[string]time.Duration{}}
	for _, p := range u.Procs {
		if p.Label == lblUnlisted {
			c.other[p.Comm] += p.CPU
		}
	}
	return c
}

// pct is d as a percentage of one core over the window.
func (u cpuUsage) pct(d time.Duration) float64 { return 100 * d.Seconds() / u.Wall.Seconds() }

func (u cpuUsage) print() {
	fmt.Printf("CPU during the votes (%d CPUs; 100%% = one core busy all the window of %s):\n", u.NCPU, u.Wall.Round(time.Millisecond))
	for _, l := range cpuLabels {
		fmt.Printf("  %-48s %5.0f%%\n", l, u.pct(u.ByLabel[l]))
	}
	fmt.Printf("  %-48s %5.0f%%\n", "other processes (noise, short-lived ones included)", u.pct(u.noise()))
	if top := u.topOther(3); top != "" {
		fmt.Printf("    (other processes, busiest: %s)\n", top)
	}
	fmt.Printf("  %-48s %5.0f%%\n", "interrupts (softirq: network on loopback)", u.pct(u.IRQ))
	fmt.Printf("  %-48s %5.0f%%\n", "steal (other guests)", u.pct(u.Steal))
	fmt.Printf("  %-48s %5.0f%% of %d00%%\n", "machine busy", u.pct(u.Busy), u.NCPU)
}

// topOther names the n unlisted commands that used the most CPU.
func (u cpuUsage) topOther(n int) string {
	names := make([]string, 0, len(u.other))
	for k, v := range u.other {
		if u.pct(v) >= 1 {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(u.other[b], u.other[a]) })
	var parts []string
	for _, k := range names[:min(n, len(names))] {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", k, u.pct(u.other[k])))
	}
	return strings.Join(parts, ", ")
}

// noise is the CPU time used by processes that are not the benchmark's:
// the machine's busy time minus the benchmark's processes and interrupts
// (short-lived processes never sampled count here), at least what the
// unlisted processes were seen to use.
func (u cpuUsage) noise() time.Duration {
	ours := u.IRQ
	for _, l := range cpuLabels {
		ours += u.ByLabel[l]
	}
	return max(u.Busy-ours, u.ByLabel[lblUnlisted])
}
