package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

// The load generator: conns goroutines, each holding one keep-alive
// connection and posting the next GraphQL request as soon as the previous
// response is read (no pipelining). It writes raw HTTP/1.1 and reads the
// status line, the headers and the body itself, which costs a fraction of
// what net/http's client does, so that the servers, not the generator,
// are what is measured. Each request names a client address of its own
// in X-Forwarded-For (the servers trust the loopback proxy), drawn from
// many synthetic ones, and a photo drawn from the public ones.

// target is a server under load and what it is asked.
type target struct {
	name   string   // facestat, postgraphile, typename
	addr   string   // host:port
	path   string   // /graphql
	pid    int      // the server's process
	bodies [][]byte // request bodies, one per photo (or just one)
	want   []byte   // every answer contains it
	// counters, if not nil, reads the server's counters (FaceStat's cache
	// lookups by result) before and after the window.
	counters func() map[string]float64
}

// clientAddrs are n synthetic client addresses from 198.18.0.0/15, the
// range kept for benchmarks (RFC 2544): never loopback, so never an
// operator's.
func clientAddrs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("198.%d.%d.%d", 18+(i>>16)&1, (i>>8)&255, i&255)
	}
	return out
}

// requestHead is the request's bytes up to its body, without the
// X-Forwarded-For and Content-Length lines, which vary.
func requestHead(host, path string) []byte {
	return []byte("POST " + path + " HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"User-Agent: facestat-bench-reads\r\n" +
		"Content-Type: application/json\r\n" +
		"Accept: application/graphql-response+json, application/json\r\n")
}

// runResult is one measured window against one target.
type runResult struct {
	target   string
	round    int
	requests int // answered 200 with the expected answer in the window
	window   time.Duration
	lats     []time.Duration // sorted
	errors   map[string]int
	usage    benchkit.CPUUsage
	counters map[string]float64 // change in the window
}

// countersLine is the change of the server's counters in the window.
func (r *runResult) countersLine() string {
	if r.counters == nil {
		return ""
	}
	m := map[string]int{}
	for k, v := range r.counters {
		m[k] = int(v)
	}
	return "; cache " + benchkit.CountsLine(m)
}

func (r *runResult) rate() float64 { return float64(r.requests) / r.window.Seconds() }

// perRequest is a label's CPU time per request answered.
func (r *runResult) perRequest(label string) time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.usage.ByLabel[label] / time.Duration(r.requests)
}

// noise is the share of the machine (0..1) that processes other than the
// benchmark's used in the window (other PostgreSQL databases' backends
// included), and the hypervisor's other guests.
func (r *runResult) noise() float64 {
	u := r.usage
	if u.ByLabel == nil || u.Wall <= 0 {
		return 0
	}
	var ours time.Duration
	for _, l := range []string{"server", "postgres", "redis", "load generator", "kernel threads"} {
		ours += u.ByLabel[l]
	}
	other := max(u.Busy-u.IRQ-ours, u.ByLabel["other"]+u.ByLabel["postgres other"])
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
// window of duration, CPU sampled by classify.
func runLoad(ctx context.Context, t target, addrs []string, conns int, warmup, duration time.Duration, classify func() benchkit.Classifier) (*runResult, error) {
	var st loadState
	outs := make([]workerOut, conns)
	var wg sync.WaitGroup
	for i := range outs {
		outs[i] = workerOut{lats: make([]time.Duration, 0, 1<<14), errors: map[string]int{}}
		wg.Go(func() { work(t, addrs, uint64(i), &st, &outs[i]) })
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
	var before map[string]float64
	if t.counters != nil {
		before = t.counters()
	}
	sampler := benchkit.StartCPUSampler(500*time.Millisecond, classify())
	t0 := time.Now()
	st.measuring.Store(true)
	select {
	case <-time.After(duration):
	case <-ctx.Done():
	}
	st.measuring.Store(false)
	window := time.Since(t0)
	usage := sampler.Stop()
	var counters map[string]float64
	if t.counters != nil {
		counters = t.counters()
		for k, v := range before {
			counters[k] -= v
		}
	}
	finish()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res := &runResult{target: t.name, window: window, errors: map[string]int{}, usage: usage, counters: counters}
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

var codeRE = regexp.MustCompile(`"code":"([A-Za-z_]+)"`)

// work is one connection's loop. Latency is from writing the request to
// having read the whole response; a response counts when it ends inside
// the window.
func work(t target, addrs []string, seed uint64, st *loadState, out *workerOut) {
	var (
		conn net.Conn
		br   *bufio.Reader
		req  []byte
		body []byte
		r    = mrand.New(mrand.NewPCG(seed, 16))
		head = requestHead(t.addr, t.path)
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
			conn, br = c, bufio.NewReaderSize(c, 16<<10)
		}
		b := t.bodies[r.IntN(len(t.bodies))]
		req = append(req[:0], head...)
		req = append(req, "X-Forwarded-For: "...)
		req = append(req, addrs[r.IntN(len(addrs))]...)
		req = append(req, "\r\nContent-Length: "...)
		req = strconv.AppendInt(req, int64(len(b)), 10)
		req = append(req, "\r\n\r\n"...)
		req = append(req, b...)
		t0 := time.Now()
		if _, err := conn.Write(req); err != nil {
			fail("write")
			continue
		}
		status, err := readResponse(br, &body)
		if err != nil {
			fail("read")
			continue
		}
		lat := time.Since(t0)
		if !st.measuring.Load() {
			continue
		}
		switch {
		case status != 200:
			what := "HTTP " + strconv.Itoa(status)
			if m := codeRE.FindSubmatch(body); m != nil {
				what += " " + string(m[1])
			}
			out.errors[what]++
		case !bytes.Contains(body, t.want) || bytes.Contains(body, []byte(`"errors"`)):
			what := "unexpected answer"
			if m := codeRE.FindSubmatch(body); m != nil {
				what = string(m[1])
			}
			out.errors[what]++
		default:
			out.lats = append(out.lats, lat)
		}
	}
}

var errBadResponse = errors.New("malformed response")

// readResponse reads one response: its status code, and its body into
// *body (Content-Length or chunked).
func readResponse(br *bufio.Reader, body *[]byte) (status int, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, errBadResponse
	}
	status = atoi(line[9:12])
	length, chunked := -1, false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 { // the empty line
			break
		}
		const cl, te = "content-length:", "transfer-encoding:"
		switch {
		case len(line) > len(cl) && bytes.EqualFold(line[:len(cl)], []byte(cl)):
			length = atoi(bytes.TrimSpace(line[len(cl):]))
		case len(line) > len(te) && bytes.EqualFold(line[:len(te)], []byte(te)):
			chunked = bytes.Contains(bytes.ToLower(line[len(te):]), []byte("chunked"))
		}
	}
	*body = (*body)[:0]
	if !chunked {
		if length < 0 {
			return 0, errBadResponse
		}
		*body = slices.Grow(*body, length)[:length]
		_, err = io.ReadFull(br, *body)
		return status, err
	}
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 32)
		if err != nil || size < 0 {
			return 0, errBadResponse
		}
		if size == 0 {
			for { // trailers, then the empty line
				line, err = br.ReadSlice('\n')
				if err != nil {
					return 0, err
				}
				if len(line) <= 2 {
					return status, nil
				}
			}
		}
		n := len(*body)
		*body = slices.Grow(*body, int(size))[:n+int(size)]
		if _, err := io.ReadFull(br, (*body)[n:]); err != nil {
			return 0, err
		}
		if _, err := br.Discard(2); err != nil { // CRLF
			return 0, err
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

// selfPid is the load generator's process id.
var selfPid = os.Getpid()
