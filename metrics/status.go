package metrics

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/facestat/facestat/admission"
)

// The status page: the key figures of this instance, read from its own
// registry, for an operator at a glance (/status, HTML that refreshes
// itself) and for scripts (/status.json, the same figures).
//
// Rates are honest differences: each request gathers the registry, and the
// page keeps a few earlier gatherings in memory; a rate is the change since
// the newest earlier gathering at least minWindow old (with the auto-refresh,
// the last 5 s), or, when there is none, since start-up. The page says which.

// minWindow is the shortest window a rate is computed over.
const minWindow = time.Second

// keepSamples bounds the earlier gatherings kept.
const keepSamples = 8

// topOperations is how many operations the page lists.
const topOperations = 8

// Figures are what /status shows and /status.json returns. Rates and
// ratios are over the window (WindowSeconds); a null ratio or quantile had
// nothing to be computed from in the window.
type Figures struct {
	Time          time.Time `json:"time"`
	Version       string    `json:"version"`
	UptimeSeconds float64   `json:"uptimeSeconds"`
	// Alive is true whenever the page is served (what /healthz says).
	Alive bool `json:"alive"`
	// Ready is what /readyz says; NotReady why not.
	Ready    bool   `json:"ready"`
	NotReady string `json:"notReady,omitempty"`
	// WindowSeconds is the window of the rates; SinceStart is true when
	// it starts at start-up (no earlier gathering was kept).
	WindowSeconds float64 `json:"windowSeconds"`
	SinceStart    bool    `json:"sinceStart"`
	// Degradation is null when this build does not report it.
	Degradation   *Degradation   `json:"degradation"`
	Votes         VoteFigures    `json:"votes"`
	GraphQL       GraphQLFigures `json:"graphql"`
	DB            DBFigures      `json:"db"`
	Cache         CacheFigures   `json:"cache"`
	WebSockets    float64        `json:"webSockets"`
	Subscriptions float64        `json:"subscriptions"`
	// Admissions is empty when this build does not report admission.
	Admissions []ClassFigures `json:"admissions"`
}

// Degradation is the admission controller's degradation level, named as
// FACESTAT_DEGRADATION names it.
type Degradation struct {
	Level int    `json:"level"`
	Name  string `json:"name"`
}

// VoteFigures are the vote path's.
type VoteFigures struct {
	PerSecond     float64  `json:"perSecond"`
	StoredTotal   float64  `json:"storedTotal"`
	QueueDepth    float64  `json:"queueDepth"`
	QueueCapacity *float64 `json:"queueCapacity"`
	BatchP50      *float64 `json:"batchP50"` // votes per transaction, median
}

// GraphQLFigures are the GraphQL responses'; P99Seconds leaves out
// subscriptions (whose responses wait for events).
type GraphQLFigures struct {
	OpsPerSecond float64            `json:"opsPerSecond"`
	ErrorRatio   *float64           `json:"errorRatio"`
	P99Seconds   *float64           `json:"p99Seconds"`
	Top          []OperationFigures `json:"top"` // the busiest in the window
}

// OperationFigures are one operation's.
type OperationFigures struct {
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	OpsPerSecond float64  `json:"opsPerSecond"`
	ErrorRatio   *float64 `json:"errorRatio"`
	P99Seconds   *float64 `json:"p99Seconds"` // null for subscriptions
}

// DBFigures are the database pool's.
type DBFigures struct {
	Open                 float64 `json:"open"`
	InUse                float64 `json:"inUse"`
	Idle                 float64 `json:"idle"`
	MaxOpen              float64 `json:"maxOpen"` // 0: unbounded
	WaitsPerSecond       float64 `json:"waitsPerSecond"`
	WaitSecondsPerSecond float64 `json:"waitSecondsPerSecond"` // time spent waiting for a connection, per second
}

// CacheFigures are the read-through cache's, per key looked up.
type CacheFigures struct {
	LookupsPerSecond float64  `json:"lookupsPerSecond"`
	HitRatio         *float64 `json:"hitRatio"`
	ErrorsPerSecond  float64  `json:"errorsPerSecond"`
}

// ClassFigures are one admission class's.
type ClassFigures struct {
	Class            string   `json:"class"`
	InFlight         *float64 `json:"inFlight"`
	RefusedPerSecond float64  `json:"refusedPerSecond"`
	RefusedTotal     float64  `json:"refusedTotal"`
}

// admissionClasses orders the classes of facestat_admissions_refused_total.
var admissionClasses = []string{"votes", "reads", "uploads", "signins", "subscriptions"}

// StatusHandler serves the status page at a path ending in ".json" as JSON,
// and as HTML otherwise. ready reports readiness as /readyz does (nil:
// ready). The HTTP layer serves it, like /metrics, to operators only.
func (m *Metrics) StatusHandler(ready func(context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := m.Figures(r.Context(), ready)
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex")
		if strings.HasSuffix(r.URL.Path, ".json") {
			h.Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.Encode(f)
			return
		}
		var buf bytes.Buffer
		if err := statusPage.Execute(&buf, f); err != nil {
			http.Error(w, "rendering the status page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", StatusCSP)
		w.Write(buf.Bytes())
	})
}

// Figures gathers the registry and computes the status figures.
func (m *Metrics) Figures(ctx context.Context, ready func(context.Context) error) Figures {
	cur := m.gather()
	base := m.status.base(cur)
	f := Figures{Time: cur.at, Version: Version(), UptimeSeconds: cur.at.Sub(m.start).Seconds(), Alive: true}
	if base == nil {
		base = &sample{at: m.start}
		f.SinceStart = true
	}
	f.WindowSeconds = cur.at.Sub(base.at).Seconds()
	if ready == nil {
		f.NotReady = "no readiness check"
	} else {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ready(ctx)
		cancel()
		f.Ready = err == nil
		if err != nil {
			f.NotReady = err.Error()
		}
	}
	perSecond := func(v float64) float64 {
		if f.WindowSeconds <= 0 {
			return 0
		}
		return v / f.WindowSeconds
	}
	delta := func(name string, match func(map[string]string) bool) float64 {
		now, _ := cur.sum(name, match)
		then, _ := base.sum(name, match)
		return now - then
	}

	if v, ok := cur.max("facestat_degradation_level"); ok {
		f.Degradation = &Degradation{Level: int(v), Name: admission.Level(v).String()}
	}

	f.Votes.StoredTotal, _ = cur.sum("facestat_votes_stored_total", nil)
	f.Votes.PerSecond = perSecond(delta("facestat_votes_stored_total", nil))
	f.Votes.QueueDepth, _ = cur.sum("facestat_vote_queue_depth", nil)
	if v, ok := cur.sum("facestat_vote_queue_capacity", nil); ok {
		f.Votes.QueueCapacity = &v
	}
	f.Votes.BatchP50 = quantile(0.5, cur.hist("facestat_vote_batch_size", nil).minus(base.hist("facestat_vote_batch_size", nil)))

	const ops = "facestat_graphql_operation_duration_seconds"
	isError := func(l map[string]string) bool { return l["outcome"] == "error" }
	notSubscription := func(l map[string]string) bool { return l["type"] != "subscription" }
	total := delta(ops, nil)
	f.GraphQL.OpsPerSecond = perSecond(total)
	f.GraphQL.ErrorRatio = ratio(delta(ops, isError), total)
	f.GraphQL.P99Seconds = quantile(0.99, cur.hist(ops, notSubscription).minus(base.hist(ops, notSubscription)))
	type opKey struct{ name, typ string }
	seen := map[opKey]bool{}
	for _, s := range cur.fams[ops] {
		seen[opKey{s.labels["operation"], s.labels["type"]}] = true
	}
	for k := range seen {
		this := func(l map[string]string) bool { return l["operation"] == k.name && l["type"] == k.typ }
		n := delta(ops, this)
		if n <= 0 {
			continue
		}
		o := OperationFigures{Name: k.name, Type: k.typ, OpsPerSecond: perSecond(n),
			ErrorRatio: ratio(delta(ops, func(l map[string]string) bool { return this(l) && isError(l) }), n)}
		if k.typ != "subscription" {
			o.P99Seconds = quantile(0.99, cur.hist(ops, this).minus(base.hist(ops, this)))
		}
		f.GraphQL.Top = append(f.GraphQL.Top, o)
	}
	slices.SortFunc(f.GraphQL.Top, func(a, b OperationFigures) int {
		return cmp.Or(cmp.Compare(b.OpsPerSecond, a.OpsPerSecond), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
	})
	if len(f.GraphQL.Top) > topOperations {
		f.GraphQL.Top = f.GraphQL.Top[:topOperations]
	}

	f.DB.Open, _ = cur.sum("go_sql_open_connections", nil)
	f.DB.InUse, _ = cur.sum("go_sql_in_use_connections", nil)
	f.DB.Idle, _ = cur.sum("go_sql_idle_connections", nil)
	f.DB.MaxOpen, _ = cur.sum("go_sql_max_open_connections", nil)
	f.DB.WaitsPerSecond = perSecond(delta("go_sql_wait_count_total", nil))
	f.DB.WaitSecondsPerSecond = perSecond(delta("go_sql_wait_duration_seconds_total", nil))

	const lookups = "facestat_cache_requests_total"
	result := func(r string) func(map[string]string) bool {
		return func(l map[string]string) bool { return l["result"] == r }
	}
	n := delta(lookups, nil)
	f.Cache.LookupsPerSecond = perSecond(n)
	f.Cache.HitRatio = ratio(delta(lookups, result("hit")), n)
	f.Cache.ErrorsPerSecond = perSecond(delta(lookups, result("error")))

	f.WebSockets, _ = cur.sum("facestat_websockets_open", nil)
	f.Subscriptions, _ = cur.sum("facestat_live_subscriptions", nil)

	classes := map[string]bool{}
	for _, name := range []string{"facestat_admissions_refused_total", "facestat_admission_in_flight"} {
		for _, s := range cur.fams[name] {
			classes[s.labels["class"]] = true
		}
	}
	for c := range classes {
		class := func(l map[string]string) bool { return l["class"] == c }
		cf := ClassFigures{Class: c, RefusedPerSecond: perSecond(delta("facestat_admissions_refused_total", class))}
		cf.RefusedTotal, _ = cur.sum("facestat_admissions_refused_total", class)
		if v, ok := cur.sum("facestat_admission_in_flight", class); ok {
			cf.InFlight = &v
		}
		f.Admissions = append(f.Admissions, cf)
	}
	slices.SortFunc(f.Admissions, func(a, b ClassFigures) int {
		ia, ib := slices.Index(admissionClasses, a.Class), slices.Index(admissionClasses, b.Class)
		if ia < 0 {
			ia = len(admissionClasses)
		}
		if ib < 0 {
			ib = len(admissionClasses)
		}
		return cmp.Or(cmp.Compare(ia, ib), cmp.Compare(a.Class, b.Class))
	})
	return f
}

// ratio is part/whole, or nil when whole is not positive.
func ratio(part, whole float64) *float64 {
	if whole <= 0 {
		return nil
	}
	r := part / whole
	return &r
}

// Version names the build: its module version and VCS revision.
var Version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		v += " " + rev[:min(12, len(rev))]
		if modified == "true" {
			v += "+modified"
		}
	}
	return v
})

// sample is one gathering of the registry.
type sample struct {
	at   time.Time
	fams map[string][]series
}

// series is one gathered series: a counter's or gauge's value, or a
// histogram's count and cumulative buckets.
type series struct {
	labels map[string]string
	value  float64
	hist   *histogram
}

// histogram is a cumulative histogram (without the +Inf bucket: count).
type histogram struct {
	count   float64
	bounds  []float64
	buckets []float64 // observations ≤ bounds[i]
}

func (m *Metrics) gather() *sample {
	s := &sample{at: m.now(), fams: map[string][]series{}}
	fams, _ := m.Registry.Gather() // on an error, what could be gathered
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			se := series{labels: map[string]string{}}
			for _, l := range mt.GetLabel() {
				se.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case mt.GetCounter() != nil:
				se.value = mt.GetCounter().GetValue()
			case mt.GetGauge() != nil:
				se.value = mt.GetGauge().GetValue()
			case mt.GetUntyped() != nil:
				se.value = mt.GetUntyped().GetValue()
			case mt.GetHistogram() != nil:
				h := &histogram{count: float64(mt.GetHistogram().GetSampleCount())}
				for _, b := range mt.GetHistogram().GetBucket() {
					if !math.IsInf(b.GetUpperBound(), 1) {
						h.bounds = append(h.bounds, b.GetUpperBound())
						h.buckets = append(h.buckets, float64(b.GetCumulativeCount()))
					}
				}
				se.hist, se.value = h, h.count
			default:
				continue
			}
			s.fams[f.GetName()] = append(s.fams[f.GetName()], se)
		}
	}
	return s
}

// sum adds the values of name's series that match (all when match is nil);
// ok is false when there is no such series.
func (s *sample) sum(name string, match func(map[string]string) bool) (v float64, ok bool) {
	for _, se := range s.fams[name] {
		if match == nil || match(se.labels) {
			v, ok = v+se.value, true
		}
	}
	return v, ok
}

// max is the largest value of name's series.
func (s *sample) max(name string) (v float64, ok bool) {
	for i, se := range s.fams[name] {
		if i == 0 || se.value > v {
			v, ok = se.value, true
		}
	}
	return v, ok
}

// hist adds up name's histograms that match (which share their buckets).
func (s *sample) hist(name string, match func(map[string]string) bool) *histogram {
	var out *histogram
	for _, se := range s.fams[name] {
		if se.hist == nil || (match != nil && !match(se.labels)) {
			continue
		}
		if out == nil {
			out = &histogram{bounds: se.hist.bounds, buckets: make([]float64, len(se.hist.buckets))}
		}
		if !slices.Equal(out.bounds, se.hist.bounds) {
			continue
		}
		out.count += se.hist.count
		for i, n := range se.hist.buckets {
			out.buckets[i] += n
		}
	}
	return out
}

// minus is h's observations since base (nil: none before).
func (h *histogram) minus(base *histogram) *histogram {
	if h == nil || base == nil || !slices.Equal(h.bounds, base.bounds) {
		return h
	}
	out := &histogram{count: h.count - base.count, bounds: h.bounds, buckets: make([]float64, len(h.buckets))}
	for i := range h.buckets {
		out.buckets[i] = h.buckets[i] - base.buckets[i]
	}
	return out
}

// quantile estimates the q-quantile of h as Prometheus's
// histogram_quantile does: linearly within the bucket it falls in (from 0
// for the first), and the highest finite bound when it falls beyond it.
// Nil when h holds no observation.
func quantile(q float64, h *histogram) *float64 {
	if h == nil || h.count <= 0 {
		return nil
	}
	rank := q * h.count
	lower, below := 0.0, 0.0
	for i, upper := range h.bounds {
		if h.buckets[i] >= rank {
			v := upper
			if in := h.buckets[i] - below; in > 0 {
				v = lower + (upper-lower)*(rank-below)/in
			}
			return &v
		}
		lower, below = upper, h.buckets[i]
	}
	if len(h.bounds) == 0 {
		return nil
	}
	v := h.bounds[len(h.bounds)-1]
	return &v
}

// status keeps the earlier gatherings that rates are computed from.
type status struct {
	mu      sync.Mutex
	samples []*sample // oldest first, at least minWindow apart
}

// base returns the newest kept gathering at least minWindow older than
// cur (nil: none), and keeps cur when it is minWindow newer than the
// newest kept.
func (st *status) base(cur *sample) *sample {
	st.mu.Lock()
	defer st.mu.Unlock()
	var base *sample
	for i := len(st.samples) - 1; i >= 0; i-- {
		if cur.at.Sub(st.samples[i].at) >= minWindow {
			base = st.samples[i]
			break
		}
	}
	if n := len(st.samples); n == 0 || cur.at.Sub(st.samples[n-1].at) >= minWindow {
		st.samples = append(st.samples, cur)
		if len(st.samples) > keepSamples {
			st.samples = slices.Delete(st.samples, 0, len(st.samples)-keepSamples)
		}
	}
	return base
}

// The page's states, for its colours: thresholds like the alerts'
// (deploy/prometheus/alerts.yml).

// ReadyState colours readiness.
func (f Figures) ReadyState() string { return state(!f.Ready, false) }

// DegradationState colours the degradation level.
func (f Figures) DegradationState() string {
	if f.Degradation == nil {
		return ""
	}
	return state(f.Degradation.Level >= 2, f.Degradation.Level >= 1)
}

// VoteState colours the vote queue.
func (f Figures) VoteState() string {
	full := f.Votes.QueueCapacity != nil && *f.Votes.QueueCapacity > 0 && f.Votes.QueueDepth/(*f.Votes.QueueCapacity) > 0.8
	return state(full, f.Votes.QueueDepth > 0 && f.Votes.PerSecond == 0)
}

// GraphQLState colours the GraphQL figures.
func (f Figures) GraphQLState() string {
	e := f.GraphQL.ErrorRatio != nil && *f.GraphQL.ErrorRatio > 0.1
	slow := f.GraphQL.P99Seconds != nil && *f.GraphQL.P99Seconds > 1
	return state(e, slow)
}

// CacheState colours the cache.
func (f Figures) CacheState() string {
	low := f.Cache.HitRatio != nil && *f.Cache.HitRatio < 0.5 && f.Cache.LookupsPerSecond >= 1
	return state(false, low || f.Cache.ErrorsPerSecond > 0)
}

// DBState colours the database pool.
func (f Figures) DBState() string {
	return state(f.DB.WaitSecondsPerSecond > 1, f.DB.WaitsPerSecond > 0)
}

// RefusedPerSecond adds up the classes' refusals.
func (f Figures) RefusedPerSecond() float64 {
	var refused float64
	for _, c := range f.Admissions {
		refused += c.RefusedPerSecond
	}
	return refused
}

// InFlight lists the classes' requests in flight, for those that report it.
func (f Figures) InFlight() string {
	var parts []string
	for _, c := range f.Admissions {
		if c.InFlight != nil {
			parts = append(parts, c.Class+" "+num(*c.InFlight))
		}
	}
	return strings.Join(parts, " · ")
}

// AdmissionState colours the admission figures.
func (f Figures) AdmissionState() string {
	r := f.RefusedPerSecond()
	return state(r > 1, r > 0)
}

func state(bad, warn bool) string {
	switch {
	case bad:
		return "bad"
	case warn:
		return "warn"
	}
	return "ok"
}

// statusCSS is the page's only style, allowed by its hash (StatusCSP).
const statusCSS = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--line:#8884}
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;padding:12px;max-width:1100px}
h1{font-size:1.3em;margin:0 0 4px}h2{font-size:.8em;text-transform:uppercase;letter-spacing:.04em;margin:0 0 4px;opacity:.75}
.dim{opacity:.7;font-weight:normal}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:8px;margin:12px 0}
.tile{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:8px 10px}
.tile p{margin:0}.big{font-size:1.5em;font-weight:600;font-variant-numeric:tabular-nums}
.ok{border-left-color:var(--ok)}.warn{border-left-color:var(--warn)}.bad{border-left-color:var(--bad)}
.bad .big{color:var(--bad)}.warn .big{color:var(--warn)}
section{margin:16px 0;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:right;padding:3px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
th:first-child,td:first-child{text-align:left}
`

// StatusCSP is the HTML page's Content-Security-Policy: nothing but its
// own inline stylesheet, by hash; no script, no frame, no form.
var StatusCSP = "default-src 'none'; style-src 'sha256-" + hashCSS() + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func hashCSS() string {
	sum := sha256.Sum256([]byte(statusCSS))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"num": num,
	"opt": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return num(*v)
	},
	"pct": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return num(*v*100) + " %"
	},
	"ms": func(v *float64) string {
		if v == nil {
			return "–"
		}
		if *v >= 1 {
			return num(*v) + " s"
		}
		return num(*v*1000) + " ms"
	},
	"dur": func(seconds float64) string {
		d := time.Duration(seconds * float64(time.Second))
		switch {
		case d >= 24*time.Hour:
			return fmt.Sprintf("%dd %dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
		case d >= time.Hour:
			return fmt.Sprintf("%dh %dm", d/time.Hour, d%time.Hour/time.Minute)
		case d >= time.Minute:
			return fmt.Sprintf("%dm %ds", d/time.Minute, d%time.Minute/time.Second)
		}
		return num(d.Seconds()) + " s"
	},
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<meta name="robots" content="noindex">
<title>{{if .Ready}}ready{{else}}NOT READY{{end}}{{with .Degradation}}{{if .Level}} · {{.Name}}{{end}}{{end}} · FaceStat status</title>
<style>` + statusCSS + `</style>
</head>
<body>
<h1>FaceStat status <span class="dim">{{.Version}}</span></h1>
<p class="dim">{{.Time.Format "2006-01-02 15:04:05 MST"}} · up {{dur .UptimeSeconds}} · rates over {{if .SinceStart}}the {{dur .WindowSeconds}} since start{{else}}the last {{dur .WindowSeconds}}{{end}} · refreshes every 5 s · <a href="/status.json">JSON</a> · <a href="/metrics">metrics</a></p>
<div class="tiles">
<div class="tile {{.ReadyState}}" id="health"><h2>Health</h2><p class="big">{{if .Ready}}ready{{else}}not ready{{end}}</p><p>alive{{with .NotReady}} · {{.}}{{end}}</p></div>
<div class="tile {{.DegradationState}}" id="degradation"><h2>Degradation</h2>{{with .Degradation}}<p class="big">{{.Level}} · {{.Name}}</p>{{else}}<p class="big">–</p><p>not reported</p>{{end}}</div>
<div class="tile {{.VoteState}}" id="votes"><h2>Votes</h2><p class="big">{{num .Votes.PerSecond}}/s</p><p>queue {{num .Votes.QueueDepth}}{{with .Votes.QueueCapacity}} of {{num .}}{{end}} · batch p50 {{opt .Votes.BatchP50}} · {{num .Votes.StoredTotal}} stored</p></div>
<div class="tile {{.GraphQLState}}" id="graphql"><h2>GraphQL</h2><p class="big">{{num .GraphQL.OpsPerSecond}} ops/s</p><p>errors {{pct .GraphQL.ErrorRatio}} · p99 {{ms .GraphQL.P99Seconds}}</p></div>
<div class="tile {{.CacheState}}" id="cache"><h2>Cache</h2><p class="big">{{pct .Cache.HitRatio}} hits</p><p>{{num .Cache.LookupsPerSecond}} lookups/s · {{num .Cache.ErrorsPerSecond}} errors/s</p></div>
<div class="tile {{.DBState}}" id="db"><h2>Database pool</h2><p class="big">{{num .DB.InUse}} in use</p><p>{{num .DB.Idle}} idle · {{if .DB.MaxOpen}}max {{num .DB.MaxOpen}}{{else}}unbounded{{end}} · {{num .DB.WaitsPerSecond}} waits/s, {{num .DB.WaitSecondsPerSecond}} s waited/s</p></div>
<div class="tile" id="live"><h2>Live</h2><p class="big">{{num .WebSockets}} sockets</p><p>{{num .Subscriptions}} subscriptions</p></div>
<div class="tile {{if .Admissions}}{{.AdmissionState}}{{end}}" id="admission"><h2>Admission</h2>{{if .Admissions}}<p class="big">{{num .RefusedPerSecond}}/s refused</p><p>in flight: {{.InFlight}}</p>{{else}}<p class="big">–</p><p>not reported</p>{{end}}</div>
</div>
<section id="operations"><h2>Busiest GraphQL operations</h2>
{{if .GraphQL.Top}}<table><thead><tr><th>operation</th><th>type</th><th>ops/s</th><th>errors</th><th>p99</th></tr></thead><tbody>
{{range .GraphQL.Top}}<tr><td>{{.Name}}</td><td>{{.Type}}</td><td>{{num .OpsPerSecond}}</td><td>{{pct .ErrorRatio}}</td><td>{{ms .P99Seconds}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No operation in the window.</p>{{end}}
</section>
{{if .Admissions}}<section id="admissions"><h2>Admission by class</h2>
<table><thead><tr><th>class</th><th>in flight</th><th>refused/s</th><th>refused since start</th></tr></thead><tbody>
{{range .Admissions}}<tr><td>{{.Class}}</td><td>{{opt .InFlight}}</td><td>{{num .RefusedPerSecond}}</td><td>{{num .RefusedTotal}}</td></tr>
{{end}}</tbody></table></section>{{end}}
</body>
</html>
`))

// num formats a figure with a few significant digits.
func num(v float64) string {
	digits := 2
	switch a := math.Abs(v); {
	case v == 0:
		return "0"
	case a >= 100:
		digits = 0
	case a >= 10:
		digits = 1
	case a < 0.01:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}
