package main

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

func run(ctx context.Context, o options) error {
	limit, err := raiseFileLimit()
	if err != nil {
		return fmt.Errorf("raising the open-file limit: %w", err)
	}
	if need := o.subscribers/o.clients + 200; int(limit) < need {
		return fmt.Errorf("open-file limit %d is below the %d sockets a client process would hold: use more -clients", limit, need)
	}
	if int(limit) < o.subscribers+200 {
		return fmt.Errorf("open-file limit %d: the server cannot hold %d sockets", limit, o.subscribers)
	}
	started := time.Now()
	machine := benchkit.DescribeMachine()
	fmt.Printf("machine: %s\n", machine)
	fmt.Printf("open-file limit for the children: %d\n", limit)

	db, err := createDatabase(o.pgURL)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Drop(); err != nil {
			fmt.Fprintln(os.Stderr, "live:", err)
		} else {
			fmt.Printf("dropped database %s\n", db.Name)
		}
	}()
	dbURL, dbName := db.URL, db.Name
	pgVersion := postgresVersion(o.pgURL)
	fmt.Printf("database %s on %s\n", dbName, pgVersion)

	tmp, err := os.MkdirTemp("", "facestat-live-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := o.bin
	tree := benchkit.DescribeTree()
	if bin == "" {
		if bin, err = benchkit.BuildFacestat(ctx, tmp); err != nil {
			return err
		}
	}

	env := benchkit.ServerEnv(dbURL, filepath.Join(tmp, "data"), 20, o.photos+10)
	env["FACESTAT_RATE_SIGN_UP"] = "0/1s"
	env["FACESTAT_RATE_UPLOAD"] = "0/1s"
	env["FACESTAT_MAX_UPLOADS_PER_IP"] = "64"                           // seeding uploads in parallel from one address
	env["FACESTAT_WS_MAX_SOCKETS_PER_IP"] = strconv.Itoa(o.subscribers) // the sockets come from -clients addresses
	env["FACESTAT_REDIS_URL"] = ""
	env["FACESTAT_OPERATOR_TOKEN"] = benchOperatorToken // /metrics: heap, stacks and goroutines per socket
	busLabel := "in-process bus"
	redisVer := ""
	if o.redis {
		r, err := startRedis(ctx, tmp)
		if err != nil {
			return err
		}
		defer r.stop()
		env["FACESTAT_REDIS_URL"] = r.url
		redisVer = redisVersion()
		busLabel = "Redis pub/sub (" + redisVer + ", redis-server of its own)"
		fmt.Printf("redis-server (pid %d) at %s\n", r.cmd.Process.Pid, r.url)
	}
	srv, err := benchkit.StartServer(ctx, bin, env, childAttr())
	if err != nil {
		return err
	}
	defer srv.Stop()
	liveMaxRate := benchkit.EnvInt("FACESTAT_LIVE_MAX_RATE", 10)
	fmt.Printf("facestat (pid %d) is running at %s; live updates through %s, at most %d per photo and subscriber per second\n",
		srv.Pid(), srv.URL, busLabel, liveMaxRate)

	// Photos, the sockets' tokens and the judges.
	a := newAPI(srv.URL, o.workers)
	t := time.Now()
	photos, err := a.seedPhotos(ctx, o.photos)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	fmt.Printf("seeded %d public photos in %s\n", len(photos), time.Since(t).Round(time.Millisecond))
	var socketTokens []string
	if o.socketTokens > 0 {
		if socketTokens, err = a.anonymousSessions(ctx, o.socketTokens); err != nil {
			return err
		}
	}
	plan, judgesNeeded := makePlan(int(float64(o.rate)*o.duration.Seconds())+o.rate, o.photos, o.zipfS, uint64(time.Now().UnixNano()))
	t = time.Now()
	judges, err := a.anonymousSessions(ctx, judgesNeeded)
	if err != nil {
		return err
	}
	fmt.Printf("started %d anonymous judges in %s (the busiest photo gets %d votes)\n", len(judges), time.Since(t).Round(time.Millisecond), judgesNeeded)

	// The subscribers.
	rss0, err := vmRSS(srv.Pid())
	if err != nil {
		return err
	}
	mem0, err := readGoMemory(srv.URL)
	if err != nil {
		return err
	}
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/graphql"
	t = time.Now()
	fl, err := startClients(o, wsURL, photos, socketTokens)
	if err != nil {
		return err
	}
	defer fl.stop()
	fmt.Printf("opening %d sockets from %d client processes: %s\n", o.subscribers, o.clients, fl.describe())
	setup, err := fl.waitEstablished(ctx, o.subscribers, o.setupTimeout, srv)
	if err != nil {
		return err
	}
	setupTime := time.Since(t)
	fmt.Printf("  %d subscribed, %d failed in %s\n", setup.est, setup.fail, setupTime.Round(time.Millisecond))
	printCounts("  setup errors", setup.errs)
	if setup.est == 0 {
		return fmt.Errorf("no socket could subscribe; server output:\n%s", srv.Output())
	}
	select { // let the server settle (goroutines parked, buffers allocated)
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	rss1, err := vmRSS(srv.Pid())
	if err != nil {
		return err
	}
	perConn := float64(rss1-rss0) / float64(setup.est)
	fmt.Printf("server VmRSS: %s before the sockets, %s with %d subscribed: %.1f KiB per connection\n",
		mib(rss0), mib(rss1), setup.est, perConn/1024)
	mem1, err := readGoMemory(srv.URL)
	if err != nil {
		return err
	}
	heapPer := (mem1.heap - mem0.heap) / float64(setup.est)
	stackPer := (mem1.stack - mem0.stack) / float64(setup.est)
	goroutinesPer := (mem1.goroutines - mem0.goroutines) / float64(setup.est)
	fmt.Printf("server Go memory per connection: heap %.1f KiB + goroutine stacks %.1f KiB = %.1f KiB; %.2f goroutines per connection\n",
		heapPer/1024, stackPer/1024, (heapPer+stackPer)/1024, goroutinesPer)

	// The votes.
	fmt.Printf("casting %d votes/s for %s (%d workers, Zipf s=%.2f over %d photos) ...\n", o.rate, o.duration, o.workers, o.zipfS, o.photos)
	m0, err := fl.mark()
	if err != nil {
		return err
	}
	pids := map[int]string{srv.Pid(): lblServer, os.Getpid(): lblSelf}
	for _, pid := range fl.pids() {
		pids[pid] = lblClients
	}
	cpu := startCPUSampler(dbName, pids)
	srvCPU0 := benchkit.ProcCPU(srv.Pid())
	var perf *exec.Cmd
	if o.perfFile != "" {
		if perf, err = benchkit.StartPerf(o.perfFile, int(math.Ceil(o.duration.Seconds()))); err != nil {
			fmt.Fprintln(os.Stderr, "live: perf:", err)
		}
	}
	votes := castVotes(ctx, a, photos, judges, plan, o.rate, o.duration, o.workers)
	m1, err := fl.mark()
	if err != nil {
		return err
	}
	msgWindow := time.Since(votes.t0)
	srvCPU1 := benchkit.ProcCPU(srv.Pid())
	usage := newCPUUsage(cpu.Stop())
	if perf != nil {
		perf.Wait()
		fmt.Printf("perf recording in %s (perf report -i %s --sort comm,dso,sym)\n", o.perfFile, o.perfFile)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	select { // trailing updates
	case <-time.After(o.grace):
	case <-ctx.Done():
		return ctx.Err()
	}
	rss2, _ := vmRSS(srv.Pid())
	heldAtEnd := setup.est - int64(sum(fl.dropCounts()))
	fl.stop()
	_, _, finalErrs, missing := fl.finals()
	drops := fl.dropCounts()
	samples := fl.takeSamples()

	// The figures.
	lat := joinLatency(votes, samples, o.photos, float64(liveMaxRate))
	r := report{
		o: o, machine: machine, pg: pgVersion, bus: busLabel, tree: tree, date: started.UTC().Format("2006-01-02"),
		liveMaxRate: liveMaxRate, setup: setup, setupTime: setupTime, held: heldAtEnd, drops: drops, clientErrs: finalErrs,
		missingFinals: missing, rss0: rss0, rss1: rss1, rss2: rss2, perConn: perConn, heapPer: heapPer, stackPer: stackPer, goroutinesPer: goroutinesPer, votes: votes, lat: lat,
		msgs: m1 - m0, msgWindow: msgWindow, cpu: usage, serverCPU: srvCPU1 - srvCPU0,
	}
	r.print()
	if srv.Exited() {
		return fmt.Errorf("facestat exited during the run:\n%s", srv.Output())
	}
	return nil
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func printCounts(title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
	fmt.Printf("%s:\n", title)
	for _, k := range keys {
		fmt.Printf("    %6d  %s\n", m[k], k)
	}
}

// ---------------------------------------------------------------- latency

// latencyStats is the delivery latency of the sampled messages, in
// milliseconds, signed: a subscriber may hear of a count before the voter
// whose vote made it does (the update is published at commit, the
// castVote answer follows).
type latencyStats struct {
	all, busy, quiet []float64 // sorted
	messages         int       // sampled messages in the window carrying a count > 0
	unjoined         int       // of which no acknowledgement carried that count or more
	busyPhotos       int       // photos that got at least liveMaxRate votes a second
}

// joinLatency joins the sampled messages received from the first vote to
// the end of the collection with the acknowledgements: the latency of a
// message carrying count n for a photo is its receive time minus the
// earliest acknowledgement of a count >= n for that photo.
func joinLatency(v *voteResult, samples []sample, photos int, liveMaxRate float64) latencyStats {
	var st latencyStats
	firstAck := make([][]int64, photos) // [photo][n]: earliest ack of a count >= n
	perPhoto := make([]int, photos)
	maxCount := make([]int32, photos)
	for _, a := range v.acks {
		maxCount[a.photo] = max(maxCount[a.photo], a.count)
		perPhoto[a.photo]++
	}
	for p := range photos {
		arr := make([]int64, maxCount[p]+2)
		for i := range arr {
			arr[i] = math.MaxInt64
		}
		firstAck[p] = arr
	}
	for _, a := range v.acks {
		arr := firstAck[a.photo]
		arr[a.count] = min(arr[a.count], a.at)
	}
	for p := range photos {
		arr := firstAck[p]
		for n := len(arr) - 2; n >= 0; n-- {
			arr[n] = min(arr[n], arr[n+1])
		}
	}
	busy := make([]bool, photos)
	secs := v.end.Sub(v.t0).Seconds()
	for p := range photos {
		busy[p] = float64(perPhoto[p])/secs >= liveMaxRate
		if busy[p] {
			st.busyPhotos++
		}
	}
	from := v.t0.UnixNano()
	for _, s := range samples {
		if s.recv < from || s.count < 1 || int(s.photo) >= photos {
			continue
		}
		st.messages++
		arr := firstAck[s.photo]
		if int(s.count) >= len(arr) || arr[s.count] == math.MaxInt64 {
			st.unjoined++
			continue
		}
		ms := float64(s.recv-arr[s.count]) / 1e6
		st.all = append(st.all, ms)
		if busy[s.photo] {
			st.busy = append(st.busy, ms)
		} else {
			st.quiet = append(st.quiet, ms)
		}
	}
	slices.Sort(st.all)
	slices.Sort(st.busy)
	slices.Sort(st.quiet)
	return st
}

// quantile is benchkit.Quantile, NaN when there are no figures.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return benchkit.Quantile(sorted, q)
}

func negatives(sorted []float64) int {
	n, _ := slices.BinarySearch(sorted, 0)
	return n
}

func quantiles(s []float64) string {
	if len(s) == 0 {
		return "no messages"
	}
	return fmt.Sprintf("p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms  (%d messages, %.1f%% before the ack)",
		quantile(s, 0.5), quantile(s, 0.9), quantile(s, 0.99), s[len(s)-1], len(s), 100*float64(negatives(s))/float64(len(s)))
}

// ---------------------------------------------------------------- report

type report struct {
	o                      options
	machine, pg, bus, tree string
	date                   string
	liveMaxRate            int
	setup                  setupState
	setupTime              time.Duration
	held                   int64
	drops, clientErrs      map[string]int
	missingFinals          int
	rss0, rss1, rss2       int64
	perConn                float64
	heapPer, stackPer      float64 // Go heap in use and goroutine stacks per connection, bytes
	goroutinesPer          float64
	votes                  *voteResult
	lat                    latencyStats
	msgs                   int64
	msgWindow              time.Duration
	cpu                    cpuUsage
	serverCPU              time.Duration
}

func (r *report) command() string {
	o := r.o
	cmd := fmt.Sprintf("go run ./bench/live -subscribers %d -photos %d -rate %d -duration %s -clients %d", o.subscribers, o.photos, o.rate, o.duration, o.clients)
	if !o.redis {
		cmd += " -redis=false"
	}
	return cmd
}

func (r *report) print() {
	v := r.votes
	window := v.end.Sub(v.t0)
	achieved := float64(v.okInWindow) / window.Seconds()
	slices.Sort(v.latencies)
	castP50, castP99 := benchkit.Quantile(v.latencies, 0.5), benchkit.Quantile(v.latencies, 0.99)
	perSocket := float64(r.msgs) / float64(max(r.setup.est, 1)) / r.msgWindow.Seconds()
	p99 := quantile(r.lat.all, 0.99)

	fmt.Println()
	fmt.Println("== results")
	fmt.Printf("subscribers:          %d requested, %d subscribed (%d failed) in %s, %d held to the end (%d dropped)\n",
		r.o.subscribers, r.setup.est, r.setup.fail, r.setupTime.Round(time.Millisecond), r.held, sum(r.drops))
	printCounts("  dropped", r.drops)
	printCounts("  client-side errors (setup and run)", r.clientErrs)
	if r.missingFinals > 0 {
		fmt.Printf("  %d client processes gave no final report\n", r.missingFinals)
	}
	fmt.Printf("server memory:        VmRSS %s before the sockets, %s subscribed, %s after the votes: %.1f KiB per connection\n",
		mib(r.rss0), mib(r.rss1), mib(r.rss2), r.perConn/1024)
	fmt.Printf("votes:                %d planned in %s, %d sent, %d answered ok (%d by the end of the window): %.0f votes/s achieved of %d\n",
		v.planned, window.Round(time.Millisecond), v.sent, v.ok, v.okInWindow, achieved, r.o.rate)
	fmt.Printf("  pacing:             %d votes handed to a worker more than 10 ms late, at most %s late\n", v.late, v.maxLag.Round(time.Millisecond))
	fmt.Printf("  castVote latency:   p50 %.1f ms  p99 %.1f ms\n", ms(castP50), ms(castP99))
	fmt.Printf("  errors by code:     %s\n", benchkit.CountsLine(v.errs))
	for k, m := range v.errSamples {
		fmt.Printf("    %s: %s\n", k, trim(m, 200))
	}
	fmt.Printf("delivery latency:     %s\n", quantiles(r.lat.all))
	fmt.Printf("  busy photos (>= %d votes/s, %d of them): %s\n", r.liveMaxRate, r.lat.busyPhotos, quantiles(r.lat.busy))
	fmt.Printf("  quiet photos:       %s\n", quantiles(r.lat.quiet))
	fmt.Printf("  sampled messages:   %d in the window with a count > 0, %d not joined (no acknowledgement of that count)\n", r.lat.messages, r.lat.unjoined)
	fmt.Printf("messages:             %d received in %s = %.0f/s, %.2f per socket per second\n",
		r.msgs, r.msgWindow.Round(time.Millisecond), float64(r.msgs)/r.msgWindow.Seconds(), perSocket)
	fmt.Printf("server CPU:           %.0f%% of one core (utime+stime %s over %s)\n", 100*r.serverCPU.Seconds()/r.cpu.Wall.Seconds(),
		r.serverCPU.Round(10*time.Millisecond), r.cpu.Wall.Round(time.Millisecond))
	r.cpu.print()

	met := r.held >= int64(r.o.subscribers) && achieved >= 0.98*float64(r.o.rate) && p99 < 250
	verdict := "met"
	if !met {
		var why []string
		if r.held < int64(r.o.subscribers) {
			why = append(why, fmt.Sprintf("%d of %d subscribers held", r.held, r.o.subscribers))
		}
		if achieved < 0.98*float64(r.o.rate) {
			why = append(why, fmt.Sprintf("%.0f of %d votes/s", achieved, r.o.rate))
		}
		if !(p99 < 250) {
			why = append(why, fmt.Sprintf("p99 %.0f ms", p99))
		}
		verdict = "missed: " + strings.Join(why, ", ")
	}

	fmt.Println()
	fmt.Println("== for docs/PERFORMANCE.md")
	fmt.Println()
	fmt.Printf("Live results, %s (%s)\n\n", r.date, r.tree)
	fmt.Printf("- command: `%s`\n", r.command())
	fmt.Printf("- machine: %s; %s; %s; everything on this one machine, over loopback\n", r.machine, r.pg, r.bus)
	fmt.Printf("- server: facestat serve, FACESTAT_DB_MAX_CONNS=20, FACESTAT_LIVE_MAX_RATE=%d, open-file limit %d\n", r.liveMaxRate, fileLimit)
	fmt.Println()
	fmt.Println("| figure | value |")
	fmt.Println("|---|---|")
	fmt.Printf("| subscribers held | %d of %d (%d failed to subscribe, %d dropped), from %d client processes, opened in %s |\n",
		r.held, r.o.subscribers, r.setup.fail, sum(r.drops), r.o.clients, r.setupTime.Round(100*time.Millisecond))
	fmt.Printf("| server memory per connection | %.1f KiB (VmRSS %s → %s) |\n", r.perConn/1024, mib(r.rss0), mib(r.rss1))
	fmt.Printf("| Go memory per connection | heap %.1f KiB + stacks %.1f KiB; %.2f goroutines |\n", r.heapPer/1024, r.stackPer/1024, r.goroutinesPer)
	fmt.Printf("| votes/s achieved | %.0f of %d (Zipf s=%.2f over %d photos, %s) |\n", achieved, r.o.rate, r.o.zipfS, r.o.photos, window.Round(time.Second))
	fmt.Printf("| castVote latency | p50 %.1f ms, p99 %.1f ms |\n", ms(castP50), ms(castP99))
	fmt.Printf("| errors | %s |\n", benchkit.CountsLine(v.errs))
	fmt.Printf("| delivery latency (ack → subscriber) | p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d sampled messages) |\n",
		quantile(r.lat.all, 0.5), p99, last(r.lat.all), len(r.lat.all))
	fmt.Printf("| messages per socket per second | %.2f (%.0f/s in all) |\n", perSocket, float64(r.msgs)/r.msgWindow.Seconds())
	fmt.Printf("| server CPU | %.0f%% of one core |\n", 100*r.serverCPU.Seconds()/r.cpu.Wall.Seconds())
	fmt.Printf("| CPU split | facestat %.0f%%, postgres %.0f%%, redis %.0f%%, clients %.0f%%, voters %.0f%%, softirq %.0f%%, other processes %.0f%%; machine %.0f%% of %d00%% |\n",
		r.cpu.pct(r.cpu.ByLabel[lblServer]), r.cpu.pct(r.cpu.ByLabel[lblPGThis]+r.cpu.ByLabel[lblPGOther]), r.cpu.pct(r.cpu.ByLabel[lblRedis]),
		r.cpu.pct(r.cpu.ByLabel[lblClients]), r.cpu.pct(r.cpu.ByLabel[lblSelf]), r.cpu.pct(r.cpu.IRQ), r.cpu.pct(r.cpu.noise()), r.cpu.pct(r.cpu.Busy), r.cpu.NCPU)
	fmt.Printf("| target (%d subscribers, %d votes/s, p99 < 250 ms) | %s |\n", r.o.subscribers, r.o.rate, verdict)
}

func last(s []float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return s[len(s)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
