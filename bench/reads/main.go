// Command reads measures FaceStat's cached read of a public photo against
// PostGraphile v5 serving the same rows from the same database.
//
//	go run ./bench/reads [-rounds 3] [-duration 10s] [-conns 64] [-addrs 10000]
//
// It creates a PostgreSQL database of its own (dropped at the end), builds
// the facestat binary from this working tree (or runs -bin), seeds it with
// `facestat seed` (demo accounts, synthetic face photos, votes through the
// real vote path, so the statistics are real), and starts `facestat serve`
// as production runs it: on PostgreSQL and Redis (a key prefix of its own),
// every setting at its default but the listening address, the data folder
// and trusted-proxies (127.0.0.1, the load generator, which names a
// client address of its own in X-Forwarded-For on every request, drawn
// from -addrs synthetic ones). Rate limits and budgets stay at their
// defaults. Beside it, PostGraphile v5 (bench/reads/postgraphile, a
// package of its own, installed with `npm ci` when missing) runs on Node
// with a Promise.withResolvers polyfill, on the same database.
//
// Each round measures three windows, after a warm-up each: FaceStat's
// photo query (queries.go) on the public photos, drawn at random, from
// its cache; PostGraphile's equivalent, which reads the same rows; and
// `{ __typename }` on FaceStat, the smallest request. Each window reports
// requests/s, latency p50/p99, errors, and CPU per request of the server's
// process, of this database's PostgreSQL backends and of Redis (from
// /proc), the load generator's own apart. The figures: FaceStat's
// requests/s over PostGraphile's (aim: 3 or more), and the CPU per
// request of a cached photo read over that of `{ __typename }` (aim: 2 or
// less).
//
// With -pin (the default, on 2 CPUs or more) the servers run on CPU 0 and
// the load generator on CPU 1; FaceStat takes GOMAXPROCS 1 from its
// affinity and Node is one thread of JavaScript anyway. PostgreSQL and
// Redis, shared servers this benchmark does not manage, run where the
// kernel puts them.
package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/bench/benchkit"
	"github.com/facestat/facestat/relay"
)

type options struct {
	duration  time.Duration
	warmup    time.Duration
	rounds    int
	conns     int
	addrs     int
	loadProcs int
	users     int
	perUser   int
	judges    int
	votes     int
	pin       bool
	serverURL string
	redisURL  string
	bin       string
	pgDir     string
	perfFile  string
	perfConns int
	env       string
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured window of each run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before each window, not measured")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each measures FaceStat's photo read, PostGraphile's, then FaceStat's { __typename }")
	flag.IntVar(&o.conns, "conns", 64, "concurrent keep-alive connections")
	flag.IntVar(&o.addrs, "addrs", 10000, "synthetic client addresses (X-Forwarded-For), one drawn at random per request")
	flag.IntVar(&o.loadProcs, "loadprocs", 1, "GOMAXPROCS of the load generator")
	flag.IntVar(&o.users, "users", 20, "seeded accounts (facestat seed -users)")
	flag.IntVar(&o.perUser, "photos", 5, "photos per seeded account, two in three public (facestat seed -photos)")
	flag.IntVar(&o.judges, "judges", 40, "seeded anonymous judges (facestat seed -judges)")
	flag.IntVar(&o.votes, "votes", 20, "votes per seeded judge at most (facestat seed -votes)")
	flag.BoolVar(&o.pin, "pin", true, "run the servers on CPU 0 and the load generator on CPU 1 (needs taskset and 2 CPUs)")
	flag.StringVar(&o.serverURL, "server", cmp.Or(os.Getenv("FACESTAT_TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server to create the benchmark database on")
	flag.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis server (keys under a prefix of this run's own)")
	flag.StringVar(&o.bin, "bin", "", "a facestat binary to run instead of building ./cmd/facestat from this working tree")
	flag.StringVar(&o.pgDir, "postgraphile", filepath.Join("bench", "reads", "postgraphile"), "the PostGraphile package's folder")
	flag.StringVar(&o.perfFile, "perf", "", "after the rounds, one more FaceStat photo window (not counted) under `perf record -g` of the facestat process, into the file, and print its top functions")
	flag.IntVar(&o.perfConns, "perf-conns", 0, "connections of the profiled window (0: -conns)")
	flag.StringVar(&o.env, "env", "", "more environment for facestat serve, comma-separated, e.g. GOGC=200 (experiments; the figures are at the defaults)")
	flag.Parse()
	if o.rounds < 1 || o.conns < 1 || o.addrs < 1 || o.addrs > 1<<17 || o.loadProcs < 1 || o.duration < time.Second {
		fmt.Fprintln(os.Stderr, "reads: -rounds, -conns, -loadprocs must be positive, -addrs in 1..131072 and -duration at least 1s")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "reads:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	started := time.Now()
	fmt.Printf("machine: %s\n", benchkit.DescribeMachine())
	if _, err := os.Stat(filepath.Join(o.pgDir, "package-lock.json")); err != nil {
		return fmt.Errorf("no PostGraphile package at %s (run from the repository's root, or give -postgraphile): %w", o.pgDir, err)
	}
	pgDir, err := filepath.Abs(o.pgDir)
	if err != nil {
		return err
	}
	if err := installPostGraphile(ctx, pgDir); err != nil {
		return err
	}
	db, err := benchkit.CreateDatabase(o.serverURL, "facestat_reads_")
	if err != nil {
		return err
	}
	defer db.Drop()
	tmp, err := os.MkdirTemp("", "facestat-reads-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := o.bin
	if bin == "" {
		if bin, err = benchkit.BuildFacestat(ctx, tmp); err != nil {
			return err
		}
	} else {
		fmt.Printf("running %s (this working tree: %s)\n", bin, benchkit.DescribeTree())
	}

	// FaceStat as production runs it: every setting at its default but
	// these.
	prefix := fmt.Sprintf("facestat_reads_%d:", time.Now().UnixNano())
	defer func() {
		if err := dropRedisKeys(o.redisURL, prefix); err != nil {
			fmt.Fprintln(os.Stderr, "reads: deleting the run's Redis keys:", err)
		}
	}()
	env := map[string]string{
		"FACESTAT_DATABASE_URL":    db.URL,
		"FACESTAT_ADDR":            "127.0.0.1:0",
		"FACESTAT_DATA_DIR":        filepath.Join(tmp, "data"),
		"FACESTAT_REDIS_URL":       o.redisURL,
		"FACESTAT_REDIS_PREFIX":    prefix,
		"FACESTAT_TRUSTED_PROXIES": "127.0.0.1",
	}
	for kv := range strings.SplitSeq(o.env, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	fmt.Printf("seeding %d accounts x %d photos, %d judges x %d votes with `facestat seed` ...\n", o.users, o.perUser, o.judges, o.votes)
	if err := seed(ctx, bin, env, o); err != nil {
		return err
	}

	// Both servers start on CPU 0 (they inherit this process's affinity),
	// then the load generator moves to CPU 1.
	pinned := o.pin && runtime.NumCPU() >= 2
	if pinned {
		if _, err := exec.LookPath("taskset"); err != nil {
			fmt.Println("taskset not found: not pinning")
			pinned = false
		} else if err := pinSelf("0"); err != nil {
			return err
		}
	}
	srv, err := benchkit.StartServer(ctx, bin, env, nil)
	if err != nil {
		return err
	}
	defer srv.Stop()
	pgl, err := startPostGraphile(ctx, pgDir, db.URL)
	if err != nil {
		return err
	}
	defer pgl.stop()
	runtime.GOMAXPROCS(o.loadProcs)
	if pinned {
		if err := pinSelf("1"); err != nil {
			return err
		}
		fmt.Printf("pinned: facestat and postgraphile on CPU 0, load generator on CPU 1 (GOMAXPROCS %d); PostgreSQL and Redis unpinned\n", o.loadProcs)
	} else {
		fmt.Printf("not pinned: servers and load generator share the %d CPUs; load generator GOMAXPROCS %d\n", runtime.NumCPU(), o.loadProcs)
	}
	nodeVersion, _ := exec.Command("node", "--version").Output()
	fmt.Printf("facestat (pid %d) at %s: PostgreSQL and Redis, settings at their defaults (trusted-proxies 127.0.0.1)\n", srv.Pid(), srv.URL)
	fmt.Printf("postgraphile %s (pid %d, Node %s, NODE_ENV=production) at %s, amber preset\n", postgraphileVersion, pgl.pid(), strings.TrimSpace(string(nodeVersion)), pgl.URL)

	// The photos, and what both sides answer for each.
	sqldb, err := sql.Open("postgres", db.URL)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	ids, err := publicPhotos(ctx, sqldb)
	if err != nil {
		return err
	}
	var nPhotos, nOwners, nStats int
	if err := sqldb.QueryRowContext(ctx, rowsSQL).Scan(&nPhotos, &nOwners, &nStats); err != nil {
		return err
	}
	fmt.Printf("%d public photos of %d owners, %d photo_question_stats rows\n", nPhotos, nOwners, nStats)
	addrs := clientAddrs(o.addrs)
	fsURL, pgURL := srv.URL+"/graphql", pgl.URL
	if err := compare(ctx, fsURL, pgURL, ids, addrs); err != nil {
		return fmt.Errorf("%w\nfacestat's output:\n%s\npostgraphile's output:\n%s", err, srv.Output(), pgl.output())
	}
	fmt.Printf("both sides answer the same vote counts, owners and answer counts for all %d photos; FaceStat's cache is warm\n", len(ids))

	targets := []target{
		{name: "facestat", addr: hostOf(fsURL), path: "/graphql", pid: srv.Pid(), want: facestatWant, counters: metricsOf(srv.URL)},
		{name: "postgraphile", addr: hostOf(pgURL), path: pathOf(pgURL), pid: pgl.pid(), want: postgraphileWant},
		{name: "typename", addr: hostOf(fsURL), path: "/graphql", pid: srv.Pid(), want: typenameWant, counters: metricsOf(srv.URL)},
	}
	for _, id := range ids {
		targets[0].bodies = append(targets[0].bodies, requestBody(photoQuery, map[string]any{"id": relay.ID("Photo", id)}))
		targets[1].bodies = append(targets[1].bodies, requestBody(postgraphileQuery, map[string]any{"id": id.String()}))
	}
	targets[2].bodies = [][]byte{requestBody(typenameQuery, nil)}
	classify := func(serverPid int) func() benchkit.Classifier {
		return func() benchkit.Classifier { return classifier(ctx, sqldb, db.Name, serverPid) }
	}

	fmt.Printf("\n%d rounds of %s windows (after %s of warm-up each), %d connections, %d client addresses\n",
		o.rounds, o.duration, o.warmup, o.conns, o.addrs)
	fmt.Printf("%-5s %-12s %8s %8s %8s %10s %10s %10s %10s %6s  %s\n", "round", "server", "req/s", "p50", "p99",
		"srv CPU/r", "pg CPU/r", "redis/r", "loadgen/r", "noise", "errors; cache lookups")
	var results []*runResult
	for round := 1; round <= o.rounds; round++ {
		for _, t := range targets {
			r, err := runLoad(ctx, t, addrs, o.conns, o.warmup, o.duration, classify(t.pid))
			if err != nil {
				return fmt.Errorf("%w\nfacestat's output:\n%s\npostgraphile's output:\n%s", err, srv.Output(), pgl.output())
			}
			if srv.Exited() || pgl.exited() {
				return fmt.Errorf("a server exited\nfacestat's output:\n%s\npostgraphile's output:\n%s", srv.Output(), pgl.output())
			}
			r.round = round
			results = append(results, r)
			fmt.Printf("%-5d %-12s %8.0f %8s %8s %10s %10s %10s %10s %5.0f%%  %s%s\n", round, t.name, r.rate(),
				us(benchkit.Quantile(r.lats, 0.5)), us(benchkit.Quantile(r.lats, 0.99)),
				us1(r.perRequest("server")), us1(r.perRequest("postgres")), us1(r.perRequest("redis")), us1(r.perRequest("load generator")),
				100*r.noise(), benchkit.CountsLine(r.errors), r.countersLine())
		}
	}

	sum := summarize(results)
	fs, pg, tn := sum["facestat"], sum["postgraphile"], sum["typename"]
	ratios := pairRatios(results)
	median := slices.Sorted(slices.Values(ratios))[(len(ratios)-1)/2]
	fmt.Println()
	fmt.Printf("%-12s %8s %8s %8s %10s %10s %10s %10s %10s  %s\n", "all rounds", "req/s", "p50", "p99", "srv CPU/r", "pg CPU/r", "redis/r", "total/r", "loadgen/r", "errors")
	for _, s := range []*summary{fs, pg, tn} {
		fmt.Printf("%-12s %8.0f %8s %8s %10s %10s %10s %10s %10s  %s\n", s.name, s.rate, us(s.p50), us(s.p99),
			us1(s.cpu["server"]), us1(s.cpu["postgres"]), us1(s.cpu["redis"]), us1(s.total()), us1(s.cpu["load generator"]), benchkit.CountsLine(s.errors))
	}
	cpuRatio := float64(fs.cpu["server"]) / float64(tn.cpu["server"])
	fmt.Printf("requests/s facestat/postgraphile: %.2f, the median of the rounds' (%s); all windows pooled %.2f (aim >= 3: %s)\n",
		median, ratioLine(ratios), fs.rate/pg.rate, verdict(median >= 3))
	fmt.Printf("server-side CPU per request (server + PostgreSQL + Redis): facestat %s, postgraphile %s: %.2fx less for facestat\n",
		us1(fs.total()), us1(pg.total()), float64(pg.total())/float64(fs.total()))
	fmt.Printf("facestat CPU per request, cached photo read / { __typename }: %s / %s = %.2f (aim <= 2: %s); with Redis %.2f\n",
		us1(fs.cpu["server"]), us1(tn.cpu["server"]), cpuRatio, verdict(cpuRatio <= 2),
		float64(fs.cpu["server"]+fs.cpu["redis"])/float64(tn.cpu["server"]+tn.cpu["redis"]))
	fmt.Printf("facestat's cache lookups in the photo windows: %s failed or skipped (the breaker: Redis slower than its call timeout opens it for 5 s, and reads go to PostgreSQL)\n", fs.cacheLine())
	fmt.Printf("noise (other processes, other databases' backends and other guests, share of all CPUs, each window): %s\n", noiseLine(results))
	fmt.Println("docs: | date | commit | rounds × window, conns, addresses | FaceStat req/s | PostGraphile req/s | ratio (median of rounds) | ratio at equal server-side CPU | CPU/request FaceStat + Redis + PG | CPU/request PostGraphile + PG | p50 / p99 FaceStat | p50 / p99 PostGraphile | { __typename } CPU/request | photo / __typename | errors | cache errors (breaker) | noise |")
	fmt.Printf("docs: | %s | %s | %d × %s, %d, %d | %.0f | %.0f | **%.2f** (%s) | %.2f | %s + %s + %s | %s + %s | %s / %s | %s / %s | %s | **%.2f** | %d | %s | %s |\n",
		time.Now().UTC().Format("2006-01-02"), strings.TrimPrefix(benchkit.DescribeTree(), "commit "), o.rounds, o.duration, o.conns, o.addrs,
		fs.rate, pg.rate, median, ratioLine(ratios), float64(pg.total())/float64(fs.total()),
		us(fs.cpu["server"]), us(fs.cpu["redis"]), us(fs.cpu["postgres"]), us(pg.cpu["server"]), us(pg.cpu["postgres"]),
		ms(fs.p50), ms(fs.p99), ms(pg.p50), ms(pg.p99), us(tn.cpu["server"]), cpuRatio,
		fs.errorCount()+pg.errorCount()+tn.errorCount(), fs.cacheLine(), noiseLine(results))

	if o.perfFile != "" {
		if err := profile(ctx, targets[0], addrs, o, classify(srv.Pid())); err != nil {
			fmt.Fprintln(os.Stderr, "reads: perf:", err)
		}
	}
	fmt.Printf("done in %s\n", time.Since(started).Round(time.Second))
	return nil
}

// seed runs `facestat seed` on the benchmark's database and folder.
func seed(ctx context.Context, bin string, env map[string]string, o options) error {
	cmd := exec.CommandContext(ctx, bin, "seed", "--", "-users", strconv.Itoa(o.users), "-photos", strconv.Itoa(o.perUser),
		"-judges", strconv.Itoa(o.judges), "-votes", strconv.Itoa(o.votes))
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// Seeding is not what is measured: its sign-ups, uploads and votes
	// come from one address, far faster than people.
	cmd.Env = append(cmd.Env, "FACESTAT_LOG_LEVEL=error", "FACESTAT_RATE_SIGN_UP=0/1s", "FACESTAT_RATE_UPLOAD=0/1s",
		"FACESTAT_RATE_UPLOAD_IP=0/1s", "FACESTAT_RATE_VOTE=0/1s", "FACESTAT_RATE_VOTE_IP=0/1s", "FACESTAT_RATE_ANON_SESSION=0/1s")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("facestat seed: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "seeded ") {
			fmt.Println(l)
		}
	}
	return nil
}

func publicPhotos(ctx context.Context, db *sql.DB) ([]uuid.UUID, error) {
	rows, err := db.QueryContext(ctx, publicPhotosSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no public photos after seeding")
	}
	return ids, nil
}

func requestBody(query string, vars map[string]any) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	b, _ := json.Marshal(m)
	return b
}

// post sends one GraphQL request from the client address addr and decodes
// the answer's data into out.
func post(ctx context.Context, hc *http.Client, u string, body []byte, addr string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(raw, &r); err != nil || res.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		return fmt.Errorf("%s: HTTP %d: %.500s", u, res.StatusCode, raw)
	}
	return json.Unmarshal(r.Data, out)
}

// compare asks both servers for every photo, twice on FaceStat's side (the
// first fills its cache), and checks that they show the same vote count,
// owner and answer counts.
func compare(ctx context.Context, fsURL, pgURL string, ids []uuid.UUID, addrs []string) error {
	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	for i, id := range ids {
		var fs struct {
			Photo *struct {
				Width, Height int
				Owner         struct{ Handle string }
				Stats         struct {
					VoteCount int
					Questions []struct{ Count int }
				}
			}
		}
		var pg struct {
			PhotoByRowId *struct {
				Width, Height, VoteCount    string
				UserByOwnerId               struct{ Handle string }
				PhotoQuestionStatsByPhotoId struct {
					Nodes []struct{ Count string }
				}
			}
		}
		addr := addrs[i%len(addrs)]
		for range 2 {
			if err := post(ctx, hc, fsURL, requestBody(photoQuery, map[string]any{"id": relay.ID("Photo", id)}), addr, &fs); err != nil {
				return err
			}
		}
		if err := post(ctx, hc, pgURL, requestBody(postgraphileQuery, map[string]any{"id": id.String()}), addr, &pg); err != nil {
			return err
		}
		f, p := fs.Photo, pg.PhotoByRowId
		if f == nil || p == nil {
			return fmt.Errorf("photo %s: facestat %v, postgraphile %v", id, f != nil, p != nil)
		}
		fsCounts, pgCounts := 0, 0
		for _, q := range f.Stats.Questions {
			fsCounts += q.Count
		}
		for _, n := range p.PhotoQuestionStatsByPhotoId.Nodes {
			c, _ := strconv.Atoi(n.Count)
			pgCounts += c
		}
		if strconv.Itoa(f.Stats.VoteCount) != p.VoteCount || f.Owner.Handle != p.UserByOwnerId.Handle ||
			strconv.Itoa(f.Width) != p.Width || strconv.Itoa(f.Height) != p.Height || fsCounts != pgCounts {
			return fmt.Errorf("photo %s: facestat shows %d votes by %s (%dx%d), %d answers; postgraphile %s votes by %s (%sx%s), %d answers",
				id, f.Stats.VoteCount, f.Owner.Handle, f.Width, f.Height, fsCounts, p.VoteCount, p.UserByOwnerId.Handle, p.Width, p.Height, pgCounts)
		}
		if f.Stats.VoteCount == 0 && i == len(ids)-1 && fsCounts == 0 {
			fmt.Println("note: the last photo has no votes")
		}
	}
	return nil
}

// classifier labels the processes of a window: the server under load (and
// its children), this database's PostgreSQL backends (as
// pg_stat_activity lists them now: the pools are full after the warm-up),
// the rest of PostgreSQL, Redis, this load generator, the kernel's
// threads, and others.
func classifier(ctx context.Context, db *sql.DB, dbName string, serverPid int) benchkit.Classifier {
	backends := map[int]bool{}
	if rows, err := db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1`, dbName); err == nil {
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) == nil {
				backends[pid] = true
			}
		}
		rows.Close()
	}
	return func(pid, ppid int, comm string) (string, bool) {
		switch {
		case pid == serverPid || ppid == serverPid:
			return "server", true
		case pid == selfPid:
			return "load generator", true
		case backends[pid]:
			return "postgres", true
		case strings.HasPrefix(comm, "postgres"):
			return "postgres other", true
		case strings.HasPrefix(comm, "redis"):
			return "redis", true
		case pid == 2 || ppid == 2:
			return "kernel threads", true
		}
		return "other", true
	}
}

// metricsOf reads FaceStat's cache lookups by result from /metrics (the
// bench's own requests come from loopback, an operator's address).
func metricsOf(base string) func() map[string]float64 {
	hc := &http.Client{Timeout: 5 * time.Second}
	return func() map[string]float64 {
		out := map[string]float64{}
		res, err := hc.Get(base + "/metrics")
		if err != nil {
			return out
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for line := range strings.SplitSeq(string(b), "\n") {
			rest, ok := strings.CutPrefix(line, "facestat_cache_requests_total{")
			if !ok {
				continue
			}
			labels, value, ok := strings.Cut(rest, "} ")
			if !ok {
				continue
			}
			v, _ := strconv.ParseFloat(strings.TrimSpace(value), 64)
			for _, r := range []string{"hit", "miss", "error"} {
				if strings.Contains(labels, `result="`+r+`"`) {
					out[r] += v
				}
			}
		}
		return out
	}
}

// profile runs one more FaceStat photo window under perf record of the
// facestat process and prints its top functions.
func profile(ctx context.Context, t target, addrs []string, o options, classify func() benchkit.Classifier) error {
	secs := int((o.warmup + o.duration).Seconds())
	perf := exec.CommandContext(ctx, "perf", "record", "-e", "cpu-clock", "-F", "499", "-g", "-p", strconv.Itoa(t.pid),
		"-o", o.perfFile, "--", "sleep", strconv.Itoa(secs))
	perf.Stdout, perf.Stderr = io.Discard, io.Discard
	if err := perf.Start(); err != nil {
		return err
	}
	r, err := runLoad(ctx, t, addrs, cmp.Or(o.perfConns, o.conns), o.warmup, o.duration, classify)
	perf.Wait()
	if err != nil {
		return err
	}
	fmt.Printf("\nprofiled window (not counted, %d connections): facestat %.0f req/s, %s CPU/request under perf; errors %s%s; %s\n",
		cmp.Or(o.perfConns, o.conns), r.rate(), us1(r.perRequest("server")), benchkit.CountsLine(r.errors), r.countersLine(), o.perfFile)
	for _, mode := range []string{"--no-children", "--children"} {
		out, err := exec.CommandContext(ctx, "perf", "report", "-i", o.perfFile, "--stdio", mode, "--sort", "symbol",
			"-g", "none", "--percent-limit", "2").Output()
		if err != nil {
			return err
		}
		fmt.Printf("perf report %s (functions at 2%% or more of facestat's samples):\n", mode)
		n := 0
		for line := range strings.SplitSeq(string(out), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.TrimSpace(line) == "" {
				continue
			}
			fmt.Println("  " + strings.TrimSpace(line))
			if n++; n >= 30 {
				break
			}
		}
	}
	return nil
}

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

func pathOf(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.Path == "" {
		return "/"
	}
	return pu.Path
}

// ---------------------------------------------------------------- figures

type summary struct {
	name     string
	rate     float64 // requests over all the target's windows / their time
	p50, p99 time.Duration
	cpu      map[string]time.Duration // per request, by label
	errors   map[string]int
	counters map[string]float64 // the server's, summed over the windows
}

// cacheLine is FaceStat's cache lookups in the windows: errors (lookups
// skipped while the breaker was open, or failed) of all.
func (s *summary) cacheLine() string {
	all := s.counters["hit"] + s.counters["miss"] + s.counters["error"]
	return fmt.Sprintf("%.0f of %.0f", s.counters["error"], all)
}

// total is the server-side CPU per request: the server's, PostgreSQL's
// (this database's backends) and Redis's.
func (s *summary) total() time.Duration { return s.cpu["server"] + s.cpu["postgres"] + s.cpu["redis"] }

func (s *summary) errorCount() int {
	n := 0
	for _, v := range s.errors {
		n += v
	}
	return n
}

func summarize(results []*runResult) map[string]*summary {
	out := map[string]*summary{}
	lats := map[string][]time.Duration{}
	reqs := map[string]int{}
	wall := map[string]time.Duration{}
	cpu := map[string]map[string]time.Duration{}
	errs := map[string]map[string]int{}
	counters := map[string]map[string]float64{}
	for _, r := range results {
		if counters[r.target] == nil {
			counters[r.target] = map[string]float64{}
		}
		for k, v := range r.counters {
			counters[r.target][k] += v
		}
		lats[r.target] = append(lats[r.target], r.lats...)
		reqs[r.target] += r.requests
		wall[r.target] += r.window
		if cpu[r.target] == nil {
			cpu[r.target], errs[r.target] = map[string]time.Duration{}, map[string]int{}
		}
		for k, v := range r.usage.ByLabel {
			cpu[r.target][k] += v
		}
		for k, v := range r.errors {
			errs[r.target][k] += v
		}
	}
	for name, l := range lats {
		slices.Sort(l)
		s := &summary{name: name, rate: float64(reqs[name]) / wall[name].Seconds(), p50: benchkit.Quantile(l, 0.5),
			p99: benchkit.Quantile(l, 0.99), cpu: map[string]time.Duration{}, errors: errs[name], counters: counters[name]}
		for k, v := range cpu[name] {
			s.cpu[k] = v / time.Duration(max(reqs[name], 1))
		}
		out[name] = s
	}
	return out
}

// pairRatios is facestat/postgraphile of each round's requests/s.
func pairRatios(results []*runResult) []float64 {
	byRound := map[int]map[string]float64{}
	for _, r := range results {
		if byRound[r.round] == nil {
			byRound[r.round] = map[string]float64{}
		}
		byRound[r.round][r.target] = r.rate()
	}
	var out []float64
	for round := 1; byRound[round] != nil; round++ {
		out = append(out, byRound[round]["facestat"]/byRound[round]["postgraphile"])
	}
	return out
}

func ratioLine(ratios []float64) string {
	var parts []string
	for _, r := range ratios {
		parts = append(parts, fmt.Sprintf("%.2f", r))
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

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func us(d time.Duration) string  { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }
func ms(d time.Duration) string  { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
func us1(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond)) }

// dropRedisKeys deletes the keys under prefix (the run's own) from the
// Redis at redisURL.
func dropRedisKeys(redisURL, prefix string) error {
	opts, err := goredis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		if keys = append(keys, iter.Val()); len(keys) == 1000 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}
