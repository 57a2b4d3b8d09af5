// Command front measures how fast FaceStat serves its front page, against
// the least a Go program can do to serve the same bytes.
//
//	go run ./bench/front [-duration 5s] [-rounds 3] [-conns 64]
//
// It builds the real facestat binary from the working tree, seeds demo
// accounts with synthetic photos and votes (`facestat seed`, on the
// embedded SQLite database of a temporary data folder), starts `facestat
// serve`, waits until the generated front page lists recent and top photos,
// and fetches it as a browser does (Accept-Encoding: gzip, deflate, br,
// zstd): the brotli representation. It then starts the baseline, a
// separate process (bench/front/minimal): net/http serving those exact
// bytes with the same headers, and nothing else.
//
// The same load generator (load.go: raw keep-alive HTTP/1.1, -conns
// connections, one request at a time on each) drives both with the same
// request, in alternating windows (minimal, facestat, minimal, facestat,
// ...) so that the machine's noise falls on both. Each window reports
// requests/s, latency p50/p99, each server's CPU per request (from
// /proc/PID/stat) and the CPU other processes used. The figure is the ratio
// facestat/minimal of requests/s, the median of the rounds'; beside it, the
// ratio at equal CPU (minimal's CPU per request over facestat's), which
// other processes on the machine disturb much less.
//
// On a machine of 2 or more CPUs, -pin (the default) runs both servers on
// CPU 0 and the load generator on CPU 1 (taskset), each server with
// GOMAXPROCS 1 from its affinity and the load generator with -loadprocs
// (GOMAXPROCS, 1 by default), so the server's core is what is measured.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

type options struct {
	duration  time.Duration
	warmup    time.Duration
	rounds    int
	conns     int
	loadProcs int
	users     int
	photos    int
	pin       bool
	logLevel  string
	bin       string
	perfFile  string
	env       string
	keep      bool
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured window of each run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "load before each window")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs minimal then facestat")
	flag.IntVar(&o.conns, "conns", 64, "concurrent keep-alive connections")
	flag.IntVar(&o.loadProcs, "loadprocs", 1, "GOMAXPROCS of the load generator")
	flag.IntVar(&o.users, "users", 12, "demo accounts to seed (facestat seed -users)")
	flag.IntVar(&o.photos, "photos", 2, "photos per demo account (facestat seed -photos)")
	flag.BoolVar(&o.pin, "pin", true, "run the servers on CPU 0 and the load generator on CPU 1 (needs taskset and 2 CPUs)")
	flag.StringVar(&o.logLevel, "log-level", "info", "facestat's FACESTAT_LOG_LEVEL (info is the default a production server runs with)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary folder (binaries, data, page) for perf report and the like")
	flag.StringVar(&o.env, "env", "", "more environment for facestat serve, comma-separated, e.g. GOGC=200 (experiments)")
	flag.StringVar(&o.bin, "bin", "", "a facestat binary to run instead of building ./cmd/facestat from this working tree")
	flag.StringVar(&o.perfFile, "perf", "", "record `perf record -a -g` of the whole machine during the first round's windows: facestat's into the file, minimal's into the file + .minimal")
	flag.Parse()
	if o.rounds < 1 || o.conns < 1 || o.loadProcs < 1 || o.duration < time.Second {
		fmt.Fprintln(os.Stderr, "front: -rounds, -conns and -loadprocs must be positive and -duration at least 1s")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "front:", err)
		os.Exit(1)
	}
}

// browserRequest is what Chrome sends for a front-page navigation, less
// its Sec-* and cookie headers: the same bytes to both servers.
func browserRequest(host string) []byte {
	return []byte("GET / HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-US,en;q=0.9\r\n" +
		"Connection: keep-alive\r\n" +
		"\r\n")
}

func run(ctx context.Context, o options) error {
	machine := benchkit.DescribeMachine()
	fmt.Printf("machine: %s\n", machine)
	tmp, err := os.MkdirTemp("", "facestat-bench-front-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Printf("keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := o.bin
	if bin == "" {
		if bin, err = benchkit.BuildFacestat(ctx, tmp); err != nil {
			return err
		}
	}
	minimalBin := filepath.Join(tmp, "minimal")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", minimalBin, "github.com/facestat/facestat/bench/front/minimal").CombinedOutput(); err != nil {
		return fmt.Errorf("building minimal: %v\n%s", err, out)
	}

	// Data: demo accounts, photos and votes through the real paths.
	dataDir := filepath.Join(tmp, "data")
	fmt.Printf("seeding %d accounts with %d photos each (facestat seed, SQLite in %s) ...\n", o.users, o.photos, dataDir)
	t0 := time.Now()
	seed := exec.CommandContext(ctx, bin, "seed", "--", "-users", strconv.Itoa(o.users), "-photos", strconv.Itoa(o.photos), "-password", "bench-front-password")
	seed.Env = append(os.Environ(), "FACESTAT_DATA_DIR="+dataDir, "FACESTAT_LOG_LEVEL=warn", "FACESTAT_DATABASE_URL=")
	if out, err := seed.CombinedOutput(); err != nil {
		return fmt.Errorf("facestat seed: %v\n%s", err, out)
	}
	fmt.Printf("seeded in %s\n", time.Since(t0).Round(100*time.Millisecond))

	// Both servers start on CPU 0: they inherit this process's affinity.
	pinned := o.pin && runtime.NumCPU() >= 2
	if pinned {
		if _, err := exec.LookPath("taskset"); err != nil {
			fmt.Println("taskset not found: not pinning")
			pinned = false
		} else if err := pinSelf("0"); err != nil {
			return err
		}
	}
	env := map[string]string{
		"FACESTAT_ADDR":         "127.0.0.1:0",
		"FACESTAT_DATA_DIR":     dataDir,
		"FACESTAT_DATABASE_URL": "",
		"FACESTAT_LOG_LEVEL":    o.logLevel,
	}
	for kv := range strings.SplitSeq(o.env, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	srv, err := benchkit.StartServer(ctx, bin, env, nil)
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Printf("facestat (pid %d) is running at %s, FACESTAT_LOG_LEVEL=%s %s\n", srv.Pid(), srv.URL, o.logLevel, o.env)

	page, err := waitForPage(ctx, srv.URL)
	if err != nil {
		return err
	}
	fmt.Printf("front page: %d recent and %d top photos; %d bytes as br (ETag %s), %d uncompressed\n",
		page.recent, page.top, len(page.body), page.header.Get("ETag"), page.identityLen)

	// The baseline, with the same bytes and headers.
	headers := map[string]string{}
	for k, v := range page.header {
		if k != "Date" {
			headers[k] = strings.Join(v, ", ")
		}
	}
	hb, _ := json.Marshal(headers)
	if err := os.WriteFile(filepath.Join(tmp, "headers.json"), hb, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "page.br"), page.body, 0o600); err != nil {
		return err
	}
	minimal, err := startMinimal(ctx, minimalBin, filepath.Join(tmp, "page.br"), filepath.Join(tmp, "headers.json"))
	if err != nil {
		return err
	}
	defer minimal.stop()
	fmt.Printf("minimal (pid %d) is running at %s\n", minimal.pid, minimal.url)
	if err := sameResponse(minimal.url, page); err != nil {
		return err
	}

	// The load generator on CPU 1.
	runtime.GOMAXPROCS(o.loadProcs)
	if pinned {
		if err := pinSelf("1"); err != nil {
			return err
		}
		fmt.Printf("pinned: both servers on CPU 0 (GOMAXPROCS 1, from their affinity), load generator on CPU 1 (GOMAXPROCS %d)\n", o.loadProcs)
	} else {
		fmt.Printf("not pinned: servers and load generator share the %d CPUs; load generator GOMAXPROCS %d\n", runtime.NumCPU(), o.loadProcs)
	}

	targets := []target{
		{name: "minimal", addr: hostOf(minimal.url), pid: minimal.pid, body: page.body},
		{name: "facestat", addr: hostOf(srv.URL), pid: srv.Pid(), body: page.body},
	}
	for i := range targets {
		targets[i].req = browserRequest(targets[i].addr)
	}
	fmt.Printf("\n%d rounds of %s windows (after %s of warm-up each), %d connections, GET / with Accept-Encoding: gzip, deflate, br, zstd\n",
		o.rounds, o.duration, o.warmup, o.conns)
	fmt.Printf("%-9s %-8s %10s %9s %9s %12s %12s %8s  %s\n", "round", "server", "req/s", "p50", "p99", "server CPU", "CPU/request", "noise", "errors")
	var results []*runResult
	for round := 1; round <= o.rounds; round++ {
		for _, t := range targets {
			var perf *exec.Cmd
			perfFile := o.perfFile
			if t.name == "minimal" {
				perfFile += ".minimal"
			}
			if o.perfFile != "" && round == 1 {
				secs := int(o.warmup.Seconds()) + int(o.duration.Seconds())
				if perf, err = benchkit.StartPerf(perfFile, secs); err != nil {
					fmt.Fprintln(os.Stderr, "front: perf:", err)
				}
			}
			r, err := runLoad(ctx, t, o.conns, o.warmup, o.duration)
			if perf != nil {
				perf.Wait()
				fmt.Printf("(perf report -i %s --pid %d --children --sort symbol --percentage relative)\n", perfFile, t.pid)
			}
			if err != nil {
				return fmt.Errorf("%w; facestat's output:\n%s", err, srv.Output())
			}
			if t.name == "facestat" && srv.Exited() {
				return fmt.Errorf("facestat exited:\n%s", srv.Output())
			}
			results = append(results, r)
			fmt.Printf("%-9d %-8s %10.0f %9s %9s %11.0f%% %12s %7.0f%%  %s\n", round, t.name, r.rate(),
				us(benchkit.Quantile(r.lats, 0.5)), us(benchkit.Quantile(r.lats, 0.99)),
				100*r.serverCPU.Seconds()/r.window.Seconds(), us1(r.cpuPerRequest()), 100*r.noise(), benchkit.CountsLine(r.errors))
		}
	}
	if after, err := fetchPage(srv.URL); err == nil && after.header.Get("ETag") != page.header.Get("ETag") {
		fmt.Printf("note: facestat's page changed during the runs (ETag %s, now %s); it served other bytes than minimal\n",
			page.header.Get("ETag"), after.header.Get("ETag"))
	}

	sum := summarize(results)
	m, f := sum["minimal"], sum["facestat"]
	ratios := pairRatios(results)
	median := slices.Sorted(slices.Values(ratios))[(len(ratios)-1)/2]
	cpuRatio := m.cpuPerReq.Seconds() / f.cpuPerReq.Seconds()
	fmt.Println()
	fmt.Printf("%-9s %10s %9s %9s %12s\n", "all runs", "req/s", "p50", "p99", "CPU/request")
	for _, s := range []*summary{m, f} {
		fmt.Printf("%-9s %10.0f %9s %9s %12s\n", s.name, s.rate, us(s.p50), us(s.p99), us1(s.cpuPerReq))
	}
	fmt.Printf("ratio facestat/minimal of requests/s: %.3f, the median of the rounds' (%s); all windows pooled %.3f\n",
		median, ratioLine(ratios), f.rate/m.rate)
	fmt.Printf("ratio at equal CPU (minimal's CPU per request / facestat's): %.3f\n", cpuRatio)
	fmt.Printf("noise (other processes and guests, share of all CPUs, each window): %s\n", noiseLine(results))
	fmt.Println("docs: | date | conns | window × rounds | page (br bytes) | minimal req/s | facestat req/s | ratio (median of rounds) | ratio at equal CPU | p50 / p99 minimal | p50 / p99 facestat | CPU/request minimal / facestat | noise |")
	fmt.Printf("docs: | %s | %d | %s × %d | %d | %.0f | %.0f | **%.3f** (%s) | %.3f | %s / %s | %s / %s | %s / %s | %s |\n",
		time.Now().UTC().Format("2006-01-02"), o.conns, o.duration, o.rounds, len(page.body), m.rate, f.rate, median, ratioLine(ratios), cpuRatio,
		us(m.p50), us(m.p99), us(f.p50), us(f.p99), us1(m.cpuPerReq), us1(f.cpuPerReq), noiseLine(results))
	return nil
}

// ---------------------------------------------------------------- the page

type frontPage struct {
	body        []byte // the brotli representation, as served
	header      http.Header
	recent, top int
	identityLen int
}

var dataRE = regexp.MustCompile(`<script id="facestat-data" type="application/json">(.*?)</script>`)

// waitForPage waits (up to a minute) until the front page inlines recent
// and top photos, then returns its brotli representation.
func waitForPage(ctx context.Context, base string) (*frontPage, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := rawGet(base+"/", map[string]string{"Accept-Encoding": "identity"})
		if err == nil {
			var data struct{ Recent, Top []json.RawMessage }
			if m := dataRE.FindSubmatch(res.body); m != nil && json.Unmarshal(m[1], &data) == nil && len(data.Recent) > 0 && len(data.Top) > 0 {
				p, err := fetchPage(base)
				if err != nil {
					return nil, err
				}
				p.recent, p.top, p.identityLen = len(data.Recent), len(data.Top), len(res.body)
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the front page did not list recent and top photos within a minute")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// fetchPage gets the front page as the load generator will, which must
// be the brotli representation.
func fetchPage(base string) (*frontPage, error) {
	res, err := rawGet(base+"/", map[string]string{
		"Accept-Encoding": "gzip, deflate, br, zstd",
		"User-Agent":      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	})
	if err != nil {
		return nil, err
	}
	if res.status != 200 || res.header.Get("Content-Encoding") != "br" {
		return nil, fmt.Errorf("GET / as a browser: %d, Content-Encoding %q", res.status, res.header.Get("Content-Encoding"))
	}
	return &frontPage{body: res.body, header: res.header}, nil
}

type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// rawGet fetches u with the headers given, without net/http's transparent
// decompression.
func rawGet(u string, header map[string]string) (*rawResponse, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	defer c.CloseIdleConnections()
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &rawResponse{status: res.StatusCode, header: res.Header, body: b}, nil
}

// sameResponse checks that minimal answers what facestat did: the same
// bytes and headers (Date and X-Request-Id's value aside).
func sameResponse(base string, want *frontPage) error {
	got, err := fetchPage(base)
	if err != nil {
		return fmt.Errorf("minimal: %w", err)
	}
	if string(got.body) != string(want.body) {
		return errors.New("minimal serves other bytes than facestat")
	}
	for k := range want.header {
		if k != "Date" && k != "X-Request-Id" && got.header.Get(k) != want.header.Get(k) {
			return fmt.Errorf("minimal's %s is %q, facestat's %q", k, got.header.Get(k), want.header.Get(k))
		}
	}
	for k := range got.header {
		if want.header.Get(k) == "" {
			return fmt.Errorf("minimal sends %s, facestat does not", k)
		}
	}
	return nil
}

// ---------------------------------------------------------------- processes

type process struct {
	url  string
	pid  int
	cmd  *exec.Cmd
	done chan struct{}
}

var minimalRE = regexp.MustCompile(`minimal is running at (http://\S+)`)

func startMinimal(ctx context.Context, bin, body, headers string) (*process, error) {
	cmd := exec.Command(bin, "-body", body, "-headers", headers)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{pid: cmd.Process.Pid, cmd: cmd, done: make(chan struct{})}
	line := make(chan string, 1)
	go func() {
		b := make([]byte, 256)
		n, _ := out.Read(b)
		line <- string(b[:n])
		io.Copy(io.Discard, out)
		cmd.Wait()
		close(p.done)
	}()
	select {
	case l := <-line:
		m := minimalRE.FindStringSubmatch(l)
		if m == nil {
			p.stop()
			return nil, fmt.Errorf("minimal said %q", l)
		}
		p.url = m[1]
		return p, nil
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	p.stop()
	return nil, errors.New("minimal did not start")
}

func (p *process) stop() { benchkit.Terminate(p.cmd.Process, p.done, 5*time.Second) }

// pinSelf sets the CPU affinity of every thread of this process to cpus
// (taskset's list syntax); threads started later inherit it, and so do
// child processes.
func pinSelf(cpus string) error {
	out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %v: %s", err, out)
	}
	return nil
}

func hostOf(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	return pu.Host
}

// ---------------------------------------------------------------- figures

type summary struct {
	name      string
	rate      float64 // requests over all the target's windows / their time
	p50, p99  time.Duration
	cpuPerReq time.Duration
}

func summarize(results []*runResult) map[string]*summary {
	out := map[string]*summary{}
	lats := map[string][]time.Duration{}
	reqs := map[string]int{}
	wall := map[string]time.Duration{}
	cpu := map[string]time.Duration{}
	for _, r := range results {
		lats[r.target] = append(lats[r.target], r.lats...)
		reqs[r.target] += r.requests
		wall[r.target] += r.window
		cpu[r.target] += r.serverCPU
	}
	for name, l := range lats {
		slices.Sort(l)
		s := &summary{name: name, rate: float64(reqs[name]) / wall[name].Seconds(), p50: benchkit.Quantile(l, 0.5), p99: benchkit.Quantile(l, 0.99)}
		if reqs[name] > 0 {
			s.cpuPerReq = cpu[name] / time.Duration(reqs[name])
		}
		out[name] = s
	}
	return out
}

// pairRatios is facestat/minimal of each round's requests/s.
func pairRatios(results []*runResult) []float64 {
	var out []float64
	for i := 0; i+1 < len(results); i += 2 {
		out = append(out, results[i+1].rate()/results[i].rate())
	}
	return out
}

func ratioLine(ratios []float64) string {
	var parts []string
	for _, r := range ratios {
		parts = append(parts, fmt.Sprintf("%.3f", r))
	}
	return strings.Join(parts, ", ")
}

func noiseLine(results []*runResult) string {
	var parts []string
	for _, r := range results {
		parts = append(parts, fmt.Sprintf("%.0f%%", 100*r.noise()))
	}
	return strings.Join(parts, " ")
}

func us(d time.Duration) string  { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }
func us1(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond)) }
