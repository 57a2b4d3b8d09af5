package main

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
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

// cpuSampler measures the CPU time processes use during a window, from
// /proc/PID/stat (utime+stime), by label. It samples every 200 ms so that
// processes that exit in the window count up to their last sample, and
// counts processes born in the window from zero.
type cpuSampler struct {
	dbName string
	pids   map[int]string
	first  map[int]int64
	last   map[int]int64
	label  map[int]string
	comm   map[int]string
	sys0   sysStat
	t0     time.Time
	stopc  chan struct{}
	done   chan struct{}
	mu     sync.Mutex
}

type cpuUsage struct {
	wall    time.Duration
	byLabel map[string]time.Duration
	other   map[string]time.Duration // unlisted processes by command name
	busy    time.Duration            // CPU time the whole machine was busy (user, nice, system, irq, softirq)
	irq     time.Duration
	steal   time.Duration
	ncpu    int
}

const clockTicks = 100 // USER_HZ

func startCPUSampler(dbName string, pids map[int]string) *cpuSampler {
	p := &cpuSampler{dbName: dbName, pids: pids, first: map[int]int64{}, last: map[int]int64{}, label: map[int]string{},
		comm: map[int]string{}, stopc: make(chan struct{}), done: make(chan struct{})}
	p.sys0 = readSysStat()
	p.t0 = time.Now()
	p.sample(true)
	go func() {
		defer close(p.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stopc:
				return
			case <-t.C:
				p.sample(false)
			}
		}
	}()
	return p
}

func (p *cpuSampler) classify(pid, ppid int, comm string) string {
	if l, ok := p.pids[pid]; ok {
		return l
	}
	if pid == 2 || ppid == 2 {
		return lblKernel
	}
	switch comm {
	case "redis-server":
		return lblRedis
	case "postgres":
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		title := strings.ReplaceAll(string(b), "\x00", " ")
		if slices.Contains(strings.Fields(title), p.dbName) {
			return lblPGThis
		}
		return lblPGOther
	}
	return lblUnlisted
}

func (p *cpuSampler) sample(initial bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, ppid, ticks, ok := readProcStat(pid)
		if !ok {
			continue
		}
		if _, seen := p.first[pid]; !seen {
			p.label[pid] = p.classify(pid, ppid, comm)
			p.comm[pid] = comm
			if initial {
				p.first[pid] = ticks
			} else {
				p.first[pid] = 0
			}
		}
		p.last[pid] = ticks
	}
}

func (p *cpuSampler) stop() cpuUsage {
	close(p.stopc)
	<-p.done
	p.sample(false)
	sys1 := readSysStat()
	jiffies := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	u := cpuUsage{wall: time.Since(p.t0), byLabel: map[string]time.Duration{}, other: map[string]time.Duration{}, ncpu: runtime.NumCPU(),
		busy: jiffies(sys1.busy - p.sys0.busy), irq: jiffies(sys1.irq - p.sys0.irq), steal: jiffies(sys1.steal - p.sys0.steal)}
	for pid, first := range p.first {
		u.byLabel[p.label[pid]] += jiffies(p.last[pid] - first)
		if p.label[pid] == lblUnlisted {
			u.other[p.comm[pid]] += jiffies(p.last[pid] - first)
		}
	}
	return u
}

// pct is d as a percentage of one core over the window.
func (u cpuUsage) pct(d time.Duration) float64 { return 100 * d.Seconds() / u.wall.Seconds() }

func (u cpuUsage) print() {
	fmt.Printf("CPU during the votes (%d CPUs; 100%% = one core busy all the window of %s):\n", u.ncpu, u.wall.Round(time.Millisecond))
	for _, l := range cpuLabels {
		fmt.Printf("  %-48s %5.0f%%\n", l, u.pct(u.byLabel[l]))
	}
	fmt.Printf("  %-48s %5.0f%%\n", "other processes (noise, short-lived ones included)", u.pct(u.noise()))
	if top := u.topOther(3); top != "" {
		fmt.Printf("    (other processes, busiest: %s)\n", top)
	}
	fmt.Printf("  %-48s %5.0f%%\n", "interrupts (softirq: network on loopback)", u.pct(u.irq))
	fmt.Printf("  %-48s %5.0f%%\n", "steal (other guests)", u.pct(u.steal))
	fmt.Printf("  %-48s %5.0f%% of %d00%%\n", "machine busy", u.pct(u.busy), u.ncpu)
}

// readProcStat returns a process's command name, parent and user+system
// CPU time in clock ticks.
func readProcStat(pid int) (comm string, ppid int, ticks int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, 0, false
	}
	s := string(b)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return "", 0, 0, false
	}
	comm = s[lp+1 : rp]
	fields := strings.Fields(s[rp+1:])
	// fields[0] is the state (field 3), fields[1] the parent (field 4);
	// utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return "", 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, 0, false
	}
	return comm, ppid, ut + st, true
}

// procTicks is one process's user+system CPU time in clock ticks.
func procTicks(pid int) int64 {
	_, _, t, _ := readProcStat(pid)
	return t
}

type sysStat struct {
	busy, irq, steal int64
}

func readSysStat() sysStat {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return sysStat{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return sysStat{}
	}
	// cpu user nice system idle iowait irq softirq steal
	var v [8]int64
	for i, f := range strings.Fields(sc.Text())[1:] {
		if i >= len(v) {
			break
		}
		v[i], _ = strconv.ParseInt(f, 10, 64)
	}
	return sysStat{busy: v[0] + v[1] + v[2] + v[5] + v[6], irq: v[5] + v[6], steal: v[7]}
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
	ours := u.irq
	for _, l := range cpuLabels {
		ours += u.byLabel[l]
	}
	return max(u.busy-ours, u.byLabel[lblUnlisted])
}
