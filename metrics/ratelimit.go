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
