// Package metrics is FaceStat's Prometheus instrumentation: one registry
// per process, served at /metrics.
package metrics

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the collectors the rest of the service updates.
type Metrics struct {
	Registry *prometheus.Registry

	mu    sync.Mutex
	names map[string]bool // operation names seen (bounded)

	Operations *prometheus.HistogramVec // GraphQL operations by name, type and outcome
	Votes      prometheus.Counter       // votes stored
	BatchSize  prometheus.Histogram     // votes per ingester transaction
}

// New registers FaceStat's collectors, the Go runtime's, and gauges read
// on each scrape: database pool use and waits, the vote queue's depth and
// open WebSockets.
func New(db *sql.DB, queueDepth, sockets, subscribers func() int) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		names:    map[string]bool{},
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
	}
	m.Registry.MustRegister(m.Operations, m.Votes, m.BatchSize,
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

// maxOperations bounds the operation label: names come from clients, so
// past this many distinct names the rest are counted as "other".
const maxOperations = 200

// label returns the operation label for name.
func (m *Metrics) label(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperations || len(name) > 64 {
		return "other"
	}
	m.names[name] = true
	return name
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
	if name == "" {
		name = "anonymous"
	}
	name = e.M.label(name)
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
	}
	e.M.Operations.WithLabelValues(name, typ, outcome).Observe(time.Since(start).Seconds())
	return resp
}
