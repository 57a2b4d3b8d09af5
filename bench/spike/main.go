// Command spike replays the Yahoo front-page spike against one FaceStat
// instance on PostgreSQL and Redis, then overloads it at twice the capacity
// the replay measured.
//
//	go run ./bench/spike [-views 650000] [-clients 128] [-overload 20s]
//
// It creates a PostgreSQL database of its own (dropped at the end), builds
// the facestat binary from this working tree, seeds it with `facestat seed`
// (demo accounts, synthetic face photos on disk, votes through the real vote
// path), and starts `facestat serve` with Redis (a key prefix of its own).
//
// A page view is what a browser fetches for it:
//   - front page (60%): GET / (brotli, as a browser asks for it);
//   - judging (30%): GET the photo's image, POST castVote (which answers with
//     the next photo), GET the next photo's thumbnail (the app prefetches it);
//     a judge who has judged every photo starts a new anonymous session;
//   - results (10%): POST the photo's statistics query, GET its image.
//
// Replay: -clients closed-loop browsers run page views back to back until
// -views are done. Duration, throughput, latency per view and errors (any
// status but 200/304, GraphQL errors, transport failures; a shed 503 is an
// error here) are printed.
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
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
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
	factor    float64
	maxInFl   int
	env       string
	capacity  float64
}

func main() {
	var o options
	flag.IntVar(&o.views, "views", 650_000, "page views in the replay")
	flag.IntVar(&o.clients, "clients", 128, "concurrent browsers in the replay (closed loop)")
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
	flag.Float64Var(&o.capacity, "capacity", 0, "skip the replay and overload at -factor times this many views/s (a capacity measured before)")
	flag.StringVar(&o.env, "env", "", "extra settings for the server, e.g. FACESTAT_ADMIT_READS=32,FACESTAT_ADMIT_VOTES=256")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "spike:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	db, err := benchkit.CreateDatabase(o.serverURL, "facestat_spike_")
	if err != nil {
		return err
	}
	defer db.Drop()
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
	env := benchkit.ServerEnv(db.URL, tmp, o.pool, 1000)
	env["FACESTAT_REDIS_URL"] = o.redisURL
	env["FACESTAT_REDIS_PREFIX"] = fmt.Sprintf("spike%d:", time.Now().UnixNano())
	env["FACESTAT_RATE_SIGN_UP"] = "0/1s"
	env["FACESTAT_RATE_UPLOAD"] = "0/1s"
	for kv := range strings.SplitSeq(o.env, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}

	fmt.Printf("machine: %s\n", benchkit.DescribeMachine())
	fmt.Printf("seeding %d accounts x %d photos with `facestat seed` ...\n", o.users, o.perUser)
	if err := seed(ctx, bin, env, o); err != nil {
		return err
	}
	srv, err := benchkit.StartServer(ctx, bin, env, nil)
	if err != nil {
		return err
	}
	defer srv.Stop()
	l := newLoad(srv.URL, o.clients)
	if err := l.loadPhotos(); err != nil {
		return err
	}
	fmt.Printf("server %s (pid %d): PostgreSQL pool %d, Redis; %d public photos\n", srv.URL, srv.Pid(), o.pool, len(l.photos))

	// Warm-up: a few seconds of the same mix, not counted.
	l.replay(ctx, 5_000, o.clients)
	l.reset()

	capacity := o.capacity
	if capacity <= 0 {
		if capacity = replay(ctx, l, srv, o); ctx.Err() != nil || o.overload <= 0 {
			return ctx.Err()
		}
	}
	rate := capacity * o.factor
	l.reset()
	fmt.Printf("\n== overload: %.0f views/s arriving (%.1fx the replay's %.0f views/s) for %s, open loop\n", rate, o.factor, capacity, o.overload)
	d := l.overload(ctx, rate, o.overload, o.maxInFl)
	goodput := float64(l.ok.Load()) / d.Seconds()
	p99 := l.quantile(0.99)
	l.report("overload", d)
	fmt.Printf("goodput %.0f views/s = %.2f of capacity (aim >= 0.90: %s); p99 of admitted views %s (aim < 500ms: %s)\n",
		goodput, goodput/capacity, verdict(goodput >= 0.9*capacity), p99.Round(time.Millisecond), verdict(p99 < 500*time.Millisecond))
	fmt.Printf("shed: %d views refused with 503 + Retry-After, %d failed otherwise (must be 0 for a clean shed: %s)\n",
		l.shed.Load(), l.failed()-l.shed.Load(), verdict(l.failed() == l.shed.Load()))
	return nil
}

// replay runs the -views page views and returns the views/s it measured.
func replay(ctx context.Context, l *load, srv *benchkit.Server, o options) float64 {
	fmt.Printf("\n== replay: %d page views (60%% front page, 30%% judging, 10%% results) from %d closed-loop browsers\n", o.views, o.clients)
	startCPU := benchkit.ProcCPU(srv.Pid())
	sampler := benchkit.StartCPUSampler(500*time.Millisecond, func(pid, ppid int, comm string) (string, bool) {
		switch {
		case pid == srv.Pid():
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
	d := l.replay(ctx, o.views, o.clients)
	cpu := benchkit.ProcCPU(srv.Pid()) - startCPU
	usage := sampler.Stop()
	capacity := float64(l.ok.Load()) / d.Seconds()
	l.report("replay", d)
	fmt.Printf("server CPU %.1f s over %.1f s (%.2f cores); aim: under 60 s with zero errors: %s\n",
		cpu.Seconds(), d.Seconds(), cpu.Seconds()/d.Seconds(), verdict(d < 60*time.Second && l.failed() == 0))
	fmt.Printf("CPU in the replay (%d CPUs, in cores):", usage.NCPU)
	for _, k := range []string{"facestat", "postgres", "redis", "load generator", "other"} {
		fmt.Printf(" %s %.2f,", k, usage.ByLabel[k].Seconds()/usage.Wall.Seconds())
	}
	fmt.Printf(" machine busy %.2f (interrupts %.2f), steal %.2f\n",
		usage.Busy.Seconds()/usage.Wall.Seconds(), usage.IRQ.Seconds()/usage.Wall.Seconds(), usage.Steal.Seconds()/usage.Wall.Seconds())
	return capacity

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

// load is the page views' client side: one keep-alive HTTP client, the
// public photos, and what was measured.
type load struct {
	base   string
	hc     *http.Client
	gql    *benchkit.Client
	photos []photo

	mu        sync.Mutex
	latencies map[string][]time.Duration // by view kind, successful views
	errors    map[string]int             // by kind of failure
	ok        atomic.Int64
	shed      atomic.Int64 // views that met a 503 (and nothing worse)
	fails     atomic.Int64
	requests  atomic.Int64
	judges    sync.Pool // *judge, idle
}

func newLoad(base string, conns int) *load {
	c := benchkit.NewClient(base, conns, 30*time.Second)
	c.HC.Transport.(*http.Transport).MaxIdleConnsPerHost = 4 * conns
	c.HC.Transport.(*http.Transport).MaxIdleConns = 4 * conns
	l := &load{base: base, hc: c.HC, gql: c}
	l.reset()
	return l
}

func (l *load) reset() {
	l.mu.Lock()
	l.latencies = map[string][]time.Duration{}
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

func (l *load) get(url string, brotli bool) outcome {
	l.requests.Add(1)
	// Image URLs name the public URL, which the server, listening on a
	// port of its own choosing, cannot know: ask the server itself.
	if _, path, ok := strings.Cut(url, "/images/"); ok {
		url = l.base + "/images/" + path
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if brotli {
		req.Header.Set("Accept-Encoding", "br, gzip")
		req.Header.Set("Accept", "text/html")
	}
	res, err := l.hc.Do(req)
	if err != nil {
		return "transport"
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	switch {
	case res.StatusCode == http.StatusOK || res.StatusCode == http.StatusNotModified:
		return ""
	case res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") != "":
		return "shed"
	}
	return outcome("http_" + strconv.Itoa(res.StatusCode))
}

func (l *load) call(token, query string, vars map[string]any) (json.RawMessage, outcome) {
	l.requests.Add(1)
	data, code, _ := l.gql.Call(token, query, vars)
	switch code {
	case "":
		return data, ""
	case "UNAVAILABLE":
		return nil, "shed"
	}
	return nil, outcome(strings.ToLower(code))
}

// judge is one anonymous judge: its token and the photo it is looking at.
type judge struct {
	token   string
	current *photo
}

const castVote = `mutation($id: ID!, $answers: [AnswerInput!]!) {
  castVote(input: {photoId: $id, answers: $answers}) { photo { id voteCount } next { id imageUrl thumbnailUrl } } }`

const results = `query($id: ID!) { photo(id: $id) { id imageUrl voteCount stats { voteCount version
  questions { question { key } count mean median stddev interval { low high } yesShare histogram { value count } words { word count } percentile } } } }`

// view runs one page view of a kind drawn from the mix.
func (l *load) view(r *mrand.Rand) {
	start := time.Now()
	var kind string
	var out outcome
	switch x := r.IntN(100); {
	case x < 60:
		kind, out = "front", l.get(l.base+"/", true)
	case x < 90:
		kind, out = "judging", l.judging(r)
	default:
		kind = "results"
		p := l.photos[r.IntN(len(l.photos))]
		if _, out = l.call("", results, map[string]any{"id": p.ID}); out == "" {
			out = l.get(p.ImageURL, false)
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
func (l *load) judging(r *mrand.Rand) outcome {
	j, _ := l.judges.Get().(*judge)
	if j == nil || j.current == nil {
		data, out := l.call("", `mutation { startAnonymousSession { token } }`, nil)
		if out != "" {
			return out
		}
		var s struct{ StartAnonymousSession struct{ Token string } }
		json.Unmarshal(data, &s)
		p := l.photos[r.IntN(len(l.photos))]
		j = &judge{token: s.StartAnonymousSession.Token, current: &p}
	}
	if out := l.get(j.current.ImageURL, false); out != "" {
		l.judges.Put(j)
		return out
	}
	data, out := l.call(j.token, castVote, map[string]any{"id": j.current.ID, "answers": benchkit.Answers(r)})
	if out == "conflict" { // judged already (a retried view): move on
		j.current = nil
		l.judges.Put(j)
		return ""
	}
	if out != "" {
		l.judges.Put(j)
		return out
	}
	var v struct{ CastVote struct{ Next *photo } }
	json.Unmarshal(data, &v)
	j.current = v.CastVote.Next
	l.judges.Put(j)
	if j.current != nil {
		return l.get(j.current.ThumbnailURL, false)
	}
	return ""
}

// replay runs n page views from clients closed-loop browsers.
func (l *load) replay(ctx context.Context, n, clients int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(c), 650))
			for ctx.Err() == nil && next.Add(1) <= int64(n) {
				l.view(r)
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
			l.view(mrand.New(mrand.NewPCG(uint64(i), 2008)))
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
	}
	l.mu.Unlock()
	fmt.Printf("  all      p50 %s  p99 %s\n", l.quantile(0.5).Round(10*time.Microsecond), l.quantile(0.99).Round(10*time.Microsecond))
}
