package metrics

import "github.com/prometheus/client_golang/prometheus"

// WatchLimiter exposes the rate limiter's fallback (ratelimit.Fallback):
// facestat_ratelimit_degraded is 1 while limits and budgets are counted on
// this instance alone because Redis fails, and
// facestat_ratelimit_fallback_total counts the calls counted so. Call it
// once, on instances with a shared limiter.
func (m *Metrics) WatchLimiter(degraded func() bool, fallbacks func() uint64) {
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "facestat_ratelimit_degraded",
			Help: "1 while rate limits and budgets are counted by this instance alone (Redis fails), else 0."},
			func() float64 {
				if degraded() {
					return 1
				}
				return 0
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "facestat_ratelimit_fallback_total",
			Help: "Rate-limit and budget calls counted by this instance alone because Redis failed (an action's two limits, per judge or account and per client address, are one call)."},
			func() float64 { return float64(fallbacks()) }),
	)
}

// WatchPicks exposes how nextPhoto's picks were served:
// facestat_next_photo_picks_total{way="head"} from the instance's head of
// the judging order, {way="walk"} by the walk that judges the head cannot
// serve get (photos/judginghead.go). A walk share that grows means the
// head is too short for the judges (heavy judges, or a pool near its
// size).
func (m *Metrics) WatchPicks(counts func() (head, walk int64)) {
	for _, way := range []string{"head", "walk"} {
		m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "facestat_next_photo_picks_total",
			Help:        "nextPhoto's picks, by the way they were served: from the instance's head of the judging order, or by the walk.",
			ConstLabels: prometheus.Labels{"way": way}},
			func() float64 {
				head, walk := counts()
				if way == "head" {
					return float64(head)
				}
				return float64(walk)
			}))
	}
}
