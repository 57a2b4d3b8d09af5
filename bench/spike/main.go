// Command spike replays the Yahoo front-page spike against one FaceStat
// instance on PostgreSQL and Redis, then overloads it at twice the capacity
// the replay measured.
//
//	go run ./bench/spike [-views 650000] [-clients 32] [-overload 20s]
//	    [-baseline /tmp/facestat-e056ae5] [-bin facestat] [-addresses 20000]
//	    [-profile 20s]
//
// It creates a PostgreSQL database of its own (dropped at the end), builds
// the facestat binary from this working tree (or runs -bin), seeds it with
// `facestat seed` (demo accounts, synthetic face photos on disk, votes
// through the real vote path), and starts `facestat serve` with Redis (a key
// prefix of its own). With -baseline, it does the same with that other
// build (a database of its own, the same seed, settings and views), and
// the two take turns in -rounds rounds of the replay, so that the rest of
// the machine's load falls on both alike; it reports them side by side:
// server CPU per page view and its ratio. The overload is this build's.
//
// Clients: the load generator plays a reverse proxy on loopback, which the
// server trusts (trusted-proxies), and sends X-Forwarded-For with one of
// -addresses synthetic public addresses per browser (a judge keeps its
// browser's), so that per-address rate limits and budgets, and the judge
// model's per-network rules, meet traffic from many people at their
// defaults: no limit or budget is switched off for the views.
//
// A page view is what a browser fetches for it:
//   - front page (60%): GET / (brotli, as a browser asks for it);
//   - judging (30%): GET the photo's image, POST castVote (which answers with
//     the next photo), GET the next photo's thumbnail (the app prefetches it);
//     a judge who has judged every photo starts a new anonymous session;
//   - results (10%): POST the photo's statistics query, GET its image.
//
// -mix changes those shares (e.g. 0,100,0: judging views only), to measure
// what each kind of view costs; the aim is stated for the default mix.
//
// Replay: -clients closed-loop browsers run page views back to back until
// -views are done. Duration, throughput, latency per view and errors (any
// status but 200/304, GraphQL errors, transport failures; a shed 503 is an
// error here) are printed, and the CPU each process used, from /proc:
// FaceStat, PostgreSQL and Redis (the server side, per page view) apart
// from the load generator and everything else. -profile takes a CPU profile
// of the server through its operator-only /debug/pprof/ (the operator
// token is the run's own) while the replay runs, and prints its top.
//
// Overload: arrivals at twice the replay's throughput (open loop: a new
// view starts on schedule whether or not earlier ones have finished) for
// -overload; goodput (views completed without error per second) against
// the replay's capacity, the p99 of views that were admitted, and how the
// rest were shed (503 with Retry-After, or worse).
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

type options struct {
	views     int
	clients   int
	overload  time.Duration
	users     int
	perUser   int
	pool      int
	serverURL string
	redisURL  string
	bin       string
	baseline  string
	rounds    int
	addresses int
	profile   time.Duration
	keepProf  string
	factor    float64
	maxInFl   int
	env       string
	capacity  float64
	mix       [3]int // percent of front page, judging and results views
}

func main() {
	var o options
	flag.IntVar(&o.views, "views", 650_000, "page views in the replay")
	flag.IntVar(&o.clients, "clients", 32, "concurrent browsers in the replay (closed loop; 32 keep two cores busy, more only lengthen the queues)")
	flag.DurationVar(&o.overload, "overload", 20*time.Second, "length of the overload phase (0 skips it)")
	flag.Float64Var(&o.factor, "factor", 2, "overload arrival rate as a multiple of the replay's throughput")
	flag.IntVar(&o.maxInFl, "max-in-flight", 20_000, "overload: views in flight at most on the generator's side (beyond, an arrival counts as an error)")
	flag.IntVar(&o.users, "users", 20, "seeded accounts")
	flag.IntVar(&o.perUser, "photos", 5, "seeded photos per account")
	flag.IntVar(&o.pool, "pool", 20, "the app's PostgreSQL pool size")
	flag.StringVar(&o.serverURL, "server", cmp.Or(os.Getenv("FACESTAT_TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server to create the benchmark database on")
	flag.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis server (keys under a prefix of this run's own)")
	flag.StringVar(&o.bin, "bin", "", "a facestat binary to run instead of building ./cmd/facestat")
	flag.StringVar(&o.baseline, "baseline", "", "another facestat build to replay first, the same way (no overload), for CPU per view side by side")
	flag.IntVar(&o.addresses, "addresses", 20_000, "synthetic client addresses sent as X-Forwarded-For through a trusted proxy (0: every request from loopback, with per-address and per-judge limits and budgets off)")
	flag.DurationVar(&o.profile, "profile", 20*time.Second, "CPU profile of the server during the replay, through its operator-only /debug/pprof/ (0: none)")
	flag.StringVar(&o.keepProf, "profile-out", "", "also keep the CPU profile in this file, and the allocations in the file + .allocs, for go tool pprof")
	flag.IntVar(&o.rounds, "rounds", 4, "with -baseline, the builds take turns in this many rounds of the replay")
	flag.Float64Var(&o.capacity, "capacity", 0, "skip the replay and overload at -factor times this many views/s (a capacity measured before)")
	mix := flag.String("mix", "60,30,10", "shares of front page, judging and results views, in percent")
	flag.StringVar(&o.env, "env", "", "extra settings for the server, e.g. FACESTAT_ADMIT_LATENCY=100ms,FACESTAT_ADMIT_VOTES=128")
	flag.Parse()
	var err error
	if o.mix, err = parseMix(*mix); err != nil {
		fmt.Fprintln(os.Stderr, "spike: -mix:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "spike:", err)
		os.Exit(1)
	}
}

// result is what one build's replay measured, over all its rounds.
type result struct {
	label    string
	views    int64 // completed without error
	failed   int64
	wall     time.Duration
	capacity float64 // views/s in the replay
	cpu      map[string]time.Duration
	other    map[string]time.Duration // the other processes' CPU, by command
	busy     time.Duration            // the machine's
}

// perView is label's CPU per page view of r.
func (r result) perView(label string) time.Duration {
	if r.views == 0 {
		return 0
	}
	return r.cpu[label] / time.Duration(r.views)
}

// serverLabels are the processes whose CPU is the server side's.
var serverLabels = []string{"facestat", "postgres", "redis"}

func (r result) serverPerView() time.Duration {
	var d time.Duration
	for _, l := range serverLabels {
		d += r.perView(l)
	}
	return d
}

// target is one build under test: its server, database and load.
type target struct {
	label, bin, token, tmp string
	srv                    *benchkit.Server
	l                      *load
	res                    result
	closers                []func()
}

func (t *target) close() {
	for i := len(t.closers) - 1; i >= 0; i-- {
		t.closers[i]()
	}
}

func run(ctx context.Context, o options) error {
	fmt.Printf("machine: %s; %s; %s\n", benchkit.DescribeMachine(), benchkit.DescribeTree(), time.Now().UTC().Format("2006-01-02 15:04 MST"))
	tmp, err := os.MkdirTemp("", "facestat-spike-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := o.bin
	if bin == "" {
		if bin, err = benchkit.BuildFacestat(ctx, tmp); err != nil {
			return err
		}
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.close()
		}
	}()
	if o.baseline != "" {
		t, err := setUp(ctx, o, o.baseline, "baseline "+filepath.Base(o.baseline))
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		targets = append(targets, t)
	}
	cur, err := setUp(ctx, o, bin, "this build")
	if err != nil {
		return err
	}
	targets = append(targets, cur)
	capacity := o.capacity
	if capacity <= 0 {
		// The builds take turns, round by round, so that what else the
		// machine does falls on both alike.
		rounds := max(o.rounds, 1)
		fmt.Printf("\n== replay: %d page views (%d%% front page, %d%% judging, %d%% results) from %d closed-loop browsers, per build, in %d rounds taking turns\n",
			o.views, o.mix[0], o.mix[1], o.mix[2], o.clients, rounds)
		for round := range rounds {
			for i := range targets {
				t := targets[(i+round)%len(targets)]
				n := o.views / rounds
				if round == rounds-1 {
					n = o.views - n*(rounds-1)
				}
				replay(ctx, t, o, n, round == 0 && t == cur)
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
		}
		for _, t := range targets {
			summarize(t)
		}
		if len(targets) == 2 {
			compare(targets[0].res, cur.res)
		}
		capacity = cur.res.capacity
	}
	if o.overload <= 0 {
		return nil
	}
	l := cur.l
	rate := capacity * o.factor
	l.reset()
	fmt.Printf("\n== overload of this build: %.0f views/s arriving (%.1fx the replay's %.0f views/s) for %s, open loop\n", rate, o.factor, capacity, o.overload)
	sampler := startSampler(cur)
	d := l.overload(ctx, rate, o.overload, o.maxInFl)
	usage := sampler.Stop()
	goodput := float64(l.ok.Load()) / d.Seconds()
	p99 := l.quantile(0.99)
	l.report("overload", d)
	fmt.Printf("goodput %.0f views/s = %.2f of capacity (aim >= 0.90: %s); p99 of admitted views %s (aim < 500ms: %s)\n",
		goodput, goodput/capacity, verdict(goodput >= 0.9*capacity), p99.Round(time.Millisecond), verdict(p99 < 500*time.Millisecond))
	fmt.Printf("shed: %d views refused with 503 + Retry-After, %d failed otherwise (must be 0 for a clean shed: %s)\n",
		l.shed.Load(), l.failed()-l.shed.Load(), verdict(l.failed() == l.shed.Load()))
	fmt.Printf("CPU in the overload, cores: %s; other load: %s\n", coresLine(usage.ByLabel, usage.Wall), otherLoad(byComm(usage)))
	fmt.Printf("admission at the end: %s\n", admissionLimits(cur.srv.URL, cur.token))
	return nil
}

// compare prints the builds' replays side by side.
func compare(base, cur result) {
	fmt.Printf("\n== side by side (%d views each, same machine, same run, taking turns)\n", cur.views+cur.failed)
	fmt.Printf("%-28s %16s %16s %8s\n", "", base.label, cur.label, "ratio")
	row := func(name string, a, b float64, unit string) {
		ratio := "-"
		if a > 0 {
			ratio = fmt.Sprintf("%.2f", b/a)
		}
		fmt.Printf("%-28s %13.3f %-2s %13.3f %-2s %8s\n", name, a, unit, b, unit, ratio)
	}
	row("views/s", base.capacity, cur.capacity, "")
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	for _, l := range serverLabels {
		row(l+" CPU per view", ms(base.perView(l)), ms(cur.perView(l)), "ms")
	}
	row("server CPU per view", ms(base.serverPerView()), ms(cur.serverPerView()), "ms")
	row("load generator per view", ms(base.perView("load generator")), ms(cur.perView("load generator")), "ms")
	row("other per view", ms(base.perView("other")), ms(cur.perView("other")), "ms")
	if b := base.serverPerView(); b > 0 {
		f := float64(cur.serverPerView()) / float64(b)
		fmt.Printf("server CPU per view: this build %.3f of the baseline's = 1/%.2f (aim <= 1/5: %s; 1/8: %s); errors %d and %d (aim 0: %s)\n",
			f, 1/f, verdict(f <= 0.2), verdict(f <= 0.125), base.failed, cur.failed, verdict(base.failed == 0 && cur.failed == 0))
	}
}

// setUp starts bin on a database and data folder of its own, seeded, and
// warms it up.
func setUp(ctx context.Context, o options, bin, label string) (*target, error) {
	t := &target{label: label, bin: bin, res: result{label: label, cpu: map[string]time.Duration{}, other: map[string]time.Duration{}}}
	fmt.Printf("\n######## %s: %s\n", label, bin)
	db, err := benchkit.CreateDatabase(o.serverURL, "facestat_spike_")
	if err != nil {
		return nil, err
	}
	t.closers = append(t.closers, func() { db.Drop() })
	if t.tmp, err = os.MkdirTemp("", "facestat-spike-"); err != nil {
		t.close()
		return nil, err
	}
	t.closers = append(t.closers, func() { os.RemoveAll(t.tmp) })
	env := benchkit.ServerEnv(db.URL, t.tmp, o.pool, 1000)
	env["FACESTAT_REDIS_URL"] = o.redisURL
	env["FACESTAT_REDIS_PREFIX"] = fmt.Sprintf("spike%d:", time.Now().UnixNano())
	env["FACESTAT_RATE_SIGN_UP"] = "0/1s"
	env["FACESTAT_RATE_UPLOAD"] = "0/1s"
	t.token = benchkit.OperatorToken()
	env["FACESTAT_OPERATOR_TOKEN"] = t.token
	for kv := range strings.SplitSeq(o.env, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	fmt.Printf("seeding %d accounts x %d photos with `facestat seed` ...\n", o.users, o.perUser)
	if err := seed(ctx, bin, env, o); err != nil {
		t.close()
		return nil, err
	}
	var addrs []string
	if o.addresses > 0 {
		benchkit.TrustLoopbackProxy(env)
		addrs = benchkit.SyntheticAddresses(o.addresses, 2008)
	}
	if t.srv, err = benchkit.StartServer(ctx, bin, env, nil); err != nil {
		t.close()
		return nil, err
	}
	t.closers = append(t.closers, t.srv.Stop)
	t.l = newLoad(t.srv.URL, o.clients, addrs)
	t.l.mix = o.mix
	t.closers = append(t.closers, t.l.closeIdle) // before the server stops
	if err := t.l.loadPhotos(); err != nil {
		t.close()
		return nil, err
	}
	clients := "every request from loopback, per-address and per-judge limits and budgets off"
	if len(addrs) > 0 {
		clients = fmt.Sprintf("%d synthetic client addresses in X-Forwarded-For through a trusted proxy, limits and budgets at their defaults", len(addrs))
	}
	fmt.Printf("server %s (pid %d): PostgreSQL pool %d, Redis; %d public photos; %s\n", t.srv.URL, t.srv.Pid(), o.pool, len(t.l.photos), clients)
	// Warm-up: a few seconds of the same mix, not counted.
	t.l.replay(ctx, 5_000, o.clients)
	t.l.reset()
	return t, nil
}

// admissionLimits reads facestat_admission_limit and
// facestat_admissions_refused_total from the server's /metrics.
func admissionLimits(base, token string) string {
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out []string
	for line := range strings.SplitSeq(string(body), "\n") {
		if m, ok := strings.CutPrefix(line, "facestat_admission_limit"); ok {
			out = append(out, "limit"+m)
		}
		if m, ok := strings.CutPrefix(line, "facestat_admissions_refused_total"); ok {
			out = append(out, "refused"+m)
		}
	}
	return strings.Join(out, ", ")
}

// byComm is the other processes' CPU in u, by command name.
func byComm(u benchkit.CPUUsage) map[string]time.Duration {
	by := map[string]time.Duration{}
	for _, p := range u.Procs {
		if p.Label == "other" {
			by[p.Comm] += p.CPU
		}
	}
	return by
}

// otherLoad names the five processes outside the benchmark that used the
// most CPU, by command name.
func otherLoad(by map[string]time.Duration) string {
	names := slices.SortedFunc(maps.Keys(by), func(a, b string) int { return cmp.Compare(by[b], by[a]) })
	var parts []string
	for _, n := range names[:min(len(names), 5)] {
		parts = append(parts, fmt.Sprintf("%s %.1f s", n, by[n].Seconds()))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func coresLine(by map[string]time.Duration, wall time.Duration) string {
	var parts []string
	for _, k := range []string{"facestat", "postgres", "redis", "load generator", "other"} {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, by[k].Seconds()/wall.Seconds()))
	}
	return strings.Join(parts, ", ")
}

func startSampler(t *target) *benchkit.CPUSampler {
	return benchkit.StartCPUSampler(500*time.Millisecond, func(pid, ppid int, comm string) (string, bool) {
		switch {
		case pid == t.srv.Pid():
			return "facestat", true
		case pid == os.Getpid():
			return "load generator", true
		case strings.HasPrefix(comm, "postgres"):
			return "postgres", true
		case strings.HasPrefix(comm, "redis"):
			return "redis", true
		}
		return "other", true
	})
}

// replay runs n page views on t, adding what it measured to t.res; with
// profile, it takes a CPU profile of the server meanwhile (-profile long).
func replay(ctx context.Context, t *target, o options, n int, profile bool) {
	sampler := startSampler(t)
	var profiled chan error
	file := filepath.Join(t.tmp, "cpu.pprof")
	if profile && o.profile > 0 {
		profiled = make(chan error, 1)
		go func() {
			// A few seconds in, past the start's transient.
			select {
			case <-time.After(3 * time.Second):
			case <-ctx.Done():
			}
			profiled <- benchkit.FetchProfile(ctx, t.srv.URL, t.token, int(o.profile.Seconds()), file)
		}()
	}
	ok0, failed0 := t.l.ok.Load(), t.l.failed()
	d := t.l.replay(ctx, n, o.clients)
	if profiled != nil {
		// The profile may outlast the round: keep the load on until it is in.
		err := <-profiled
		if err != nil {
			fmt.Printf("no CPU profile: %v\n", err)
		} else {
			if o.keepProf != "" {
				// The allocations' profile goes beside it, when there is one.
				for from, to := range map[string]string{file: o.keepProf, file + ".allocs": o.keepProf + ".allocs"} {
					b, err := os.ReadFile(from)
					if err == nil {
						err = os.WriteFile(to, b, 0o644)
					}
					if err != nil && (from == file || !errors.Is(err, fs.ErrNotExist)) {
						fmt.Printf("keeping the profile: %v\n", err)
					}
				}
			}
			defer fmt.Printf("\nCPU profile of facestat (this build), %s of the replay's first round (through /debug/pprof/ with the operator token):\n%s",
				o.profile, benchkit.PprofTop(t.bin, file, 25))
		}
	}
	u := sampler.Stop()
	ok, failed := t.l.ok.Load()-ok0, t.l.failed()-failed0
	fmt.Printf("  %s: %d views in %.1f s = %.0f views/s, errors %d; cores %s\n", t.label, ok+failed, d.Seconds(), float64(ok)/d.Seconds(), failed, coresLine(u.ByLabel, u.Wall))
	r := &t.res
	r.views += ok
	r.failed += failed
	r.wall += d
	r.capacity = float64(r.views) / r.wall.Seconds()
	for k, v := range u.ByLabel {
		r.cpu[k] += v
	}
	for k, v := range byComm(u) {
		r.other[k] += v
	}
	r.busy += u.Busy
}

// summarize prints t's replay over all its rounds.
func summarize(t *target) {
	r := t.res
	fmt.Printf("\n== %s (%s)\n", t.label, t.bin)
	t.l.report("replay", r.wall)
	var server time.Duration
	for _, k := range serverLabels {
		server += r.cpu[k]
	}
	fmt.Printf("server CPU (facestat, PostgreSQL, Redis) %.1f s over %.1f s (%.2f cores); aim: 650,000 views in under 60 s with zero errors: %.0f s at this rate, errors %d\n",
		server.Seconds(), r.wall.Seconds(), server.Seconds()/r.wall.Seconds(), 650_000/r.capacity, r.failed)
	fmt.Printf("CPU in the replay, cores: %s; machine busy %.2f\n", coresLine(r.cpu, r.wall), r.busy.Seconds()/r.wall.Seconds())
	fmt.Printf("other load: %s\n", otherLoad(r.other))
	fmt.Printf("server CPU per page view: %.3f ms (facestat %.3f, PostgreSQL %.3f, Redis %.3f); load generator %.3f ms apart\n",
		float64(r.serverPerView())/1e6, float64(r.perView("facestat"))/1e6, float64(r.perView("postgres"))/1e6,
		float64(r.perView("redis"))/1e6, float64(r.perView("load generator"))/1e6)
	if ops, err := benchkit.OperationLatencies(t.srv.URL); err == nil {
		fmt.Printf("GraphQL operations in the server since it started (facestat_graphql_operation_duration_seconds; bucket bounds):\n%s", ops)
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// seed runs `facestat seed` on the benchmark's database and folder.
func seed(ctx context.Context, bin string, env map[string]string, o options) error {
	cmd := exec.CommandContext(ctx, bin, "seed", "--", "-users", strconv.Itoa(o.users), "-photos", strconv.Itoa(o.perUser),
		"-judges", "40", "-votes", "20")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "FACESTAT_ADDR=127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("facestat seed: %v\n%s", err, out)
	}
	fmt.Print(string(out[max(0, bytes.LastIndexByte(out[:max(0, len(out)-1)], '\n')+1):]))
	return nil
}

type photo struct {
	ID           string
	ImageURL     string
	ThumbnailURL string
}

// load is the page views' client side: its keep-alive connections, the
// public photos, and what was measured.
type load struct {
	base   string
	gql    *benchkit.Client // for the set-up's list of photos
	photos []photo
	// idle browsers: connections kept alive between views. The
	// generator's own CPU counts against the machine the server runs on,
	// so a view's requests are prepared bytes on a raw connection
	// (benchkit.Conn), about a third of what net/http's client costs.
	idleMu sync.Mutex
	idle   []*browser

	mu        sync.Mutex
	latencies map[string][]time.Duration // by view kind, successful views
	steps     map[string][]time.Duration // a judging view's requests, by step, answered fine
	errors    map[string]int             // by kind of failure
	ok        atomic.Int64
	shed      atomic.Int64 // views that met a 503 (and nothing worse)
	fails     atomic.Int64
	requests  atomic.Int64
	judges    sync.Pool // *judge, idle
	addrs     []string  // synthetic client addresses; none: no X-Forwarded-For
	mix       [3]int    // percent of front page, judging and results views
}

func newLoad(base string, conns int, addrs []string) *load {
	l := &load{base: base, gql: benchkit.NewClient(base, conns, 30*time.Second), addrs: addrs}
	l.reset()
	return l
}

// browser is one keep-alive connection with the buffers its requests are
// written in. Not safe for concurrent use.
type browser struct {
	c       *benchkit.Conn
	vote    *benchkit.CastVote
	body    []byte
	headers []string
}

// take returns an idle browser, or a new one.
func (l *load) take() *browser {
	l.idleMu.Lock()
	if n := len(l.idle); n > 0 {
		b := l.idle[n-1]
		l.idle = l.idle[:n-1]
		l.idleMu.Unlock()
		return b
	}
	l.idleMu.Unlock()
	c, err := benchkit.NewConn(l.base, 30*time.Second)
	if err != nil {
		panic(err) // l.base is the server's own URL
	}
	return &browser{c: c, vote: benchkit.NewCastVote(castVote)}
}

// give puts b back among the idle browsers.
func (l *load) give(b *browser) {
	l.idleMu.Lock()
	l.idle = append(l.idle, b)
	l.idleMu.Unlock()
}

// closeIdle closes the idle browsers' connections.
func (l *load) closeIdle() {
	l.idleMu.Lock()
	defer l.idleMu.Unlock()
	for _, b := range l.idle {
		b.c.Close()
	}
	l.idle = nil
}

// with sets b's header lines: the client's address (none for ""), a
// bearer token (none for ""), then extra ones.
func (b *browser) with(addr, token string, extra ...string) []string {
	b.headers = b.headers[:0]
	if addr != "" {
		b.headers = append(b.headers, "X-Forwarded-For: "+addr)
	}
	if token != "" {
		b.headers = append(b.headers, "Authorization: Bearer "+token)
	}
	return append(b.headers, extra...)
}

func (l *load) reset() {
	l.mu.Lock()
	l.latencies = map[string][]time.Duration{}
	l.steps = map[string][]time.Duration{}
	l.errors = map[string]int{}
	l.mu.Unlock()
	l.ok.Store(0)
	l.shed.Store(0)
	l.fails.Store(0)
	l.requests.Store(0)
}

func (l *load) failed() int64 { return l.fails.Load() }

func (l *load) loadPhotos() error {
	var after any
	for {
		data, code, msg := l.gql.Call("", `query($after: String) { photos(first: 100, after: $after) {
			edges { node { id imageUrl thumbnailUrl } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"after": after})
		if code != "" {
			return fmt.Errorf("listing photos: %s %s", code, msg)
		}
		var out struct {
			Photos struct {
				Edges    []struct{ Node photo }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := json.Unmarshal(data, &out); err != nil {
			return err
		}
		for _, e := range out.Photos.Edges {
			l.photos = append(l.photos, e.Node)
		}
		if !out.Photos.PageInfo.HasNextPage {
			break
		}
		after = out.Photos.PageInfo.EndCursor
	}
	if len(l.photos) == 0 {
		return fmt.Errorf("no public photos after seeding")
	}
	return nil
}

// outcome of one request: "" when fine, "shed" for a 503, else what failed.
type outcome string

// addr is a page view's client address: a visitor drawn at random ("" when
// the load has none).
func (l *load) addr(r *mrand.Rand) string {
	if len(l.addrs) == 0 {
		return ""
	}
	return l.addrs[r.IntN(len(l.addrs))]
}

// get fetches path ("/" or an image's URL) on b; brotli asks for the
// front page as a browser does.
func (l *load) get(b *browser, addr, path string, brotli bool) outcome {
	l.requests.Add(1)
	// Image URLs name the public URL, which the server, listening on a
	// port of its own choosing, cannot know: ask the server itself.
	if _, rest, ok := strings.Cut(path, "/images/"); ok {
		path = "/images/" + rest
	}
	headers := b.with(addr, "")
	if brotli {
		headers = append(headers, "Accept-Encoding: br, gzip", "Accept: text/html")
	}
	status, _, err := b.c.Get(path, headers)
	switch {
	case err != nil:
		return "transport"
	case status == http.StatusOK || status == http.StatusNotModified:
		return ""
	case status == http.StatusServiceUnavailable && b.c.RetryAfter():
		return "shed"
	}
	return outcome("http_" + strconv.Itoa(status))
}

// call posts a GraphQL request body on b and returns the response,
// {"data": ...} (valid until b's next request).
func (l *load) call(b *browser, addr, token string, body []byte) ([]byte, outcome) {
	l.requests.Add(1)
	data, code, _ := b.c.GraphQL(b.with(addr, token), body)
	switch code {
	case "":
		return data, ""
	case "UNAVAILABLE":
		return nil, "shed"
	}
	return nil, outcome(strings.ToLower(code))
}

// startSession and resultsQuery are the bodies of those requests: the
// first fixed, the second a prefix to which a photo's id is added.
var (
	startSession = []byte(`{"query":"mutation StartAnonymousSession { startAnonymousSession { token } }"}`)
	resultsQuery = func() []byte {
		q, _ := json.Marshal(results)
		return append(append([]byte(`{"query":`), q...), `,"variables":{"id":`...)
	}()
)

// resultsBody is the results query's body for the photo id.
func (b *browser) resultsBody(id string) []byte {
	b.body = append(b.body[:0], resultsQuery...)
	b.body = strconv.AppendQuote(b.body, id) // global ids are base64url: a Go quote is JSON
	return append(b.body, "}}"...)
}

// judge is one anonymous judge: its token, its address and the photo it
// is looking at.
type judge struct {
	token   string
	addr    string
	current *photo
}

const castVote = `mutation CastVote($id: ID!, $answers: [AnswerInput!]!) {
  castVote(input: {photoId: $id, answers: $answers}) { photo { id voteCount } next { id imageUrl thumbnailUrl } } }`

const results = `query Results($id: ID!) { photo(id: $id) { id imageUrl voteCount stats { voteCount version
  questions { question { key } count mean median stddev interval { low high } yesShare histogram { value count } words { word count } percentile } } } }`

// view runs one page view of a kind drawn from the mix on b.
func (l *load) view(b *browser, r *mrand.Rand) {
	start := time.Now()
	var kind string
	var out outcome
	addr := l.addr(r)
	switch x := r.IntN(100); {
	case x < l.mix[0]:
		kind, out = "front", l.get(b, addr, "/", true)
	case x < l.mix[0]+l.mix[1]:
		kind, out = "judging", l.judging(b, r, addr)
	default:
		kind = "results"
		p := l.photos[r.IntN(len(l.photos))]
		if _, out = l.call(b, addr, "", b.resultsBody(p.ID)); out == "" {
			out = l.get(b, addr, p.ImageURL, false)
		}
	}
	d := time.Since(start)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch out {
	case "":
		l.ok.Add(1)
		l.latencies[kind] = append(l.latencies[kind], d)
	case "shed":
		l.shed.Add(1)
		l.fails.Add(1)
		l.errors[kind+":503"]++
	default:
		l.fails.Add(1)
		l.errors[kind+":"+string(out)]++
	}
}

// judging: the photo's image, the vote, the next photo's thumbnail.
// A new judge judges from addr; one met again keeps its own address.
func (l *load) judging(b *browser, r *mrand.Rand, addr string) outcome {
	j, _ := l.judges.Get().(*judge)
	if j == nil || j.current == nil {
		t0 := time.Now()
		data, out := l.call(b, addr, "", startSession)
		l.step("session", t0, out)
		if out != "" {
			return out
		}
		var s struct {
			Data struct{ StartAnonymousSession struct{ Token string } }
		}
		json.Unmarshal(data, &s)
		p := l.photos[r.IntN(len(l.photos))]
		j = &judge{token: s.Data.StartAnonymousSession.Token, addr: addr, current: &p}
	}
	t0 := time.Now()
	out := l.get(b, j.addr, j.current.ImageURL, false)
	l.step("image", t0, out)
	if out != "" {
		l.judges.Put(j)
		return out
	}
	t0 = time.Now()
	data, out := l.call(b, j.addr, j.token, b.vote.Body(j.current.ID, r))
	l.step("castVote", t0, out)
	if out == "conflict" { // judged already (a retried view): move on
		j.current = nil
		l.judges.Put(j)
		return ""
	}
	if out != "" {
		l.judges.Put(j)
		return out
	}
	var v struct {
		Data struct{ CastVote struct{ Next *photo } }
	}
	json.Unmarshal(data, &v)
	j.current = v.Data.CastVote.Next
	l.judges.Put(j)
	if j.current != nil {
		t0 = time.Now()
		out = l.get(b, j.addr, j.current.ThumbnailURL, false)
		l.step("thumbnail", t0, out)
		return out
	}
	return ""
}

// step records how long a judging view's step took since t0, when it
// went fine.
func (l *load) step(name string, t0 time.Time, out outcome) {
	if out != "" {
		return
	}
	d := time.Since(t0)
	l.mu.Lock()
	l.steps[name] = append(l.steps[name], d)
	l.mu.Unlock()
}

// replay runs n page views from clients closed-loop browsers.
func (l *load) replay(ctx context.Context, n, clients int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			b := l.take()
			defer l.give(b)
			r := mrand.New(mrand.NewPCG(uint64(c), 650))
			for ctx.Err() == nil && next.Add(1) <= int64(n) {
				l.view(b, r)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// overload starts views at rate per second for d, each on its own
// goroutine, whatever is still in flight (up to maxInFlight).
func (l *load) overload(ctx context.Context, rate float64, d time.Duration, maxInFlight int) time.Duration {
	var wg sync.WaitGroup
	var inFlight atomic.Int64
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= d {
			break
		}
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		if inFlight.Load() >= int64(maxInFlight) {
			l.mu.Lock()
			l.errors["generator:too_many_in_flight"]++
			l.mu.Unlock()
			l.fails.Add(1)
			continue
		}
		inFlight.Add(1)
		wg.Go(func() {
			defer inFlight.Add(-1)
			b := l.take()
			defer l.give(b)
			l.view(b, mrand.New(mrand.NewPCG(uint64(i), 2008)))
		})
	}
	wg.Wait()
	// Goodput counts over the arrival window: views still finishing after
	// it count, as they were admitted within it.
	return d
}

func (l *load) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var all []time.Duration
	for _, ds := range l.latencies {
		all = append(all, ds...)
	}
	slices.Sort(all)
	return benchkit.Quantile(all, q)
}

func (l *load) report(phase string, d time.Duration) {
	l.mu.Lock()
	total := l.ok.Load() + l.fails.Load()
	fmt.Printf("%s: %d views in %.1f s = %.0f views/s (%d requests = %.0f req/s); ok %d, errors %d (%s)\n",
		phase, total, d.Seconds(), float64(total)/d.Seconds(), l.requests.Load(), float64(l.requests.Load())/d.Seconds(),
		l.ok.Load(), l.fails.Load(), benchkit.CountsLine(l.errors))
	for _, kind := range []string{"front", "judging", "results"} {
		ds := l.latencies[kind]
		slices.Sort(ds)
		fmt.Printf("  %-8s %7d ok  p50 %8s  p99 %8s  max %8s\n", kind, len(ds),
			benchkit.Quantile(ds, 0.5).Round(10*time.Microsecond), benchkit.Quantile(ds, 0.99).Round(10*time.Microsecond),
			benchkit.Quantile(ds, 1).Round(10*time.Microsecond))
		if kind != "judging" {
			continue
		}
		for _, step := range []string{"session", "image", "castVote", "thumbnail"} {
			ds := l.steps[step]
			slices.Sort(ds)
			fmt.Printf("    %-10s %7d ok  p50 %8s  p99 %8s  max %8s\n", step, len(ds),
				benchkit.Quantile(ds, 0.5).Round(10*time.Microsecond), benchkit.Quantile(ds, 0.99).Round(10*time.Microsecond),
				benchkit.Quantile(ds, 1).Round(10*time.Microsecond))
		}
	}
	l.mu.Unlock()
	fmt.Printf("  all      p50 %s  p99 %s\n", l.quantile(0.5).Round(10*time.Microsecond), l.quantile(0.99).Round(10*time.Microsecond))
}

// parseMix reads -mix: three whole percentages that add up to 100.
func parseMix(s string) ([3]int, error) {
	var mix [3]int
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return mix, fmt.Errorf("%q: want three percentages, front page, judging and results", s)
	}
	sum := 0
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return mix, fmt.Errorf("%q: %q is not a percentage", s, p)
		}
		mix[i], sum = n, sum+n
	}
	if sum != 100 {
		return mix, fmt.Errorf("%q adds up to %d, not 100", s, sum)
	}
	return mix, nil
}
