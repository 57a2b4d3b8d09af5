package judging_test

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
)

// nextPhoto at scale: 100,000 photos, about 20,000 users and 1,000,000
// votes on PostgreSQL, loaded with INSERT ... SELECT FROM generate_series.
//
// The votes are skewed like a live site's: photo i (0-based) of the first
// 99,500 has 6 + floor(9800 * (i+1)^-0.8) votes, from 8,806 down to 6 (the
// median photo has 7), cast by consecutive regular judges (so each judge
// votes on a photo at most once, ~56 votes per judge). The last 500 photos
// are the least judged: 5 votes each, all from the 5 heavy judges, who have
// judged exactly those 500 photos, the ones nextPhoto serves first. For a
// heavy judge nextPhoto must therefore step over 500 judged photos before
// it finds candidates: the worst case of its anti-join. They have also
// skipped (skipPhoto) 500 of the photos with 6 votes, the next least
// judged, so the anti-join on skips has rows to step over too; every
// regular judge has skipped one photo.
//
// The load takes about 12 s on 2 cores (the test, run by make test, about
// 15 s); -short skips both.
const (
	scalePhotos     = 100_000
	scaleOwners     = 2_000  // accounts owning 50 photos each, voting on none
	scaleJudges     = 18_000 // regular anonymous judges
	scaleHeavy      = 5      // judges with scaleHeavyVotes votes each
	scaleHeavyVotes = 500
	scaleSkewed     = scalePhotos - scaleHeavyVotes // photos voted on by regular judges
	scalePool       = 20                            // FACESTAT_NEXT_PHOTO_POOL's default
)

// scaleVotes is photo i's vote count, in SQL; i is an integer expression.
func scaleVotes(i string) string {
	return fmt.Sprintf("(CASE WHEN %[1]s < %[2]d THEN 6 + floor(9800 * power(%[1]s + 1, -0.8))::int ELSE %[3]d END)", i, scaleSkewed, scaleHeavy)
}

// Deterministic ids, so that votes can be generated without looking up rows.
func scaleID(kind string, n int) uuid.UUID {
	return uuid.UUID(md5.Sum([]byte(fmt.Sprintf("%s%d", kind, n))))
}

// scaleEnv is a loaded database and a judging service on it.
type scaleEnv struct {
	svc   *judging.Service
	store *photos.Service
	db    *db.DB
	rec   *queryRecorder
}

func skipUnlessScale(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("loads 1,000,000 votes into PostgreSQL")
	}
}

// loadScale creates a fresh PostgreSQL database (dropped when tb ends),
// migrates it, fills it and returns the service on it.
func loadScale(tb testing.TB, headTTL time.Duration) *scaleEnv {
	tb.Helper()
	url := dbtest.MustCreatePGDatabase(tb)
	ctx := context.Background()
	rec := &queryRecorder{}
	d, err := db.Open(ctx, db.Options{DatabaseURL: url, MaxConns: 4,
		Driver: func(drv dialect.Driver) dialect.Driver { return recordingDriver{drv, rec} }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := d.Migrate(ctx, log); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	exec := func(what, query string) {
		tb.Helper()
		t0 := time.Now()
		if _, err := conn.ExecContext(ctx, query); err != nil {
			tb.Fatalf("%s: %v\n%s", what, err, query)
		}
		tb.Logf("load: %-28s %6.1fs", what, time.Since(t0).Seconds())
	}
	// A bulk load: the session's commits need not wait for the disk, its
	// index builds get memory, and (when the role may) foreign keys are not
	// checked row by row: the ids are consistent by construction.
	exec("session settings", `SET synchronous_commit = off; SET maintenance_work_mem = '256MB'`)
	if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		tb.Logf("load: foreign keys stay checked (%v)", err)
	}
	exec("owners", fmt.Sprintf(`INSERT INTO users (id, handle, email, role, anonymous, photo_count, created_at)
		SELECT md5('owner' || i)::uuid, 'owner' || i, 'owner' || i || '@example.com', 'user', false, %d, now() - interval '400 days'
		FROM generate_series(0, %d) i`, scalePhotos/scaleOwners, scaleOwners-1))
	exec("judges", fmt.Sprintf(`INSERT INTO users (id, role, anonymous, photo_count, created_at)
		SELECT md5('judge' || j)::uuid, 'user', true, 0, now() - interval '200 days' FROM generate_series(0, %d) j
		UNION ALL
		SELECT md5('heavy' || h)::uuid, 'user', true, 0, now() - interval '100 days' FROM generate_series(0, %d) h`,
		scaleJudges-1, scaleHeavy-1))
	// One photo in 200 is hidden by moderation; a third are public.
	exec("photos", fmt.Sprintf(`INSERT INTO photos (id, owner_id, image_key, thumb_key, width, height, thumb_width, thumb_height,
			is_public, status, created_at, vote_count, vote_tier, stats_version, stats_updated_at)
		SELECT md5('photo' || i)::uuid, md5('owner' || (i %% %d))::uuid, 'img/' || i || '.jpg', 'thumb/' || i || '.jpg',
			1536, 2048, 300, 400, i %% 3 = 0, CASE WHEN i %% 200 = 199 THEN 'hidden' ELSE 'active' END,
			now() - (i || ' minutes')::interval, %s, %s, %s, now()
		FROM generate_series(0, %d) i`, scaleOwners, scaleVotes("i"), photos.VoteTierSQL(scaleVotes("i")), scaleVotes("i"), scalePhotos-1))

	// The votes' secondary indexes are dropped during the load and built
	// again from their own definitions afterwards (a sorted build is several
	// times faster than a million random inserts into two B-trees).
	rows, err := conn.QueryContext(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'votes' AND indexname <> 'votes_pkey'`)
	if err != nil {
		tb.Fatal(err)
	}
	var names, defs []string
	for rows.Next() {
		var n, d string
		if err := rows.Scan(&n, &d); err != nil {
			tb.Fatal(err)
		}
		names, defs = append(names, n), append(defs, d)
	}
	if err := rows.Close(); err != nil {
		tb.Fatal(err)
	}
	for _, n := range names {
		exec("drop index "+n, `DROP INDEX "`+n+`"`)
	}
	exec("votes (regular judges)", fmt.Sprintf(`INSERT INTO votes (judge_id, photo_id, answers, created_at)
		SELECT md5('judge' || ((p.i * 7919 + m) %% %d))::uuid, md5('photo' || p.i)::uuid,
			('[{"q":1,"n":' || (18 + (p.i + m) %% 50) || '},{"q":2,"n":' || (1 + m %% 10) ||
			 '},{"q":3,"y":' || (m %% 3 > 0) || '},{"q":8,"w":"kind"}]')::jsonb,
			now() - ((p.i + m) || ' seconds')::interval
		FROM generate_series(0, %d) p(i), generate_series(1, %s) m`, scaleJudges, scaleSkewed-1, scaleVotes("p.i")))
	exec("votes (heavy judges)", fmt.Sprintf(`INSERT INTO votes (judge_id, photo_id, answers, created_at)
		SELECT md5('heavy' || h)::uuid, md5('photo' || i)::uuid, '[{"q":1,"n":30},{"q":2,"n":6}]'::jsonb, now()
		FROM generate_series(0, %d) h, generate_series(%d, %d) i`, scaleHeavy-1, scaleSkewed, scalePhotos-1))
	for i, def := range defs {
		exec("create index "+names[i], def)
	}
	exec("skips", fmt.Sprintf(`INSERT INTO photo_skips (judge_id, photo_id, created_at)
		SELECT md5('judge' || j)::uuid, md5('photo' || ((j * 31) %% %d))::uuid, now() FROM generate_series(0, %d) j
		UNION ALL
		SELECT md5('heavy' || h)::uuid, md5('photo' || i)::uuid, now()
		FROM generate_series(0, %d) h, generate_series(%d, %d) i`,
		scaleSkewed, scaleJudges-1, scaleHeavy-1, scaleSkewed-scaleHeavyVotes, scaleSkewed-1))
	exec("reset", `RESET ALL`)
	// As autovacuum leaves a live table: statistics gathered, visibility map
	// set (index-only scans need it).
	exec("vacuum analyze", `VACUUM (ANALYZE) users, photos, votes, photo_skips`)

	var votes, sum, mismatched int64
	err = conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM votes), (SELECT sum(vote_count) FROM photos),
		(SELECT count(*) FROM photos p LEFT JOIN (SELECT photo_id, count(*) AS n FROM votes GROUP BY photo_id) v ON v.photo_id = p.id
		 WHERE p.vote_count <> coalesce(v.n, 0))`).Scan(&votes, &sum, &mismatched)
	if err != nil {
		tb.Fatal(err)
	}
	if votes != sum || mismatched != 0 {
		tb.Fatalf("loaded %d votes but photos count %d; %d photos' vote_count is wrong", votes, sum, mismatched)
	}
	var users int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("loaded %d photos, %d users, %d votes in %.1fs", scalePhotos, users, votes, time.Since(start).Seconds())

	store := photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect, JudgingHeadTTL: headTTL}, log)
	svc := newJudgingOn(tb, d, store, judging.Config{
		MinVotes: 10, CandidatePool: scalePool, TopSize: 10,
		Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond, QueueSize: 100, Workers: 1},
	}, log)
	return &scaleEnv{svc: svc, store: store, db: d, rec: rec}
}

// TestNextPhotoPlanAtScale captures the SQL NextPhoto sends for a judge who
// has judged the 500 least-judged photos, a regular judge, a fresh
// anonymous judge and a photo owner, and fails if PostgreSQL plans a
// sequential scan for any of it.
func TestNextPhotoPlanAtScale(t *testing.T) {
	skipUnlessScale(t)
	e := loadScale(t, -1) // every call scans the head: its plan is checked too
	ctx := context.Background()
	cases := []struct {
		name   string
		viewer *identity.Viewer
	}{
		{"heavy judge (500 votes on the least-judged photos)", &identity.Viewer{ID: scaleID("heavy", 0), Anonymous: true}},
		{"regular judge (~56 votes)", &identity.Viewer{ID: scaleID("judge", 4242), Anonymous: true}},
		{"fresh anonymous judge", &identity.Viewer{ID: uuid.New(), Anonymous: true}},
		{"owner of 50 photos", &identity.Viewer{ID: scaleID("owner", 7)}},
	}
	// A castVote's draw (photos.DrawNext) for a batch of 50 votes, three
	// candidates each, by regular judges, among the least-judged photos.
	var picks []photos.NextPick
	for i := range 50 {
		var cands []uuid.UUID
		for r := range 3 {
			cands = append(cands, scaleID("photo", scaleSkewed+(i*3+r)%500))
		}
		picks = append(picks, photos.NextPick{Judge: scaleID("judge", i*97), Candidates: cands})
	}
	draw := func() (bool, error) {
		drawn, err := e.store.DrawNext(ctx, picks)
		return slices.ContainsFunc(drawn, func(p *ent.Photo) bool { return p != nil }), err
	}
	for _, c := range cases {
		t.Run(strings.Fields(c.name)[0], func(t *testing.T) {
			e.rec.start()
			p, err := e.svc.NextPhoto(ctx, c.viewer, nil)
			queries := e.rec.stop()
			if err != nil {
				t.Fatal(err)
			}
			if p == nil {
				t.Fatal("no photo")
			}
			if len(queries) == 0 {
				t.Fatal("NextPhoto sent no query")
			}
			checkPlans(t, e, c.name, queries)
		})
	}
	t.Run("drawNext", func(t *testing.T) {
		e.rec.start()
		some, err := draw()
		queries := e.rec.stop()
		if err != nil {
			t.Fatal(err)
		}
		if !some || len(queries) != 1 {
			t.Fatalf("DrawNext of 50 picks drew anything: %v, in %d statements; want some, in one", some, len(queries))
		}
		checkPlans(t, e, "a castVote batch's draw of the next photos (50 votes)", queries)
	})
}

// checkPlans fails if PostgreSQL plans a sequential scan for any of
// queries, logging each plan.
func checkPlans(t *testing.T, e *scaleEnv, name string, queries []recordedQuery) {
	t.Helper()
	for _, q := range queries {
		plan := explain(t, e.db.SQL, q)
		var scans []string
		var lines []string
		walkPlan(plan.Plan, 0, func(n planNode, depth int) {
			lines = append(lines, strings.Repeat("  ", depth)+n.describe())
			if n["Node Type"] == "Seq Scan" {
				scans = append(scans, fmt.Sprint(n["Relation Name"]))
			}
		})
		raw, _ := json.MarshalIndent(plan.Raw, "", "  ")
		t.Logf("%s\nquery: %s\nargs: %v\nplan (execution %.2f ms, planning %.2f ms):\n%s\nJSON:\n%s",
			name, q.query, q.args, plan.Execution, plan.Planning, strings.Join(lines, "\n"), raw)
		if len(scans) > 0 {
			t.Errorf("%s: sequential scan of %v in the plan of its query", name, scans)
		}
	}
}

// BenchmarkNextPhotoAtScale measures NextPhoto's latency at scale for each
// kind of judge and for a mix of them, reporting p50 and p99 (µs). The
// data are loaded once; the sub-benchmarks share them.
func BenchmarkNextPhotoAtScale(b *testing.B) {
	skipUnlessScale(b)
	e := loadScale(b, 0) // the shipped head
	ctx := context.Background()
	kinds := []struct {
		name  string
		judge func(i int) *identity.Viewer
	}{
		{"heavy", func(i int) *identity.Viewer {
			return &identity.Viewer{ID: scaleID("heavy", i%scaleHeavy), Anonymous: true}
		}},
		{"regular", func(i int) *identity.Viewer {
			return &identity.Viewer{ID: scaleID("judge", (i*7907)%scaleJudges), Anonymous: true}
		}},
		{"fresh", func(int) *identity.Viewer { return &identity.Viewer{ID: uuid.New(), Anonymous: true} }},
		{"owner", func(i int) *identity.Viewer { return &identity.Viewer{ID: scaleID("owner", (i*7)%scaleOwners)} }},
	}
	run := func(b *testing.B, judge func(i int) *identity.Viewer) {
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			v := judge(i)
			t0 := time.Now()
			p, err := e.svc.NextPhoto(ctx, v, nil)
			lat = append(lat, time.Since(t0))
			if err != nil || p == nil {
				b.Fatalf("NextPhoto = %v, %v", p, err)
			}
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[(len(lat)-1)*99/100].Microseconds()), "p99-µs")
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) { run(b, k.judge) })
	}
	// The mix: a quarter of each kind, interleaved.
	b.Run("mix", func(b *testing.B) {
		run(b, func(i int) *identity.Viewer { return kinds[i%len(kinds)].judge(i / len(kinds)) })
	})
}

// ---------------------------------------------------------------- capture

type recordedQuery struct {
	query string
	args  []any
}

// queryRecorder keeps the statements sent while it is on.
type queryRecorder struct {
	mu      sync.Mutex
	on      bool
	queries []recordedQuery
}

func (r *queryRecorder) start() {
	r.mu.Lock()
	r.on, r.queries = true, nil
	r.mu.Unlock()
}

func (r *queryRecorder) stop() []recordedQuery {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.queries
}

func (r *queryRecorder) add(query string, args any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		a, _ := args.([]any)
		r.queries = append(r.queries, recordedQuery{query: query, args: slices.Clone(a)})
	}
}

// recordingDriver records the statements sent outside transactions (what
// NextPhoto sends).
type recordingDriver struct {
	dialect.Driver
	rec *queryRecorder
}

func (d recordingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.rec.add(query, args)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d recordingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.rec.add(query, args)
	return d.Driver.Query(ctx, query, args, v)
}

func (d recordingDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	d.rec.add(query, args)
	return dbtest.QueryContext(ctx, d.Driver, query, args...)
}

// ---------------------------------------------------------------- plans

type planNode map[string]any

func (n planNode) describe() string {
	s := fmt.Sprint(n["Node Type"])
	if jt, ok := n["Join Type"]; ok && jt != "Inner" { // as EXPLAIN's text: Nested Loop Anti Join
		s = fmt.Sprintf("%s %v Join", strings.TrimSuffix(s, " Join"), jt)
	}
	if v, ok := n["Parent Relationship"]; ok && v != "Outer" {
		s = fmt.Sprintf("[%v] %s", v, s)
	}
	if v, ok := n["Relation Name"]; ok {
		s += fmt.Sprintf(" on %v", v)
	}
	if v, ok := n["Index Name"]; ok {
		s += fmt.Sprintf(" using %v", v)
	}
	for _, k := range []string{"Index Cond", "Filter", "Join Filter", "Hash Cond", "Sort Key"} {
		if v, ok := n[k]; ok {
			s += fmt.Sprintf(" %s: %v", strings.ToLower(k), v)
		}
	}
	if v, ok := n["Actual Rows"]; ok {
		s += fmt.Sprintf(" (rows %v, loops %v, %v ms", v, n["Actual Loops"], n["Actual Total Time"])
		if h, ok := n["Shared Hit Blocks"]; ok {
			s += fmt.Sprintf(", %v buffers hit", h)
		}
		if f, ok := n["Heap Fetches"]; ok {
			s += fmt.Sprintf(", %v heap fetches", f)
		}
		s += ")"
	}
	return s
}

func walkPlan(n planNode, depth int, fn func(planNode, int)) {
	fn(n, depth)
	children, _ := n["Plans"].([]any)
	for _, c := range children {
		if m, ok := c.(map[string]any); ok {
			walkPlan(planNode(m), depth+1, fn)
		}
	}
}

type explained struct {
	Raw       any
	Plan      planNode
	Planning  float64
	Execution float64
}

// explain runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of q with its
// arguments: the plan PostgreSQL picks for these values, and what it did.
func explain(t *testing.T, sqlDB *sql.DB, q recordedQuery) explained {
	t.Helper()
	var out string
	if err := sqlDB.QueryRow("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+q.query, q.args...).Scan(&out); err != nil {
		t.Fatalf("EXPLAIN %s: %v", q.query, err)
	}
	var doc []struct {
		Plan      planNode `json:"Plan"`
		Planning  float64  `json:"Planning Time"`
		Execution float64  `json:"Execution Time"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc) != 1 {
		t.Fatalf("EXPLAIN output: %v\n%s", err, out)
	}
	var raw any
	json.Unmarshal([]byte(out), &raw)
	return explained{Raw: raw, Plan: doc[0].Plan, Planning: doc[0].Planning, Execution: doc[0].Execution}
}
