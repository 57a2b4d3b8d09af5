package benchkit

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// this runs on.
const clockTicks = 100

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

// Classifier labels a process from its id, its parent's and its command
// name, or says (ok false) that its CPU is not to be counted.
type Classifier func(pid, ppid int, comm string) (label string, ok bool)

// CPUSampler measures the CPU time processes use during a window, from
// /proc/PID/stat (utime+stime), by label. It samples every interval so that
// processes that exit in the window count up to their last sample, and
// counts processes born in the window from zero. A process is classified
// when it is first seen.
type CPUSampler struct {
	classify Classifier
	first    map[int]int64 // ticks when first seen (0 for pids born in the window)
	last     map[int]int64
	label    map[int]string
	comm     map[int]string
	sys0     sysStat
	t0       time.Time
	stopc    chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	active   bool
}

// CPUUsage is the CPU time used in a sampler's window.
type CPUUsage struct {
	Wall    time.Duration
	ByLabel map[string]time.Duration // nil when nothing was sampled (not Linux)
	Procs   []ProcUsage              // the counted processes, in no order
	Busy    time.Duration            // CPU time the whole machine was busy (user, nice, system, irq, softirq)
	IRQ     time.Duration            // of which interrupts (irq, softirq)
	Steal   time.Duration            // CPU time the hypervisor gave other guests
	NCPU    int
}

// ProcUsage is one counted process's CPU time in the window.
type ProcUsage struct {
	Pid         int
	Label, Comm string
	CPU         time.Duration
}

// StartCPUSampler starts sampling every interval, on Linux; elsewhere its
// Stop returns an empty CPUUsage.
func StartCPUSampler(interval time.Duration, classify Classifier) *CPUSampler {
	p := &CPUSampler{classify: classify, first: map[int]int64{}, last: map[int]int64{}, label: map[int]string{}, comm: map[int]string{}}
	if runtime.GOOS != "linux" {
		return p
	}
	p.active = true
	p.sys0 = readSysStat()
	p.t0 = time.Now()
	p.sample(true)
	p.stopc, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
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

func (p *CPUSampler) sample(initial bool) {
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
		comm, ppid, t, ok := readProcStat(pid)
		if !ok {
			continue
		}
		if _, seen := p.first[pid]; !seen {
			label, ok := p.classify(pid, ppid, comm)
			if !ok {
				continue
			}
			if initial {
				p.first[pid] = t
			} else {
				p.first[pid] = 0
			}
			p.label[pid] = label
			p.comm[pid] = comm
		}
		p.last[pid] = t
	}
}

// Stop takes a last sample and returns the usage over the window.
func (p *CPUSampler) Stop() CPUUsage {
	if !p.active {
		return CPUUsage{}
	}
	close(p.stopc)
	<-p.done
	p.sample(false)
	sys1 := readSysStat()
	u := CPUUsage{Wall: time.Since(p.t0), ByLabel: map[string]time.Duration{}, NCPU: runtime.NumCPU(),
		Busy: ticks(sys1.busy - p.sys0.busy), IRQ: ticks(sys1.irq - p.sys0.irq), Steal: ticks(sys1.steal - p.sys0.steal)}
	for pid, first := range p.first {
		d := ticks(p.last[pid] - first)
		u.ByLabel[p.label[pid]] += d
		u.Procs = append(u.Procs, ProcUsage{Pid: pid, Label: p.label[pid], Comm: p.comm[pid], CPU: d})
	}
	return u
}

// ProcCPU is a process's user+system CPU time so far (0 if it cannot be
// read).
func ProcCPU(pid int) time.Duration {
	_, _, t, _ := readProcStat(pid)
	return ticks(t)
}

// readProcStat returns a process's command name, parent and user+system
// CPU time in clock ticks.
func readProcStat(pid int) (comm string, ppid int, cpu int64, ok bool) {
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

// sysStat is the machine's CPU time in clock ticks, from /proc/stat.
type sysStat struct {
	busy  int64 // user, nice, system, irq, softirq
	irq   int64 // irq and softirq
	steal int64 // taken by the hypervisor for other guests
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
	// cpu user nice system idle iowait irq softirq steal guest guest_nice;
	// guest time is already counted in user.
	var v [8]int64
	for i, f := range strings.Fields(sc.Text())[1:] {
		if i >= len(v) {
			break
		}
		v[i], _ = strconv.ParseInt(f, 10, 64)
	}
	return sysStat{busy: v[0] + v[1] + v[2] + v[5] + v[6], irq: v[5] + v[6], steal: v[7]}
}
