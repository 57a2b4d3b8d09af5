package metrics

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// noDB is a database that is never connected to: the pool's statistics
// are all the metrics read of it.
type noDB struct{}

func (noDB) Connect(context.Context) (driver.Conn, error) { return nil, errors.New("no database") }
func (noDB) Driver() driver.Driver                        { return nil }

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// testMetrics returns Metrics on a fake clock, with a settable queue depth.
func testMetrics(t *testing.T) (*Metrics, *fakeClock, *int) {
	t.Helper()
	db := sql.OpenDB(noDB{})
	t.Cleanup(func() { db.Close() })
	depth := new(int)
	m := New(db, []string{"CastVote"}, func() int { return *depth }, func() int { return 3 }, func() int { return 7 })
	c := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	m.now, m.start = c.now, c.t
	return m, c, depth
}

// get serves path from the status handler.
func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return rec
}

func near(got *float64, want float64) bool {
	return got != nil && math.Abs(*got-want) < 1e-9
}

// TestStatusFiguresFollowTheMetrics: the figures are read from the
// registry, rates over the time since the previous gathering: after votes,
// operations, cache lookups, refusals and a new degradation level, the
// next page shows them; /status.json parses into the same figures.
func TestStatusFiguresFollowTheMetrics(t *testing.T) {
	m, clock, depth := testMetrics(t)
	level := prometheus.NewGauge(prometheus.GaugeOpts{Name: "facestat_degradation_level", Help: "test"})
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facestat_admissions_refused_total", Help: "test"}, []string{"class"})
	inFlight := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "facestat_admission_in_flight", Help: "test"}, []string{"class"})
	for _, c := range []string{"uploads", "votes", "reads"} {
		refused.WithLabelValues(c)
		inFlight.WithLabelValues(c)
	}
	m.Registry.MustRegister(level, refused, inFlight)
	m.SetVoteQueueCapacity(1000)
	h := m.StatusHandler(func(context.Context) error { return nil })

	clock.advance(10 * time.Second)
	var before Figures
	if err := json.Unmarshal(get(t, h, "/status.json").Body.Bytes(), &before); err != nil {
		t.Fatal(err)
	}
	if !before.SinceStart || before.WindowSeconds != 10 || before.UptimeSeconds != 10 || !before.Ready {
		t.Fatalf("first figures: %+v", before)
	}
	if before.Votes.PerSecond != 0 || before.Votes.StoredTotal != 0 || before.GraphQL.Top != nil || before.Cache.HitRatio != nil ||
		before.Degradation == nil || before.Degradation.Name != "normal" {
		t.Fatalf("figures of an idle instance: %+v", before)
	}

	m.Votes.Add(20)
	m.BatchSize.Observe(3)
	m.BatchSize.Observe(5)
	m.BatchSize.Observe(40)
	for range 4 {
		m.Operations.WithLabelValues("CastOne", "mutation", "ok").Observe(0.02)
	}
	m.Operations.WithLabelValues("CastOne", "mutation", "error").Observe(0.02)
	m.Operations.WithLabelValues("Photo", "query", "ok").Observe(3)
	m.Operations.WithLabelValues("Live", "subscription", "ok").Observe(60)
	m.CountCache("photo", "hit", 3)
	m.CountCache("session", "miss", 1)
	m.CountCache("stats", "error", 2)
	level.Set(2)
	refused.WithLabelValues("uploads").Add(10)
	inFlight.WithLabelValues("votes").Set(4)
	*depth = 12
	clock.advance(5 * time.Second)

	html := get(t, h, "/status").Body.String()
	var f Figures
	if err := json.Unmarshal(get(t, h, "/status.json").Body.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f.SinceStart || f.WindowSeconds != 5 {
		t.Errorf("window: since start %v, %v s; want the 5 s since the last page", f.SinceStart, f.WindowSeconds)
	}
	if f.Votes.PerSecond != 4 || f.Votes.StoredTotal != 20 || f.Votes.QueueDepth != 12 || !near(f.Votes.QueueCapacity, 1000) {
		t.Errorf("votes: %+v", f.Votes)
	}
	if !near(f.Votes.BatchP50, 6) { // rank 1.5 of 3: halfway through (4, 8], which holds one (the 5)
		t.Errorf("batch p50: %v, want 6", deref(f.Votes.BatchP50))
	}
	if f.GraphQL.OpsPerSecond != 7.0/5 || !near(f.GraphQL.ErrorRatio, 1.0/7) {
		t.Errorf("graphql: %+v", f.GraphQL)
	}
	// p99 without the subscription: of 6 operations, rank 5.94 lies 0.94 of
	// the way through the (2.5, 5] bucket, which holds the one slow query.
	// (With the subscription, rank 6.93 would lie beyond 5 s.)
	if p := f.GraphQL.P99Seconds; !near(p, 2.5+2.5*0.94) {
		t.Errorf("graphql p99: %v, want 4.85", deref(p))
	}
	if len(f.GraphQL.Top) != 3 || f.GraphQL.Top[0].Name != "CastOne" || f.GraphQL.Top[0].OpsPerSecond != 1 ||
		!near(f.GraphQL.Top[0].ErrorRatio, 0.2) || f.GraphQL.Top[0].P99Seconds == nil || *f.GraphQL.Top[0].P99Seconds > 0.025 {
		t.Errorf("top operations: %+v", f.GraphQL.Top)
	}
	for _, o := range f.GraphQL.Top {
		if o.Type == "subscription" && o.P99Seconds != nil {
			t.Errorf("a subscription has a p99: %+v", o)
		}
	}
	if f.Cache.LookupsPerSecond != 6.0/5 || !near(f.Cache.HitRatio, 0.5) || f.Cache.ErrorsPerSecond != 2.0/5 {
		t.Errorf("cache: %+v", f.Cache)
	}
	if f.Degradation == nil || f.Degradation.Level != 2 || f.Degradation.Name != "pause-uploads" {
		t.Errorf("degradation: %+v", f.Degradation)
	}
	if len(f.Admissions) != 3 || f.Admissions[0].Class != "votes" || !near(f.Admissions[0].InFlight, 4) ||
		f.Admissions[2].Class != "uploads" || f.Admissions[2].RefusedPerSecond != 2 || f.Admissions[2].RefusedTotal != 10 {
		t.Errorf("admissions: %+v", f.Admissions)
	}
	if f.WebSockets != 3 || f.Subscriptions != 7 {
		t.Errorf("sockets %v, subscriptions %v", f.WebSockets, f.Subscriptions)
	}

	for _, want := range []string{
		`id="votes"><h2>Votes</h2><p class="big">4/s</p><p>queue 12 of 1000 · batch p50 6 · 20 stored`,
		`id="degradation"><h2>Degradation</h2><p class="big">2 · pause-uploads`,
		`class="tile bad" id="degradation"`,
		`class="tile bad" id="graphql"><h2>GraphQL</h2><p class="big">1.4 ops/s</p><p>errors 14.3 %`,
		`<td>CastOne</td><td>mutation</td><td>1</td><td>20 %</td>`,
		`<td>Live</td><td>subscription</td><td>0.2</td><td>0 %</td><td>–</td>`,
		`id="cache"><h2>Cache</h2><p class="big">50 %`,
		`<td>uploads</td><td>0</td><td>2</td><td>10</td>`,
		`2/s refused</p><p>in flight: votes 4 · reads 0 · uploads 0</p>`,
		`3 sockets`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(html)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestStatusPageIsSelfContained: the page refreshes itself, fits a phone,
// carries no script, and its CSP allows its one stylesheet by the hash of
// exactly what it serves.
func TestStatusPageIsSelfContained(t *testing.T) {
	m, _, _ := testMetrics(t)
	rec := get(t, m.StatusHandler(func(context.Context) error { return errors.New("database unavailable") }), "/status")
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, want := range []string{`<meta http-equiv="refresh" content="5">`, `<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<title>NOT READY · FaceStat status</title>`, `class="tile bad" id="health"><h2>Health</h2><p class="big">not ready</p><p>alive · database unavailable`,
		`<p class="big">–</p><p>not reported</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(body, " style=") {
		t.Error("the page has a script or a style attribute")
	}
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(body, -1)
	if len(styles) != 1 {
		t.Fatalf("%d style elements, want 1", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0][1]))
	csp := rec.Header().Get("Content-Security-Policy")
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) ||
		!strings.HasPrefix(csp, "default-src 'none';") {
		t.Errorf("CSP %q does not allow exactly the page's stylesheet (%s)", csp, want)
	}
}

// TestStatusWindow: quick refreshes measure from the last gathering at
// least a second old; the first measures since start; HTML-escaped names.
func TestStatusWindow(t *testing.T) {
	m, clock, _ := testMetrics(t)
	clock.advance(30 * time.Second)
	if f := m.Figures(context.Background(), nil); !f.SinceStart || f.WindowSeconds != 30 || f.Ready {
		t.Fatalf("first: since start %v, window %v, ready %v", f.SinceStart, f.WindowSeconds, f.Ready)
	}
	clock.advance(500 * time.Millisecond)
	if f := m.Figures(context.Background(), nil); !f.SinceStart || f.WindowSeconds != 30.5 {
		t.Fatalf("half a second later: since start %v, window %v; want still since start", f.SinceStart, f.WindowSeconds)
	}
	clock.advance(4500 * time.Millisecond)
	if f := m.Figures(context.Background(), nil); f.SinceStart || f.WindowSeconds != 5 {
		t.Fatalf("5 s later: since start %v, window %v; want the 5 s since the first page", f.SinceStart, f.WindowSeconds)
	}
	clock.advance(200 * time.Millisecond)
	if f := m.Figures(context.Background(), nil); f.WindowSeconds != 5.2 {
		t.Fatalf("0.2 s later: window %v; want 5.2 s (the last page is too recent)", f.WindowSeconds)
	}

	m.Operations.WithLabelValues("<b>x</b>", "query", "ok").Observe(1)
	clock.advance(2 * time.Second)
	if body := get(t, m.StatusHandler(nil), "/status").Body.String(); !strings.Contains(body, "&lt;b&gt;x&lt;/b&gt;") || strings.Contains(body, "<b>x") {
		t.Error("an operation name is not escaped")
	}
}

// TestQuantileLikeHistogramQuantile: the estimate is Prometheus's.
func TestQuantileLikeHistogramQuantile(t *testing.T) {
	h := &histogram{count: 10, bounds: []float64{1, 2, 4}, buckets: []float64{2, 6, 8}}
	for _, c := range []struct{ q, want float64 }{
		{0.1, 0.5},  // rank 1 of the 2 in [0, 1]
		{0.2, 1},    // rank 2: the first bucket's top
		{0.5, 1.75}, // rank 5: 3 of the 4 in (1, 2]
		{0.7, 3},    // rank 7: 1 of the 2 in (2, 4], halfway
		{0.99, 4},   // rank 9.9: beyond the last finite bound
	} {
		if got := quantile(c.q, h); !near(got, c.want) {
			t.Errorf("q %v: %v, want %v", c.q, deref(got), c.want)
		}
	}
	if quantile(0.5, &histogram{bounds: []float64{1}, buckets: []float64{0}}) != nil || quantile(0.5, nil) != nil {
		t.Error("a quantile of nothing")
	}
	base := &histogram{count: 4, bounds: h.bounds, buckets: []float64{2, 4, 4}}
	if d := h.minus(base); d.count != 6 || d.buckets[0] != 0 || d.buckets[2] != 4 {
		t.Errorf("minus: %+v", d)
	}
}

// TestCacheRequestsBounded: every kind and result is exposed from the
// start at 0; unknown kinds count as other, unknown results not at all.
func TestCacheRequestsBounded(t *testing.T) {
	m, _, _ := testMetrics(t)
	m.CountCache("photo", "hit", 2)
	m.CountCache("no-such-kind", "miss", 1)
	m.CountCache("photo", "no-such-result", 5)
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	lines := regexp.MustCompile(`(?m)^facestat_cache_requests_total\{.*$`).FindAllString(rec.Body.String(), -1)
	if len(lines) != 21 {
		t.Errorf("%d series, want 7 kinds × 3 results:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, want := range []string{`{kind="photo",result="hit"} 2`, `{kind="other",result="miss"} 1`, `{kind="user",result="error"} 0`, `{kind="photo",result="miss"} 0`, `{kind="access",result="hit"} 0`} {
		if !strings.Contains(rec.Body.String(), "facestat_cache_requests_total"+want+"\n") {
			t.Errorf("/metrics lacks facestat_cache_requests_total%s", want)
		}
	}
}

// TestKeyOperationsBounded: the first maxKeyLabels keys an instance sees
// are labelled as themselves, later ones as other, so no client can add
// series by making keys.
func TestKeyOperationsBounded(t *testing.T) {
	m, _, _ := testMetrics(t)
	for id := 1; id <= maxKeyLabels+5; id++ {
		if got, want := m.keyLabel(id), strconv.Itoa(id); id <= maxKeyLabels && got != want {
			t.Fatalf("key %d labelled %q, want %q", id, got, want)
		} else if id > maxKeyLabels && got != OtherKey {
			t.Fatalf("key %d past the bound labelled %q, want %q", id, got, OtherKey)
		}
	}
	if got := m.keyLabel(1); got != "1" {
		t.Fatalf("a key seen before the bound was reached is labelled %q later", got)
	}
}
