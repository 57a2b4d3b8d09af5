// Package metrics is FaceStat's Prometheus instrumentation: one registry
// per process, served at /metrics.
package metrics

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/identity"
)

// Metrics holds the collectors the rest of the service updates.
type Metrics struct {
	Registry *prometheus.Registry

	// operations are the names that label operations as themselves (the
	// web app's); any other is OtherOperation.
	operations map[string]bool

	Operations *prometheus.HistogramVec // GraphQL operations by name, type and outcome
	Votes      prometheus.Counter       // votes stored
	BatchSize  prometheus.Histogram     // votes per ingester transaction
	// CacheRequests counts the keys looked up in the cache, by kind and
	// result (see CountCache).
	CacheRequests *prometheus.CounterVec
	// KeyOperations counts the GraphQL operations of applications (an API
	// key, alone or beside a user's token), by key and outcome; the key
	// label is bounded (keyLabel).
	KeyOperations *prometheus.CounterVec

	keysMu sync.Mutex
	keys   map[int]bool // the keys labelled as themselves, at most maxKeyLabels

	refitRounds  *prometheus.CounterVec // WatchRefit's
	refitVotes   prometheus.Counter
	refitChanged prometheus.Counter

	now    func() time.Time // the clock (tests move it)
	start  time.Time        // when New ran: the start of "since start"
	status status           // the status page's earlier gatherings
}

// New registers FaceStat's collectors, the Go runtime's, and gauges read
// on each scrape: database pool use and waits, the vote queue's depth and
// open WebSockets. operations are the GraphQL operation names measured
// one by one (the web app's, frontend.Operations); the rest count
// together, as OtherOperation, so that clients cannot add series.
func New(db *sql.DB, operations []string, queueDepth, sockets, subscribers func() int) *Metrics {
	m := &Metrics{
		Registry:   prometheus.NewRegistry(),
		operations: map[string]bool{},
		now:        time.Now,
		start:      time.Now(),
		Operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "facestat_graphql_operation_duration_seconds",
			Help:    "GraphQL operations by name, type (query, mutation, subscription) and outcome (ok, error).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation", "type", "outcome"}),
		Votes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "facestat_votes_stored_total", Help: "Votes durably stored."}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "facestat_vote_batch_size", Help: "Votes written per ingester transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
		CacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facestat_cache_requests_total",
			Help: "Keys looked up in the read-through cache, by kind (" + strings.Join(cache.Kinds, ", ") + ", other) and result (hit, miss, error: the store failed).",
		}, []string{"kind", "result"}),
		KeyOperations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facestat_api_key_operations_total",
			Help: "GraphQL operations of applications, by API key (its id, for the first " + strconv.Itoa(maxKeyLabels) + " keys an instance sees; the rest as other) and outcome (ok, error).",
		}, []string{"key", "outcome"}),
		keys: map[int]bool{},
	}
	for _, name := range operations[:min(len(operations), maxOperations)] {
		m.operations[name] = true
	}
	// Every series exists from the start, at 0: a ratio over them is
	// defined (and alerts can see it) before the first lookup.
	for _, kind := range append(cache.Kinds[:len(cache.Kinds):len(cache.Kinds)], cache.OtherKind) {
		for _, result := range cacheResults {
			m.CacheRequests.WithLabelValues(kind, result)
		}
	}
	m.Registry.MustRegister(m.Operations, m.Votes, m.BatchSize, m.CacheRequests, m.KeyOperations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "facestat"),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facestat_vote_queue_depth", Help: "Votes waiting for a transaction."},
			func() float64 { return float64(queueDepth()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facestat_websockets_open", Help: "Open WebSockets."},
			func() float64 { return float64(sockets()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facestat_live_subscriptions", Help: "Live-result subscriptions on this instance."},
			func() float64 { return float64(subscribers()) }),
	)
	return m
}

var cacheResults = []string{cache.Hit, cache.Miss, cache.Error}

// CountCache counts n keys of kind looked up in the cache with result; it
// is a cache.CountFunc. Kinds and results outside cache's fixed sets count
// as "other" and are dropped, so the label set stays bounded.
func (m *Metrics) CountCache(kind, result string, n int) {
	if !slices.Contains(cache.Kinds, kind) {
		kind = cache.OtherKind
	}
	if !slices.Contains(cacheResults, result) {
		return
	}
	m.CacheRequests.WithLabelValues(kind, result).Add(float64(n))
}

// VoteBatch counts a committed batch of votes: its size, and how many of
// them were stored (the rest were refused). The ingester calls it before
// it answers the batch's callers.
func (m *Metrics) VoteBatch(batch, stored int) {
	m.BatchSize.Observe(float64(batch))
	m.Votes.Add(float64(stored))
}

// SetVoteQueueCapacity exposes how many votes the queue holds at most, as
// facestat_vote_queue_capacity, so that alerts can compare the depth with
// it. Call it once.
func (m *Metrics) SetVoteQueueCapacity(n int) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "facestat_vote_queue_capacity", Help: "Votes the queue holds at most; beyond, castVote answers UNAVAILABLE."},
		func() float64 { return float64(n) }))
}

// Operation labels besides the known names: an operation without a name,
// and every name that is not known (chosen by a client).
const (
	AnonymousOperation = "anonymous"
	OtherOperation     = "other"
)

// maxOperations bounds the known names, whatever the list New is given.
const maxOperations = 100

// operationLabel returns the operation label for name: itself when it is
// known, else AnonymousOperation or OtherOperation. With the operation
// type (4 values) and outcome (2), the series stay bounded by the known
// names, however many names clients make up.
func (m *Metrics) operationLabel(name string) string {
	switch {
	case m.operations[name]:
		return name
	case name == "":
		return AnonymousOperation
	default:
		return OtherOperation
	}
}

// Extension times every GraphQL response by operation.
type Extension struct{ M *Metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = Extension{}

// ExtensionName implements graphql.HandlerExtension.
func (Extension) ExtensionName() string { return "Metrics" }

// Validate implements graphql.HandlerExtension.
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor.
func (e Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	name, typ := oc.OperationName, "unknown"
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
		if name == "" {
			name = oc.Operation.Name
		}
	}
	name = e.M.operationLabel(name)
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
	}
	e.M.Operations.WithLabelValues(name, typ, outcome).Observe(time.Since(start).Seconds())
	if v := identity.FromContext(ctx); v != nil && v.Key != nil {
		e.M.KeyOperations.WithLabelValues(e.M.keyLabel(v.Key.ID), outcome).Inc()
	}
	return resp
}

// maxKeyLabels bounds the key label of KeyOperations: an instance labels
// the first keys it sees as themselves, the rest as OtherKey, so that the
// series stay bounded however many keys exist.
const maxKeyLabels = 200

// OtherKey labels the operations of keys past maxKeyLabels.
const OtherKey = "other"

// keyLabel is the key label of the API key id.
func (m *Metrics) keyLabel(id int) string {
	m.keysMu.Lock()
	defer m.keysMu.Unlock()
	if !m.keys[id] {
		if len(m.keys) >= maxKeyLabels {
			return OtherKey
		}
		m.keys[id] = true
	}
	return strconv.Itoa(id)
}

// Refit rounds' results (RefitRound).
const (
	RefitOK      = "ok"      // the round wrote (or had nothing to write)
	RefitSkipped = "skipped" // another instance was writing a round
	RefitError   = "error"   // the round failed; the next reads its votes again
)

// WatchRefit registers the judge model's background rounds:
// facestat_refit_rounds_total by result (ok, skipped, error),
// facestat_refit_votes_total (new votes read) and
// facestat_refit_photos_changed_total (photos whose weighted figures a
// round changed). Call it once; RefitRound counts each round.
func (m *Metrics) WatchRefit() {
	m.refitRounds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facestat_refit_rounds_total",
		Help: "Rounds of the judge model's refit by result: ok, skipped (another instance was writing one), error (the next round reads the same votes again)."},
		[]string{"result"})
	for _, r := range []string{RefitOK, RefitSkipped, RefitError} {
		m.refitRounds.WithLabelValues(r)
	}
	m.refitVotes = prometheus.NewCounter(prometheus.CounterOpts{Name: "facestat_refit_votes_total",
		Help: "New votes the refit's rounds read (once each per process: a vote a later round's overlap reads again is not counted again)."})
	m.refitChanged = prometheus.NewCounter(prometheus.CounterOpts{Name: "facestat_refit_photos_changed_total",
		Help: "Photos whose weighted figures a refit round changed."})
	m.Registry.MustRegister(m.refitRounds, m.refitVotes, m.refitChanged)
}

// RefitRound counts one round of the refit: its result (RefitOK,
// RefitSkipped or RefitError), the new votes it read and the photos whose
// figures it changed.
func (m *Metrics) RefitRound(result string, votes, changed int) {
	if m.refitRounds == nil {
		return
	}
	m.refitRounds.WithLabelValues(result).Inc()
	m.refitVotes.Add(float64(votes))
	m.refitChanged.Add(float64(changed))
}
