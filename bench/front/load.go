package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

// The load generator: conns goroutines, each holding one keep-alive
// connection and sending the same request bytes as soon as the previous
// response is read (no pipelining), as a browser's connection would. It
// writes raw HTTP/1.1 and reads the status line, the headers (for
// Content-Length) and the body itself, which costs a fraction of what
// net/http's client does, so that the server, not the generator, is what
// is measured.

// target is a server under load and the response expected of it.
type target struct {
	name string
	addr string // host:port
	pid  int
	req  []byte // the request, bytes on the wire
	body []byte // the body every response must have
}

// runResult is one measured window against one target.
type runResult struct {
	target    string
	requests  int // answered 200 with the expected body length in the window
	window    time.Duration
	lats      []time.Duration // sorted
	errors    map[string]int
	serverCPU time.Duration
	selfCPU   time.Duration
	usage     benchkit.CPUUsage
}

func (r *runResult) rate() float64 { return float64(r.requests) / r.window.Seconds() }

// cpuPerRequest is the server's CPU time per request answered.
func (r *runResult) cpuPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.requests)
}

// noise is the share of the machine (0..1) that processes other than the
// server, the load generator and the kernel's threads used in the window,
// and the hypervisor's other guests.
func (r *runResult) noise() float64 {
	u := r.usage
	if u.ByLabel == nil || u.Wall <= 0 {
		return 0
	}
	ours := u.ByLabel["server"] + u.ByLabel["load generator"] + u.ByLabel["kernel threads"] + u.IRQ
	other := max(u.Busy-ours, u.ByLabel["other"])
	return (other + u.Steal).Seconds() / u.Wall.Seconds() / float64(u.NCPU)
}

type loadState struct {
	measuring atomic.Bool
	stop      atomic.Bool
}

type workerOut struct {
	lats   []time.Duration
	errors map[string]int
}

// runLoad drives t with conns connections: warmup, then the measured
// window of duration.
func runLoad(ctx context.Context, t target, conns int, warmup, duration time.Duration) (*runResult, error) {
	var st loadState
	outs := make([]workerOut, conns)
	var wg sync.WaitGroup
	for i := range outs {
		outs[i] = workerOut{lats: make([]time.Duration, 0, 1<<15), errors: map[string]int{}}
		wg.Go(func() { work(t, &st, &outs[i]) })
	}
	finish := func() {
		st.stop.Store(true)
		wg.Wait()
	}
	select {
	case <-time.After(warmup):
	case <-ctx.Done():
		finish()
		return nil, ctx.Err()
	}
	self := os.Getpid()
	sampler := benchkit.StartCPUSampler(500*time.Millisecond, func(pid, ppid int, comm string) (string, bool) {
		switch {
		case pid == t.pid:
			return "server", true
		case pid == self:
			return "load generator", true
		case pid == 2 || ppid == 2:
			return "kernel threads", true
		}
		return "other", true
	})
	s0, l0 := benchkit.ProcCPU(t.pid), benchkit.ProcCPU(self)
	t0 := time.Now()
	st.measuring.Store(true)
	select {
	case <-time.After(duration):
	case <-ctx.Done():
	}
	st.measuring.Store(false)
	window := time.Since(t0)
	s1, l1 := benchkit.ProcCPU(t.pid), benchkit.ProcCPU(self)
	usage := sampler.Stop()
	finish()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res := &runResult{target: t.name, window: window, errors: map[string]int{}, serverCPU: s1 - s0, selfCPU: l1 - l0, usage: usage}
	for _, o := range outs {
		res.lats = append(res.lats, o.lats...)
		for k, v := range o.errors {
			res.errors[k] += v
		}
	}
	slices.Sort(res.lats)
	res.requests = len(res.lats)
	if res.requests == 0 {
		return res, fmt.Errorf("%s answered no request in the window (errors %v)", t.name, res.errors)
	}
	return res, nil
}

// work is one connection's loop. Latency is from writing the request to
// having read the whole response; a response counts when it ends inside
// the window.
func work(t target, st *loadState, out *workerOut) {
	var (
		conn  net.Conn
		br    *bufio.Reader
		first bool
		buf   = make([]byte, len(t.body))
	)
	fail := func(what string) {
		if st.measuring.Load() {
			out.errors[what]++
		}
		if conn != nil {
			conn.Close()
			conn = nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for !st.stop.Load() {
		if conn == nil {
			c, err := net.Dial("tcp", t.addr)
			if err != nil {
				fail("dial")
				continue
			}
			conn, br, first = c, bufio.NewReaderSize(c, 64<<10), true
		}
		t0 := time.Now()
		if _, err := conn.Write(t.req); err != nil {
			fail("write")
			continue
		}
		status, length, err := readHead(br)
		if err != nil {
			fail("read")
			continue
		}
		if length < 0 {
			fail("no Content-Length")
			continue
		}
		// The first response on each connection is compared byte for byte;
		// the others by length.
		if first && length == len(t.body) {
			if _, err := io.ReadFull(br, buf); err != nil {
				fail("read")
				continue
			}
			if !bytes.Equal(buf, t.body) {
				fail("different body")
				continue
			}
			first = false
		} else if _, err := br.Discard(length); err != nil {
			fail("read")
			continue
		}
		lat := time.Since(t0)
		if !st.measuring.Load() {
			continue
		}
		switch {
		case status != 200:
			out.errors["HTTP "+strconv.Itoa(status)]++
		case length != len(t.body):
			out.errors["other length"]++
		default:
			out.lats = append(out.lats, lat)
		}
	}
}

var errBadResponse = errors.New("malformed response")

// readHead reads a response's status line and headers: the status code
// and Content-Length (-1 without one).
func readHead(br *bufio.Reader) (status, length int, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, 0, errBadResponse
	}
	status = atoi(line[9:12])
	length = -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		if len(line) <= 2 { // the empty line
			return status, length, nil
		}
		const cl = "content-length:"
		if len(line) > len(cl) && bytes.EqualFold(line[:len(cl)], []byte(cl)) {
			length = atoi(bytes.TrimSpace(line[len(cl):]))
		}
	}
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
