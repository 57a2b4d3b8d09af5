// Command votes measures FaceStat's vote path end to end and compares it
// with what PostgreSQL does on its own on the same machine.
//
//	go run ./bench/votes [-duration 10s] [-clients 64] [-photos 200]
//
// It creates a PostgreSQL database of its own (dropped at the end), builds
// and starts the real `facestat serve` binary on it, seeds photos with SQL,
// and runs -clients anonymous judges casting votes through the GraphQL
// castVote mutation over loopback HTTP, each judge voting on every photo at
// most once (then it starts a new anonymous session). Votes per second are
// counted in the votes table over the measured window; latency and errors
// (by extensions.code) are measured on the client side.
//
// The baseline, in the same run and database: pgbench inserting single rows
// of random uuids and a small JSON document into bench_votes, a copy of the
// votes table's shape and indexes without its foreign keys, with as many
// connections as the app's pool. The ratio app/pgbench is what to compare
// between machines; the absolute figures are the machine's.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq" // registers "postgres"
)

type options struct {
	duration   time.Duration
	warmup     time.Duration
	clients    int
	photos     int
	pool       int
	serverURL  string
	pgbench    string
	cpuProfile string
	perfFile   string
	bin        string
	skipPG     bool
	dbName     string // the benchmark's database, once created
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured window of each phase (app, then pgbench)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before the app's measured window (connections, caches)")
	flag.IntVar(&o.clients, "clients", 64, "concurrent judges (goroutines), each with its own anonymous session")
	flag.IntVar(&o.photos, "photos", 200, "photos to vote on")
	flag.IntVar(&o.pool, "pool", envInt("FACESTAT_DB_MAX_CONNS", 20), "the app's PostgreSQL pool size (FACESTAT_DB_MAX_CONNS), also pgbench's -c")
	flag.StringVar(&o.serverURL, "server", cmp.Or(os.Getenv("FACESTAT_TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server to create the benchmark database on (a database URL with rights to CREATE DATABASE)")
	flag.StringVar(&o.pgbench, "pgbench", "", "pgbench binary (default: from PATH or /usr/lib/postgresql/*/bin)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this load generator to the file (go tool pprof)")
	flag.StringVar(&o.perfFile, "perf", "", "record `perf record -a -g` of the whole machine during the app's window into the file")
	flag.StringVar(&o.bin, "bin", "", "a facestat binary to run instead of building ./cmd/facestat from this working tree")
	flag.BoolVar(&o.skipPG, "skip-pgbench", false, "measure the app only")
	flag.Parse()
	if o.clients < 1 || o.photos < 1 || o.duration < time.Second || o.pool < 1 {
		fmt.Fprintln(os.Stderr, "votes: -clients, -photos and -pool must be positive and -duration at least 1s")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "votes:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	pgbench := o.pgbench
	if pgbench == "" && !o.skipPG {
		var err error
		if pgbench, err = findPgbench(); err != nil {
			return err
		}
	}

	// A database of our own, dropped at the end whatever happens.
	dbURL, dbName, drop, err := createDatabase(o.serverURL)
	if err != nil {
		return err
	}
	defer drop()
	o.dbName = dbName
	pg, err := sql.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer pg.Close()
	var syncCommit, fsync, walSync string
	if err := pg.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&syncCommit); err != nil {
		return fmt.Errorf("SHOW synchronous_commit: %w", err)
	}
	if syncCommit != "on" {
		return fmt.Errorf("synchronous_commit is %q on this server: the figures would not be those of durable commits; set it to on", syncCommit)
	}
	_ = pg.QueryRowContext(ctx, "SHOW fsync").Scan(&fsync)
	_ = pg.QueryRowContext(ctx, "SHOW wal_sync_method").Scan(&walSync)

	machine := describeMachine()
	fmt.Printf("machine: %s\n", machine)
	fmt.Printf("database %s: synchronous_commit=%s fsync=%s wal_sync_method=%s\n", dbName, syncCommit, fsync, walSync)

	// The real binary, as a separate process.
	tmp, err := os.MkdirTemp("", "facestat-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(tmp, "facestat")
		fmt.Printf("building facestat from this working tree (%s) ...\n", describeTree())
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/facestat/facestat/cmd/facestat").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	srv, err := startServer(ctx, bin, map[string]string{
		"FACESTAT_DATABASE_URL":      dbURL,
		"FACESTAT_ADDR":              "127.0.0.1:0",
		"FACESTAT_DATA_DIR":          filepath.Join(tmp, "data"),
		"FACESTAT_RATE_ANON_SESSION": "0/1s",
		"FACESTAT_LOG_LEVEL":         "warn",
		"FACESTAT_DB_MAX_CONNS":      strconv.Itoa(o.pool),
		"FACESTAT_PHOTO_QUOTA":       strconv.Itoa(o.photos + 10),
	})
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("facestat (pid %d) is running at %s\n", srv.cmd.Process.Pid, srv.url)

	photoIDs, err := seedPhotos(ctx, pg, o.photos)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d photos; %d clients vote for %s after %s of warm-up\n", len(photoIDs), o.clients, o.duration, o.warmup)

	app, err := measureApp(ctx, o, pg, srv, photoIDs)
	if err != nil {
		return err
	}
	app.print(o)
	srv.stop() // the machine is the baseline's alone
	if o.skipPG {
		return nil
	}
	base, err := measurePgbench(ctx, o, pg, pgbench, dbURL, tmp)
	if err != nil {
		return err
	}
	base.print()

	ratio := app.votesPerSec / base.tps
	fmt.Println()
	fmt.Printf("app votes/s:                   %.0f\n", app.votesPerSec)
	fmt.Printf("pgbench single-row inserts/s:  %.0f\n", base.tps)
	fmt.Printf("ratio app/pgbench:             %.3f\n", ratio)
	fmt.Printf("castVote latency:              p50 %s  p99 %s\n", ms(app.p50), ms(app.p99))
	fmt.Printf("other load on the machine:     %.0f%% during the app's window, %.0f%% during pgbench's (of all CPUs)\n",
		100*app.cpu.noise(appLabels), 100*base.cpu.noise(pgbenchLabels))
	fmt.Println("docs: | date | clients | photos | pool | window | app votes/s | p50 | p99 | errors | pgbench inserts/s | ratio | other load app / pgbench | machine |")
	fmt.Printf("docs: | %s | %d | %d | %d | %s | %.0f | %s | %s | %s | %.0f | %.3f | %.0f%% / %.0f%% | %s |\n",
		time.Now().UTC().Format("2006-01-02"), o.clients, o.photos, o.pool, o.duration,
		app.votesPerSec, ms(app.p50), ms(app.p99), app.errorSummary(), base.tps, ratio,
		100*app.cpu.noise(appLabels), 100*base.cpu.noise(pgbenchLabels), machine)
	return nil
}

// ---------------------------------------------------------------- database

func createDatabase(serverURL string) (dbURL, name string, drop func(), err error) {
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		return "", "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name = "facestat_bench_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return "", "", nil, fmt.Errorf("creating the benchmark database (is PostgreSQL running at %s?): %w", redact(serverURL), err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		admin.Close()
		return "", "", nil, err
	}
	u.Path = "/" + name
	var once sync.Once
	drop = func() {
		once.Do(func() {
			if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
				fmt.Fprintf(os.Stderr, "votes: dropping %s: %v\n", name, err)
			}
			admin.Close()
		})
	}
	return u.String(), name, drop, nil
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the server"
	}
	return u.Redacted()
}

// seedPhotos inserts a few owner accounts and n active, public photos
// owned by them, straight into the tables (the images are never fetched:
// voting does not read them), and returns the photos' global ids.
func seedPhotos(ctx context.Context, pg *sql.DB, n int) ([]string, error) {
	const owners = 10
	_, err := pg.ExecContext(ctx, `INSERT INTO users (id, handle, email, role, anonymous, photo_count, created_at)
		SELECT gen_random_uuid(), 'benchowner' || i, 'benchowner' || i || '@example.com', 'user', false,
		       (SELECT count(*) FROM generate_series(0, $1 - 1) p WHERE p % $2 = i), now()
		FROM generate_series(0, $2 - 1) i`, n, owners)
	if err != nil {
		return nil, fmt.Errorf("seeding owners: %w", err)
	}
	rows, err := pg.QueryContext(ctx, `WITH o AS (
			SELECT array_agg(id ORDER BY handle) AS ids FROM users WHERE handle LIKE 'benchowner%'
		)
		INSERT INTO photos (id, owner_id, image_key, thumb_key, width, height, thumb_width, thumb_height,
		                    is_public, status, created_at, vote_count, stats_version)
		SELECT gen_random_uuid(), o.ids[1 + i % array_length(o.ids, 1)], 'img/bench/' || i || '.jpg', 'img/bench/' || i || '_t.jpg',
		       600, 800, 300, 400, true, 'active', now(), 0, 0
		FROM generate_series(0, $1 - 1) i, o
		RETURNING id`, n)
	if err != nil {
		return nil, fmt.Errorf("seeding photos: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, base64.RawURLEncoding.EncodeToString([]byte("Photo:"+id)))
	}
	return ids, rows.Err()
}

func countVotes(ctx context.Context, pg *sql.DB, table string) (int64, error) {
	var n int64
	err := pg.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	return n, err
}

// dbCounters are cumulative counters of the benchmark database and the
// server's WAL.
type dbCounters struct {
	commits  int64
	walSyncs int64 // -1 when pg_stat_wal is not there (before PostgreSQL 14)
}

func readCounters(ctx context.Context, pg *sql.DB) dbCounters {
	var c dbCounters
	_ = pg.QueryRowContext(ctx, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").Scan(&c.commits)
	if err := pg.QueryRowContext(ctx, "SELECT wal_sync FROM pg_stat_wal").Scan(&c.walSyncs); err != nil {
		c.walSyncs = -1
	}
	return c
}

// ---------------------------------------------------------------- server

type server struct {
	cmd     *exec.Cmd
	url     string
	mu      sync.Mutex
	tail    []string // last lines of output
	done    chan struct{}
	stopped sync.Once
}

func startServer(ctx context.Context, bin string, env map[string]string) (*server, error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	running := regexp.MustCompile(`FaceStat is running at (http://\S+)`)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.tail = append(s.tail, line)
			if len(s.tail) > 50 {
				s.tail = s.tail[1:]
			}
			s.mu.Unlock()
			if m := running.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out) // never let a full pipe block the server
		cmd.Wait()
		close(s.done)
	}()
	select {
	case s.url = <-urls:
	case <-s.done:
		return nil, fmt.Errorf("facestat exited before listening:\n%s", s.output())
	case <-time.After(90 * time.Second):
		s.stop()
		return nil, fmt.Errorf("facestat did not listen within 90 s:\n%s", s.output())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("facestat never became ready:\n%s", s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// stop sends SIGTERM and waits for the process, killing it after 20 s.
func (s *server) stop() {
	s.stopped.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// ---------------------------------------------------------------- load

const castVoteQuery = `mutation($id: ID!, $answers: [AnswerInput!]!) {
  castVote(input: {photoId: $id, answers: $answers}) { photo { id voteCount } }
}`

var words = []string{"kind", "tired", "friendly", "serious", "warm", "bored", "smart", "shy", "confident",
	"sad", "cheerful", "calm", "young", "wise", "funny", "cold", "sweet", "stern", "relaxed", "curious"}

// answers are a plausible judge's: ages around 30, attractiveness around 6,
// mostly yes to trustworthy and intelligent, a coin toss for happy, and a
// word from a short list (so photos share words, as they do).
func answers(r *mrand.Rand) []map[string]any {
	age := min(max(int(r.NormFloat64()*11+32), 1), 100)
	attractive := min(max(int(r.NormFloat64()*1.8+5.5), 1), 10)
	return []map[string]any{
		{"questionKey": "age", "number": age},
		{"questionKey": "attractive", "number": attractive},
		{"questionKey": "trustworthy", "yes": r.Float64() < 0.7},
		{"questionKey": "intelligent", "yes": r.Float64() < 0.65},
		{"questionKey": "happy", "yes": r.Float64() < 0.5},
		{"questionKey": "impression", "word": words[r.IntN(len(words))]},
	}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

type loadClient struct {
	hc  *http.Client
	url string
}

// call posts one GraphQL operation and returns its data, or an error code:
// the first error's extensions.code, HTTP_<status> for a body that is not
// GraphQL, TRANSPORT when the request failed.
func (c *loadClient) call(token, query string, vars map[string]any) (json.RawMessage, string) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, "TRANSPORT"
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, "TRANSPORT"
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, "HTTP_" + strconv.Itoa(res.StatusCode)
	}
	if len(out.Errors) > 0 {
		code, _ := out.Errors[0].Extensions["code"].(string)
		return nil, cmp.Or(code, "NO_CODE")
	}
	if res.StatusCode != http.StatusOK {
		return nil, "HTTP_" + strconv.Itoa(res.StatusCode)
	}
	return out.Data, ""
}

func (c *loadClient) startSession() (string, string) {
	data, code := c.call("", `mutation { startAnonymousSession { token } }`, nil)
	if code != "" {
		return "", code
	}
	var out struct{ StartAnonymousSession struct{ Token string } }
	if err := json.Unmarshal(data, &out); err != nil || out.StartAnonymousSession.Token == "" {
		return "", "BAD_RESPONSE"
	}
	return out.StartAnonymousSession.Token, ""
}

type appResult struct {
	votes, sessions  int64
	window           time.Duration
	votesPerSec      float64
	okCalls          int
	p50, p90, p99    time.Duration
	maxLat           time.Duration
	errors           map[string]int
	commits, walSync int64
	cpu              cpuUsage
}

func measureApp(ctx context.Context, o options, pg *sql.DB, srv *server, photos []string) (*appResult, error) {
	hc := &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        o.clients * 2,
			MaxIdleConnsPerHost: o.clients * 2,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
	defer hc.CloseIdleConnections()
	c := &loadClient{hc: hc, url: srv.url}

	var (
		measuring atomic.Bool
		stopping  atomic.Bool
		sessions  atomic.Int64
		mu        sync.Mutex
		lats      []time.Duration
		errs      = map[string]int{}
		wg        sync.WaitGroup
	)
	for i := range o.clients {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			var (
				token        string
				cursor, left int
				myLats       []time.Duration
				myErrs       = map[string]int{}
			)
			for !stopping.Load() && ctx.Err() == nil {
				if token == "" || left == 0 {
					var code string
					token, code = c.startSession()
					if code != "" {
						if measuring.Load() {
							myErrs["startAnonymousSession:"+code]++
						}
						time.Sleep(10 * time.Millisecond)
						continue
					}
					sessions.Add(1)
					// A new judge starts anywhere in the list and goes
					// round it once: never the same photo twice.
					cursor, left = r.IntN(len(photos)), len(photos)
				}
				id := photos[cursor]
				cursor = (cursor + 1) % len(photos)
				left--
				t0 := time.Now()
				_, code := c.call(token, castVoteQuery, map[string]any{"id": id, "answers": answers(r)})
				lat := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if code != "" {
					myErrs[code]++
					if code == "UNAVAILABLE" || code == "TRANSPORT" {
						time.Sleep(50 * time.Millisecond)
					}
					continue
				}
				myLats = append(myLats, lat)
			}
			mu.Lock()
			lats = append(lats, myLats...)
			for k, v := range myErrs {
				errs[k] += v
			}
			mu.Unlock()
		})
	}
	finish := func() {
		stopping.Store(true)
		wg.Wait()
	}

	select {
	case <-time.After(o.warmup):
	case <-ctx.Done():
		finish()
		return nil, ctx.Err()
	}
	// As autovacuum would have by now on a live site (it wakes up once a
	// minute): statistics for the seeded photos and the first votes, so
	// the planner does not plan for empty tables.
	if _, err := pg.ExecContext(ctx, "ANALYZE users, photos, votes"); err != nil {
		finish()
		return nil, err
	}
	procs := newProcSampler(o.dbName, map[int]string{srv.cmd.Process.Pid: "facestat", os.Getpid(): "self"})
	c0 := readCounters(ctx, pg)
	n0, err := countVotes(ctx, pg, "votes")
	if err != nil {
		finish()
		return nil, err
	}
	s0 := sessions.Load()
	t0 := time.Now()
	measuring.Store(true)
	procs.start()
	var perf *exec.Cmd
	if o.perfFile != "" {
		perf = exec.Command("perf", "record", "-e", "cpu-clock", "-F", "499", "-a", "-g", "-o", o.perfFile,
			"--", "sleep", strconv.Itoa(int(o.duration.Seconds())))
		perf.Stdout, perf.Stderr = io.Discard, os.Stderr
		if err := perf.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "votes: perf:", err)
			perf = nil
		}
	}
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
		finish()
		return nil, ctx.Err()
	}
	measuring.Store(false)
	n1, err := countVotes(ctx, pg, "votes")
	t1 := time.Now()
	cpu := procs.stop()
	c1 := readCounters(ctx, pg)
	s1 := sessions.Load()
	finish()
	if perf != nil {
		perf.Wait()
	}
	if err != nil {
		return nil, err
	}
	res := &appResult{votes: n1 - n0, sessions: s1 - s0, window: t1.Sub(t0), errors: errs, cpu: cpu,
		commits: c1.commits - c0.commits, walSync: -1}
	if c0.walSyncs >= 0 && c1.walSyncs >= 0 {
		res.walSync = c1.walSyncs - c0.walSyncs
	}
	res.votesPerSec = float64(res.votes) / res.window.Seconds()
	slices.Sort(lats)
	res.okCalls = len(lats)
	res.p50, res.p90, res.p99 = quantile(lats, 0.50), quantile(lats, 0.90), quantile(lats, 0.99)
	if len(lats) > 0 {
		res.maxLat = lats[len(lats)-1]
	}
	if res.votes == 0 {
		return res, fmt.Errorf("no vote was stored in %s (errors %v); server output:\n%s", res.window, errs, srv.output())
	}
	return res, nil
}

func (r *appResult) errorSummary() string {
	if len(r.errors) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(r.errors))
	for k := range r.errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, r.errors[k])
	}
	return b.String()
}

func (r *appResult) print(o options) {
	fmt.Println()
	fmt.Printf("== app: facestat serve, castVote over HTTP, %d clients, %d photos, pool %d\n", o.clients, o.photos, o.pool)
	fmt.Printf("votes stored:        %d in %s = %.0f votes/s (from the votes table)\n", r.votes, r.window.Round(time.Millisecond), r.votesPerSec)
	fmt.Printf("castVote answered:   %d ok; latency p50 %s  p90 %s  p99 %s  max %s\n", r.okCalls, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.maxLat))
	fmt.Printf("errors by code:      %s\n", r.errorSummary())
	fmt.Printf("anonymous sessions:  %d started in the window\n", r.sessions)
	if r.commits > 0 {
		fmt.Printf("database commits:    %d (%.0f/s, %.1f votes per commit; includes reads' implicit commits)\n",
			r.commits, float64(r.commits)/r.window.Seconds(), float64(r.votes)/float64(r.commits))
	}
	if r.walSync >= 0 {
		fmt.Printf("WAL syncs:           %d (%.0f/s, %.1f votes per sync; server-wide)\n", r.walSync, float64(r.walSync)/r.window.Seconds(),
			float64(r.votes)/float64(max(r.walSync, 1)))
	}
	r.cpu.print(r.window, appLabels)
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// ---------------------------------------------------------------- pgbench

type pgbenchResult struct {
	tps      float64
	latency  string
	inserted int64
	failed   string
	clients  int
	seconds  int
	cpu      cpuUsage
	walSync  int64
}

var (
	tpsRE     = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	latencyRE = regexp.MustCompile(`latency average = ([0-9.]+ ms)`)
	failedRE  = regexp.MustCompile(`number of failed transactions: (\d+)`)
)

// measurePgbench inserts single rows into bench_votes, a copy of votes
// (same columns, identity, primary key and indexes: LIKE ... INCLUDING ALL
// copies everything but the foreign keys, which random uuids could not
// satisfy), one autocommitted INSERT per transaction.
func measurePgbench(ctx context.Context, o options, pg *sql.DB, pgbench, dbURL, tmp string) (*pgbenchResult, error) {
	if _, err := pg.ExecContext(ctx, `CREATE TABLE bench_votes (LIKE votes INCLUDING ALL)`); err != nil {
		return nil, fmt.Errorf("creating bench_votes: %w", err)
	}
	script := filepath.Join(tmp, "insert.sql")
	const insert = `INSERT INTO bench_votes (judge_id, photo_id, answers, created_at) VALUES (gen_random_uuid(), gen_random_uuid(), ` +
		`'[{"q":1,"n":31},{"q":2,"n":6},{"q":3,"y":true},{"q":4,"y":true},{"q":5,"y":false},{"q":8,"w":"friendly"}]', now());` + "\n"
	if err := os.WriteFile(script, []byte(insert), 0o600); err != nil {
		return nil, err
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	secs := max(int((o.duration+time.Second-1)/time.Second), 1)
	args := []string{"-n", "-c", strconv.Itoa(o.pool), "-j", "2", "-T", strconv.Itoa(secs), "-f", script}
	env := os.Environ()
	if h := u.Hostname(); h != "" {
		args = append(args, "-h", h)
	}
	if p := u.Port(); p != "" {
		args = append(args, "-p", p)
	}
	if u.User != nil {
		args = append(args, "-U", u.User.Username())
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
		}
	}
	if m := u.Query().Get("sslmode"); m != "" {
		env = append(env, "PGSSLMODE="+m)
	}
	args = append(args, strings.TrimPrefix(u.Path, "/"))
	fmt.Printf("\nrunning %s %s\n", pgbench, strings.Join(args, " "))

	c0 := readCounters(ctx, pg)
	procs := newProcSampler(o.dbName, nil)
	procs.start()
	cmd := exec.CommandContext(ctx, pgbench, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	cpu := procs.stop()
	c1 := readCounters(ctx, pg)
	if err != nil {
		return nil, fmt.Errorf("pgbench: %v\n%s", err, out.String())
	}
	m := tpsRE.FindStringSubmatch(out.String())
	if m == nil {
		return nil, fmt.Errorf("no tps in pgbench's output:\n%s", out.String())
	}
	res := &pgbenchResult{clients: o.pool, seconds: secs, cpu: cpu, walSync: -1}
	res.tps, _ = strconv.ParseFloat(m[1], 64)
	if m := latencyRE.FindStringSubmatch(out.String()); m != nil {
		res.latency = m[1]
	}
	if m := failedRE.FindStringSubmatch(out.String()); m != nil {
		res.failed = m[1]
	}
	if c0.walSyncs >= 0 && c1.walSyncs >= 0 {
		res.walSync = c1.walSyncs - c0.walSyncs
	}
	res.inserted, _ = countVotes(ctx, pg, "bench_votes")
	return res, nil
}

func (r *pgbenchResult) print() {
	fmt.Println()
	fmt.Printf("== baseline: pgbench, one single-row INSERT per transaction into bench_votes, -c %d -j 2 -T %d\n", r.clients, r.seconds)
	fmt.Printf("inserts:             %.0f/s (pgbench tps); %d rows; latency average %s; failed %s\n", r.tps, r.inserted, r.latency, cmp.Or(r.failed, "?"))
	if r.walSync >= 0 {
		fmt.Printf("WAL syncs:           %d (%.0f/s, %.1f inserts per sync; server-wide)\n", r.walSync, float64(r.walSync)/float64(r.seconds),
			float64(r.inserted)/float64(max(r.walSync, 1)))
	}
	r.cpu.print(r.cpu.wall, pgbenchLabels)
}

func findPgbench() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(matches) > 0 {
		slices.Sort(matches)
		return matches[len(matches)-1], nil
	}
	return "", errors.New("pgbench not found: install it (apt-get install postgresql-contrib), pass -pgbench, or use -skip-pgbench")
}

// ---------------------------------------------------------------- CPU

// procSampler measures the CPU time processes use during a window, from
// /proc/<pid>/stat, by label: the processes named in pids; pgbench; and
// PostgreSQL's processes, told apart by their titles (/proc/<pid>/cmdline)
// into the backends of the benchmark's database, the server's own processes
// (WAL writer, checkpointer, ...) and the backends of other databases. It
// samples every 100 ms so that processes that exit during the window
// (pgbench's backends) are counted up to their last sample. Whatever else
// keeps the machine busy is reported as other load: the noise to judge the
// figures by.
type procSampler struct {
	dbName string
	pids   map[int]string
	first  map[int]int64 // ticks when first seen (0 for pids born in the window)
	last   map[int]int64
	label  map[int]string
	sys0   sysStat
	t0     time.Time
	stopc  chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	active bool
}

// What each phase reports CPU for: label, name.
var (
	appLabels     = [][2]string{{"facestat", "facestat"}, {pgThis, pgThis}, {"self", "load generator (this program)"}}
	pgbenchLabels = [][2]string{{pgThis, pgThis}, {"pgbench", "pgbench"}}
)

// The labels of PostgreSQL's processes.
const (
	pgThis   = "postgres, this database"
	pgServer = "postgres, server processes"
	pgOther  = "postgres, other databases"

	kernelThreads = "kernel threads"
)

type cpuUsage struct {
	wall    time.Duration
	byLabel map[string]time.Duration
	busy    time.Duration // CPU time the whole machine was busy
	irq     time.Duration // of which interrupts
	steal   time.Duration // CPU time the hypervisor gave other guests
	ncpu    int
}

const clockTicks = 100 // USER_HZ: 100 on every Linux this runs on

func newProcSampler(dbName string, pids map[int]string) *procSampler {
	return &procSampler{dbName: dbName, pids: pids, first: map[int]int64{}, last: map[int]int64{}, label: map[int]string{}}
}

func (p *procSampler) classify(pid, ppid int, comm string) (string, bool) {
	if l, ok := p.pids[pid]; ok {
		return l, true
	}
	if pid == 2 || ppid == 2 {
		return kernelThreads, true
	}
	switch comm {
	case "pgbench":
		return "pgbench", true
	case "postgres":
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		title := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
		rest, ok := strings.CutPrefix(title, "postgres: ")
		if !ok { // the postmaster
			return pgServer, true
		}
		// Debian's titles start with the cluster's name: "15/main: walwriter".
		if i := strings.Index(rest, ": "); i > 0 && !strings.Contains(rest[:i], " ") {
			rest = rest[i+2:]
		}
		if slices.Contains(strings.Fields(rest), p.dbName) {
			return pgThis, true
		}
		for _, aux := range []string{"walwriter", "checkpointer", "background writer", "autovacuum launcher",
			"logical replication launcher", "archiver", "stats collector", "walsender", "walreceiver", "startup"} {
			if strings.HasPrefix(rest, aux) {
				return pgServer, true
			}
		}
		return pgOther, true
	}
	return "", false
}

func (p *procSampler) sample(initial bool) {
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
			label, ok := p.classify(pid, ppid, comm)
			if !ok {
				continue
			}
			if initial {
				p.first[pid] = ticks
			} else {
				p.first[pid] = 0
			}
			p.label[pid] = label
		}
		p.last[pid] = ticks
	}
}

func (p *procSampler) start() {
	if runtime.GOOS != "linux" {
		return
	}
	p.active = true
	p.sys0 = readSysStat()
	p.t0 = time.Now()
	p.sample(true)
	p.stopc, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(100 * time.Millisecond)
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
}

func (p *procSampler) stop() cpuUsage {
	if !p.active {
		return cpuUsage{}
	}
	close(p.stopc)
	<-p.done
	p.sample(false)
	sys1 := readSysStat()
	jiffies := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	u := cpuUsage{wall: time.Since(p.t0), byLabel: map[string]time.Duration{}, ncpu: runtime.NumCPU(),
		busy: jiffies(sys1.busy - p.sys0.busy), irq: jiffies(sys1.irq - p.sys0.irq), steal: jiffies(sys1.steal - p.sys0.steal)}
	for pid, first := range p.first {
		u.byLabel[p.label[pid]] += time.Duration(p.last[pid]-first) * time.Second / clockTicks
	}
	return u
}

// print lists the CPU each label used in the window, in the order of
// labels (label, name to print), then the rest of the machine's load.
func (u cpuUsage) print(window time.Duration, labels [][2]string) {
	if u.byLabel == nil {
		return
	}
	pct := func(d time.Duration) float64 { return 100 * d.Seconds() / window.Seconds() }
	line := func(name string, d time.Duration, note string) {
		fmt.Printf("  %-30s %4.0f%%  (%s%s)\n", name, pct(d), d.Round(10*time.Millisecond), note)
	}
	fmt.Printf("CPU in the window (%d CPUs; 100%% = one core busy all the window):\n", u.ncpu)
	for _, l := range labels {
		line(l[1], u.byLabel[l[0]], "")
	}
	line(pgServer, u.byLabel[pgServer], "")
	line("kernel: threads and interrupts", u.byLabel[kernelThreads]+u.irq, fmt.Sprintf("; interrupts %s", u.irq.Round(10*time.Millisecond)))
	other := u.other(labels)
	line("other processes (noise)", other, fmt.Sprintf("; %s of it %s", u.byLabel[pgOther].Round(10*time.Millisecond), pgOther))
	line("steal (other guests)", u.steal, "")
	fmt.Printf("  %-30s %4.0f%%  of %d00%%\n", "machine busy", pct(u.busy), u.ncpu)
}

// other is the CPU time of the processes that are not the benchmark's.
func (u cpuUsage) other(labels [][2]string) time.Duration {
	ours := u.byLabel[pgServer] + u.byLabel[kernelThreads] + u.irq
	for _, l := range labels {
		ours += u.byLabel[l[0]]
	}
	// Interrupts are partly charged to the processes they interrupt, so
	// the difference may undercount; it is at least the other databases'.
	return max(u.busy-ours, u.byLabel[pgOther])
}

// noise is the share of the machine's CPU (0..1) that other processes and
// other guests used.
func (u cpuUsage) noise(labels [][2]string) float64 {
	if u.byLabel == nil || u.wall <= 0 {
		return 0
	}
	return (u.other(labels) + u.steal).Seconds() / u.wall.Seconds() / float64(u.ncpu)
}

// readProcStat returns a process's command name and its user+system CPU
// time in clock ticks.
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

// sysStat is the machine's CPU time in jiffies, from /proc/stat.
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

// ---------------------------------------------------------------- machine

func describeMachine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

// describeTree names the commit the working tree is at, and whether it has
// changes of its own.
func describeTree() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "not a git checkout"
	}
	return "commit " + strings.TrimSpace(string(out))
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}
