// Command votes measures FaceStat's vote path end to end and compares it
// with what PostgreSQL does on its own on the same machine.
//
//	go run ./bench/votes [-duration 10s] [-rounds 3] [-clients 256] [-photos 200]
//
// Each round creates a PostgreSQL database of its own (dropped at its end),
// and starts the real `facestat serve` binary on it, seeds photos with SQL,
// and runs -clients goroutines casting votes through the GraphQL castVote
// mutation over loopback HTTP as anonymous judges, each judge voting on
// -votes-per-judge photos at most once (then the goroutine starts a new
// anonymous session). Every judge comes from a synthetic client address
// of its own (X-Forwarded-For, through 127.0.0.1 as the trusted proxy), so
// the server's per-address and per-judge rate limits and cost budgets
// apply at their defaults, as they would to real traffic. Votes per second
// are counted in the votes table over the measured window; latency and
// errors (by extensions.code) are measured on the client side; at the end
// every acknowledged vote must be in the table. The server's batch sizes
// come from its facestat_vote_batch_size histogram (/metrics).
//
// The baseline, in the same run and database: pgbench -n -c 16 -j 2
// inserting single rows of random uuids and a small JSON document into
// bench_votes, a copy of the votes table's shape and indexes without its
// foreign keys, one INSERT ... ON CONFLICT DO NOTHING per transaction. The
// ratio app/pgbench is what to compare between machines; the absolute
// figures are the machine's. With -rounds N the two windows take turns N
// times, each round in a new database (the server started on it, pgbench
// run in it after), and the report ends with the median of the rounds'
// ratios: on a shared machine the speed of the CPU and of the disk's
// flushes drifts within minutes, and a drift then weighs on both. CPU per
// vote (FaceStat's, PostgreSQL's) comes from /proc, the load generator's
// apart.
package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
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
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq" // registers "postgres"

	"github.com/facestat/facestat/bench/benchkit"
)

type options struct {
	duration   time.Duration
	warmup     time.Duration
	clients    int
	photos     int
	pool       int
	pgClients  int
	perJudge   int
	serverURL  string
	pgbench    string
	cpuProfile string
	perfFile   string
	profile    string
	bin        string
	skipPG     bool
	rounds     int
	dbName     string // the round's database, once created
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured window of each phase (app, then pgbench)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before the app's measured window (connections, caches)")
	flag.IntVar(&o.clients, "clients", 256, "concurrent judges (goroutines), each with its own anonymous session (256: on a 2-core machine, 64 left it partly idle and 512 met the admission limit; see docs/PERFORMANCE.md §1)")
	flag.IntVar(&o.photos, "photos", 200, "photos to vote on")
	flag.IntVar(&o.pool, "pool", benchkit.EnvInt("FACESTAT_DB_MAX_CONNS", 20), "the app's PostgreSQL pool size (FACESTAT_DB_MAX_CONNS)")
	flag.IntVar(&o.pgClients, "pgbench-clients", 16, "pgbench's -c")
	flag.IntVar(&o.perJudge, "votes-per-judge", 100, "votes each anonymous judge casts before the next session (at most -photos; under rate-vote's burst)")
	flag.StringVar(&o.serverURL, "server", cmp.Or(os.Getenv("FACESTAT_TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server to create the benchmark database on (a database URL with rights to CREATE DATABASE)")
	flag.StringVar(&o.pgbench, "pgbench", "", "pgbench binary (default: from PATH or /usr/lib/postgresql/*/bin)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this load generator to the file (go tool pprof)")
	flag.StringVar(&o.perfFile, "perf", "", "record `perf record -a -g` of the whole machine during the (first round's) app window into the file")
	flag.StringVar(&o.profile, "profile", "", "write a CPU profile of the server over the (first round's) app window to the file, through its operator-only /debug/pprof/ (go tool pprof)")
	flag.StringVar(&o.bin, "bin", "", "a facestat binary to run instead of building ./cmd/facestat from this working tree")
	flag.BoolVar(&o.skipPG, "skip-pgbench", false, "measure the app only")
	flag.IntVar(&o.rounds, "rounds", 3, "app and pgbench windows taken in turn, each round in a new database; the ratio is the median of the rounds' ratios, so that a drift of the machine's speed or its disk's during the run weighs on both sides")
	flag.Parse()
	if o.rounds < 1 || o.clients < 1 || o.photos < 1 || o.duration < time.Second || o.pool < 1 || o.pgClients < 1 || o.perJudge < 1 {
		fmt.Fprintln(os.Stderr, "votes: -rounds, -clients, -photos, -pool, -pgbench-clients and -votes-per-judge must be positive and -duration at least 1s")
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

	machine := benchkit.DescribeMachine()
	fmt.Printf("machine: %s\n", machine)

	// The real binary, as a separate process.
	tmp, err := os.MkdirTemp("", "facestat-bench-")
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
	var ratios []float64
	for r := 1; r <= o.rounds; r++ {
		if o.rounds > 1 {
			fmt.Printf("\n======== round %d of %d\n", r, o.rounds)
		}
		app, base, err := round(ctx, o, bin, pgbench, filepath.Join(tmp, "round"+strconv.Itoa(r)), r == 1)
		if err != nil {
			return err
		}
		if base != nil {
			ratios = append(ratios, app.votesPerSec/base.tps)
		}
	}
	if len(ratios) > 1 {
		sorted := slices.Sorted(slices.Values(ratios))
		each := make([]string, len(ratios))
		for i, r := range ratios {
			each[i] = fmt.Sprintf("%.3f", r)
		}
		fmt.Printf("\nratio app/pgbench by round:    %s\n", strings.Join(each, ", "))
		fmt.Printf("median ratio of %d rounds:     %.3f (min %.3f, max %.3f)\n", len(ratios), median(sorted), sorted[0], sorted[len(sorted)-1])
		fmt.Printf("docs: median ratio of %d rounds (-duration %s each): %.3f (%s)\n", len(ratios), o.duration, median(sorted), strings.Join(each, ", "))
	}
	return nil
}

// round measures the app, then pgbench, in a database of its own (dropped
// at the end whatever happens), so that every round starts from the same
// empty tables: the votes of a round before would make the judge model's
// refit read more, round after round. dir holds the server's data; the
// server's profile and perf record are taken in the first round only.
func round(ctx context.Context, o options, bin, pgbench, dir string, first bool) (*appResult, *pgbenchResult, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	db, err := benchkit.CreateDatabase(o.serverURL, "facestat_bench_")
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err := db.Drop(); err != nil {
			fmt.Fprintln(os.Stderr, "votes:", err)
		}
	}()
	o.dbName = db.Name
	pg, err := sql.Open("postgres", db.URL)
	if err != nil {
		return nil, nil, err
	}
	defer pg.Close()
	var syncCommit, fsync, walSync string
	if err := pg.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&syncCommit); err != nil {
		return nil, nil, fmt.Errorf("SHOW synchronous_commit: %w", err)
	}
	if syncCommit != "on" {
		return nil, nil, fmt.Errorf("synchronous_commit is %q on this server: the figures would not be those of durable commits; set it to on", syncCommit)
	}
	_ = pg.QueryRowContext(ctx, "SHOW fsync").Scan(&fsync)
	_ = pg.QueryRowContext(ctx, "SHOW wal_sync_method").Scan(&walSync)
	fmt.Printf("database %s: synchronous_commit=%s fsync=%s wal_sync_method=%s\n", db.Name, syncCommit, fsync, walSync)

	env := benchkit.ServerEnv(db.URL, filepath.Join(dir, "data"), o.pool, o.photos+10)
	// The limits and budgets at their defaults: each judge comes from an
	// address of its own, through the loopback proxy.
	for _, k := range []string{"FACESTAT_RATE_ANON_SESSION", "FACESTAT_RATE_VOTE", "FACESTAT_RATE_VOTE_IP",
		"FACESTAT_BUDGET_IP", "FACESTAT_BUDGET_SESSION", "FACESTAT_BUDGET_ACCOUNT"} {
		delete(env, k)
	}
	env["FACESTAT_TRUSTED_PROXIES"] = "127.0.0.1/32"
	if o.profile != "" {
		env["FACESTAT_OPERATOR_TOKEN"] = operatorToken
	}
	srv, err := benchkit.StartServer(ctx, bin, env, nil)
	if err != nil {
		return nil, nil, err
	}
	defer srv.Stop()
	fmt.Printf("facestat (pid %d) is running at %s\n", srv.Pid(), srv.URL)
	photoIDs, err := seedPhotos(ctx, pg, o.photos)
	if err != nil {
		return nil, nil, err
	}
	fmt.Printf("seeded %d photos; %d clients vote for %s after %s of warm-up\n", len(photoIDs), o.clients, o.duration, o.warmup)
	app, err := measureApp(ctx, o, pg, srv, photoIDs, first)
	if err != nil {
		return nil, nil, err
	}
	srv.Stop() // the machine is the baseline's alone
	// Every vote acknowledged (its transaction committed) is in the table;
	// the table may hold more (calls cut short after their commit).
	total, err := countVotes(ctx, pg, "votes")
	if err != nil {
		return nil, nil, err
	}
	app.missing = max(app.acked-total, 0)
	app.print(o)
	if app.missing > 0 {
		return nil, nil, fmt.Errorf("%d acknowledged votes are not in the table", app.missing)
	}
	if o.skipPG {
		return app, nil, nil
	}
	base, err := measurePgbench(ctx, o, pg, pgbench, db.URL, dir)
	if err != nil {
		return nil, nil, err
	}
	base.print()
	report(o, app, base)
	return app, base, nil
}

// median is the middle of sorted (the mean of the two middle values of an
// even count).
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// report prints one round's comparison and its line for
// docs/PERFORMANCE.md.
func report(o options, app *appResult, base *pgbenchResult) {
	ratio := app.votesPerSec / base.tps
	appFS, appPG := app.cpu.perEvent("facestat", app.votes), app.cpu.perEvent(pgThis, app.votes)+app.cpu.perEvent(pgServer, app.votes)
	basePG := base.cpu.perEvent(pgThis, base.inserted) + base.cpu.perEvent(pgServer, base.inserted)
	fmt.Println()
	fmt.Printf("app votes/s:                   %.0f\n", app.votesPerSec)
	fmt.Printf("pgbench single-row inserts/s:  %.0f\n", base.tps)
	fmt.Printf("ratio app/pgbench:             %.3f\n", ratio)
	fmt.Printf("CPU per vote:                  FaceStat %s, PostgreSQL %s (pgbench's insert: PostgreSQL %s)\n", us(appFS), us(appPG), us(basePG))
	fmt.Printf("castVote latency:              p50 %s  p99 %s\n", ms(app.p50), ms(app.p99))
	fmt.Printf("acknowledged votes:            %d, all in the table: %v\n", app.acked, app.missing == 0)
	fmt.Printf("other load on the machine:     %.0f%% during the app's window, %.0f%% during pgbench's (of all CPUs)\n",
		100*app.cpu.noise(appLabels), 100*base.cpu.noise(pgbenchLabels))
	fmt.Println("docs: | date | clients | photos | pool | window | app votes/s | p50 | p99 | errors | pgbench -c inserts/s | ratio | CPU/vote FaceStat + PostgreSQL | PostgreSQL per pgbench insert | mean batch | other load app / pgbench |")
	fmt.Printf("docs: | %s | %d | %d | %d | %s | %.0f | %s | %s | %s | %d: %.0f | %.3f | %s + %s | %s | %.1f | %.0f%% / %.0f%% |\n",
		time.Now().UTC().Format("2006-01-02"), o.clients, o.photos, o.pool, o.duration,
		app.votesPerSec, ms(app.p50), ms(app.p99), benchkit.CountsLine(app.errors), o.pgClients, base.tps, ratio,
		us(appFS), us(appPG), us(basePG), app.batches.mean(),
		100*app.cpu.noise(appLabels), 100*base.cpu.noise(pgbenchLabels))
}

// ---------------------------------------------------------------- database

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

// ---------------------------------------------------------------- load

const castVoteQuery = `mutation($id: ID!, $answers: [AnswerInput!]!) {
  castVote(input: {photoId: $id, answers: $answers}) { photo { id voteCount } }
}`

// syntheticAddr is a client address for a new judge: one of about a
// million in 10.0.0.0/12, so that per-address limits see many clients.
func syntheticAddr(r *mrand.Rand) string {
	n := r.Uint32N(1 << 20)
	return fmt.Sprintf("10.%d.%d.%d", n>>16, (n>>8)&255, n&255)
}

// voter is one client goroutine's connection and castVote writer: a vote
// is written as prepared bytes (benchkit.Conn), so that the load
// generator's CPU per vote stays small next to the server's, which shares
// the machine's cores with it.
type voter struct {
	conn    *benchkit.Conn
	votes   *benchkit.CastVote
	headers []string
}

// as sets the judge's token (none: "") and client address (the trusted
// proxy's X-Forwarded-For) of the requests that follow.
func (v *voter) as(token, addr string) {
	v.headers = append(v.headers[:0], "X-Forwarded-For: "+addr)
	if token != "" {
		v.headers = append(v.headers, "Authorization: Bearer "+token)
	}
}

// castVote votes for the photo id with answers drawn from r, and returns
// an error code, "" when the vote was acknowledged (see benchkit.Conn.GraphQL).
func (v *voter) castVote(id string, r *mrand.Rand) string {
	_, code, _ := v.conn.GraphQL(v.headers, v.votes.Body(id, r))
	return code
}

// startSession starts an anonymous session from addr and returns its
// token, or an error code.
func (v *voter) startSession(addr string) (string, string) {
	v.as("", addr)
	resp, code, _ := v.conn.GraphQL(v.headers, []byte(`{"query":"mutation { startAnonymousSession { token } }"}`))
	if code != "" {
		return "", code
	}
	var out struct {
		Data struct{ StartAnonymousSession struct{ Token string } }
	}
	if err := json.Unmarshal(resp, &out); err != nil || out.Data.StartAnonymousSession.Token == "" {
		return "", "BAD_RESPONSE"
	}
	token := out.Data.StartAnonymousSession.Token
	v.as(token, addr)
	return token, ""
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
	acked, missing   int64     // votes acknowledged in the round (warm-up included); those not in the table
	batches          histogram // the server's batch sizes in the window
}

func measureApp(ctx context.Context, o options, pg *sql.DB, srv *benchkit.Server, photos []string, first bool) (*appResult, error) {
	var (
		measuring atomic.Bool
		stopping  atomic.Bool
		sessions  atomic.Int64
		acked     atomic.Int64 // votes answered ok, warm-up included
		mu        sync.Mutex
		lats      []time.Duration
		errs      = map[string]int{}
		wg        sync.WaitGroup
	)
	for i := range o.clients {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			conn, err := benchkit.NewConn(srv.URL, 60*time.Second)
			if err != nil {
				panic(err) // srv.URL is the server's own http://127.0.0.1:port
			}
			defer conn.Close()
			v := &voter{conn: conn, votes: benchkit.NewCastVote(castVoteQuery)}
			var (
				token, addr  string
				cursor, left int
				myLats       []time.Duration
				myErrs       = map[string]int{}
			)
			for !stopping.Load() && ctx.Err() == nil {
				if token == "" || left == 0 {
					var code string
					addr = syntheticAddr(r)
					token, code = v.startSession(addr)
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
					cursor, left = r.IntN(len(photos)), min(o.perJudge, len(photos))
				}
				id := photos[cursor]
				cursor = (cursor + 1) % len(photos)
				left--
				t0 := time.Now()
				code := v.castVote(id, r)
				lat := time.Since(t0)
				if code == "" {
					acked.Add(1)
				}
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
	c0 := readCounters(ctx, pg)
	h0, herr := batchSizes(srv.URL)
	n0, err := countVotes(ctx, pg, "votes")
	if err != nil {
		finish()
		return nil, err
	}
	s0 := sessions.Load()
	t0 := time.Now()
	measuring.Store(true)
	// Every 500 ms: each sample reads /proc/<pid>/stat of every process
	// (at 100 ms, a quarter of this program's own CPU). The server, its pool's
	// backends and this program are counted in full (a last sample at
	// Stop); a process that exits during the window (an autovacuum worker)
	// loses up to 500 ms of its CPU to "other processes".
	procs := startCPU(o.dbName, map[int]string{srv.Pid(): "facestat", os.Getpid(): "self"}, 500*time.Millisecond)
	var perf *exec.Cmd
	if o.perfFile != "" && first {
		if perf, err = benchkit.StartPerf(o.perfFile, int(o.duration.Seconds())); err != nil {
			fmt.Fprintln(os.Stderr, "votes: perf:", err)
		}
	}
	var profiled chan error
	if o.profile != "" && first {
		profiled = make(chan error, 1)
		go func() {
			profiled <- benchkit.FetchProfile(ctx, srv.URL, operatorToken, int(o.duration.Seconds()), o.profile)
		}()
	}
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
		finish()
		return nil, ctx.Err()
	}
	if profiled != nil {
		// The profile may outlast the window by a moment: keep the load on until it is in.
		if err := <-profiled; err != nil {
			fmt.Fprintln(os.Stderr, "votes: profile:", err)
		}
	}
	measuring.Store(false)
	n1, err := countVotes(ctx, pg, "votes")
	t1 := time.Now()
	cpu := cpuUsage(procs.Stop())
	c1 := readCounters(ctx, pg)
	h1, herr1 := batchSizes(srv.URL)
	s1 := sessions.Load()
	finish()
	if perf != nil {
		perf.Wait()
	}
	if err != nil {
		return nil, err
	}
	res := &appResult{votes: n1 - n0, sessions: s1 - s0, window: t1.Sub(t0), errors: errs, cpu: cpu,
		commits: c1.commits - c0.commits, walSync: -1, acked: acked.Load()}
	if herr == nil && herr1 == nil {
		res.batches = h1.minus(h0)
	}
	if c0.walSyncs >= 0 && c1.walSyncs >= 0 {
		res.walSync = c1.walSyncs - c0.walSyncs
	}
	res.votesPerSec = float64(res.votes) / res.window.Seconds()
	slices.Sort(lats)
	res.okCalls = len(lats)
	res.p50, res.p90, res.p99 = benchkit.Quantile(lats, 0.50), benchkit.Quantile(lats, 0.90), benchkit.Quantile(lats, 0.99)
	if len(lats) > 0 {
		res.maxLat = lats[len(lats)-1]
	}
	if res.votes == 0 {
		return res, fmt.Errorf("no vote was stored in %s (errors %v); server output:\n%s", res.window, errs, srv.Output())
	}
	return res, nil
}

func (r *appResult) print(o options) {
	fmt.Println()
	fmt.Printf("== app: facestat serve, castVote over HTTP, %d clients, %d photos, pool %d\n", o.clients, o.photos, o.pool)
	fmt.Printf("votes stored:        %d in %s = %.0f votes/s (from the votes table)\n", r.votes, r.window.Round(time.Millisecond), r.votesPerSec)
	fmt.Printf("castVote answered:   %d ok; latency p50 %s  p90 %s  p99 %s  max %s\n", r.okCalls, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.maxLat))
	fmt.Printf("errors by code:      %s\n", benchkit.CountsLine(r.errors))
	fmt.Printf("anonymous sessions:  %d started in the window (%d votes each at most), each from a synthetic address\n", r.sessions, o.perJudge)
	fmt.Printf("acknowledged votes:  %d in the whole run; %d of them not in the table\n", r.acked, r.missing)
	fmt.Printf("batch sizes:         %s\n", r.batches)
	fmt.Printf("judge model refit:   %.0f rounds in the window, reading %.0f votes (%.1f per vote stored)\n",
		r.batches.refitRounds, r.batches.refitVotes, r.batches.refitVotes/float64(max(r.votes, 1)))
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

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }

// perEvent is the CPU time label used per event (n events in the window).
func (u cpuUsage) perEvent(label string, n int64) time.Duration {
	if n <= 0 || u.ByLabel == nil {
		return 0
	}
	return u.ByLabel[label] / time.Duration(n)
}

// histogram is a Prometheus histogram's cumulative bucket counts, by upper
// bound, with its sum and count.
type histogram struct {
	le         []float64
	cumulative []float64
	sum, count float64
	// The refit's counters, read with the histogram: its rounds (all
	// results) and the votes they read.
	refitRounds, refitVotes float64
}

var bucketRE = regexp.MustCompile(`^facestat_vote_batch_size_(bucket\{le="([^"]+)"\}|sum|count) (\S+)$`)

// batchSizes reads the server's facestat_vote_batch_size histogram.
func batchSizes(base string) (histogram, error) {
	var h histogram
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return h, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return h, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if name, value, ok := strings.Cut(line, " "); ok && strings.HasPrefix(name, "facestat_refit_") {
			v, _ := strconv.ParseFloat(value, 64)
			switch {
			case strings.HasPrefix(name, "facestat_refit_rounds_total"):
				h.refitRounds += v
			case name == "facestat_refit_votes_total":
				h.refitVotes += v
			}
			continue
		}
		m := bucketRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[3], 64)
		switch m[1] {
		case "sum":
			h.sum = v
		case "count":
			h.count = v
		default:
			le, _ := strconv.ParseFloat(m[2], 64) // "+Inf" parses as +Inf
			h.le, h.cumulative = append(h.le, le), append(h.cumulative, v)
		}
	}
	if h.le == nil {
		return h, errors.New("no facestat_vote_batch_size in /metrics")
	}
	return h, nil
}

// minus is h less an earlier reading of the same histogram.
func (h histogram) minus(o histogram) histogram {
	out := histogram{le: h.le, cumulative: slices.Clone(h.cumulative), sum: h.sum - o.sum, count: h.count - o.count,
		refitRounds: h.refitRounds - o.refitRounds, refitVotes: h.refitVotes - o.refitVotes}
	for i := range out.cumulative {
		if i < len(o.cumulative) {
			out.cumulative[i] -= o.cumulative[i]
		}
	}
	return out
}

func (h histogram) mean() float64 {
	if h.count == 0 {
		return 0
	}
	return h.sum / h.count
}

// String is the batches' count and mean, and the share of batches in each
// bucket (size up to le).
func (h histogram) String() string {
	if h.count == 0 {
		return "unknown"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%.0f batches, mean %.1f votes;", h.count, h.mean())
	prev := 0.0
	for i, le := range h.le {
		n := h.cumulative[i] - prev
		prev = h.cumulative[i]
		if n == 0 {
			continue
		}
		fmt.Fprintf(&b, " ≤%g: %.0f%%", le, 100*n/h.count)
	}
	return b.String()
}

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
		`'[{"q":1,"n":31},{"q":2,"n":6},{"q":3,"y":true},{"q":4,"y":true},{"q":5,"y":false},{"q":8,"w":"friendly"}]', now()) ON CONFLICT DO NOTHING;` + "\n"
	if err := os.WriteFile(script, []byte(insert), 0o600); err != nil {
		return nil, err
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	secs := max(int((o.duration+time.Second-1)/time.Second), 1)
	args := []string{"-n", "-c", strconv.Itoa(o.pgClients), "-j", "2", "-T", strconv.Itoa(secs), "-f", script}
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
	procs := startCPU(o.dbName, nil, 100*time.Millisecond) // pgbench's backends exit at its end
	cmd := exec.CommandContext(ctx, pgbench, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	cpu := cpuUsage(procs.Stop())
	c1 := readCounters(ctx, pg)
	if err != nil {
		return nil, fmt.Errorf("pgbench: %v\n%s", err, out.String())
	}
	m := tpsRE.FindStringSubmatch(out.String())
	if m == nil {
		return nil, fmt.Errorf("no tps in pgbench's output:\n%s", out.String())
	}
	res := &pgbenchResult{clients: o.pgClients, seconds: secs, cpu: cpu, walSync: -1}
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
	r.cpu.print(r.cpu.Wall, pgbenchLabels)
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

// cpuUsage is the CPU time used in a phase's window.
type cpuUsage benchkit.CPUUsage

// startCPU measures the CPU time processes use from now, by label: the
// processes named in pids; pgbench; and PostgreSQL's processes, told apart
// by their titles (/proc/<pid>/cmdline) into the backends of the
// benchmark's database dbName, the server's own processes (WAL writer,
// checkpointer, ...) and the backends of other databases. It samples every
// interval, so that a process that exits during the window (pgbench's
// backends) is counted up to its last sample. Whatever else keeps the
// machine busy is reported as other load: the noise to judge the figures
// by.
func startCPU(dbName string, pids map[int]string, interval time.Duration) *benchkit.CPUSampler {
	return benchkit.StartCPUSampler(interval, func(pid, ppid int, comm string) (string, bool) {
		return classify(dbName, pids, pid, ppid, comm)
	})
}

// classify labels a process for startCPU; processes of no label are not
// counted.
func classify(dbName string, pids map[int]string, pid, ppid int, comm string) (string, bool) {
	if l, ok := pids[pid]; ok {
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
		if slices.Contains(strings.Fields(rest), dbName) {
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

// print lists the CPU each label used in the window, in the order of
// labels (label, name to print), then the rest of the machine's load.
func (u cpuUsage) print(window time.Duration, labels [][2]string) {
	if u.ByLabel == nil {
		return
	}
	pct := func(d time.Duration) float64 { return 100 * d.Seconds() / window.Seconds() }
	line := func(name string, d time.Duration, note string) {
		fmt.Printf("  %-30s %4.0f%%  (%s%s)\n", name, pct(d), d.Round(10*time.Millisecond), note)
	}
	fmt.Printf("CPU in the window (%d CPUs; 100%% = one core busy all the window):\n", u.NCPU)
	for _, l := range labels {
		line(l[1], u.ByLabel[l[0]], "")
	}
	line(pgServer, u.ByLabel[pgServer], "")
	line("kernel: threads and interrupts", u.ByLabel[kernelThreads]+u.IRQ, fmt.Sprintf("; interrupts %s", u.IRQ.Round(10*time.Millisecond)))
	other := u.other(labels)
	line("other processes (noise)", other, fmt.Sprintf("; %s of it %s", u.ByLabel[pgOther].Round(10*time.Millisecond), pgOther))
	line("steal (other guests)", u.Steal, "")
	fmt.Printf("  %-30s %4.0f%%  of %d00%%\n", "machine busy", pct(u.Busy), u.NCPU)
}

// other is the CPU time of the processes that are not the benchmark's.
func (u cpuUsage) other(labels [][2]string) time.Duration {
	ours := u.ByLabel[pgServer] + u.ByLabel[kernelThreads] + u.IRQ
	for _, l := range labels {
		ours += u.ByLabel[l[0]]
	}
	// Interrupts are partly charged to the processes they interrupt, so
	// the difference may undercount; it is at least the other databases'.
	return max(u.Busy-ours, u.ByLabel[pgOther])
}

// noise is the share of the machine's CPU (0..1) that other processes and
// other guests used.
func (u cpuUsage) noise(labels [][2]string) float64 {
	if u.ByLabel == nil || u.Wall <= 0 {
		return 0
	}
	return (u.other(labels) + u.Steal).Seconds() / u.Wall.Seconds() / float64(u.NCPU)
}

// operatorToken opens the server's /debug/pprof/ to -profile.
const operatorToken = "bench-votes-operator-token-0123456789abcdef"
