package admission

import "github.com/prometheus/client_golang/prometheus"

var (
	levelDesc = prometheus.NewDesc("facestat_degradation_level",
		"Degradation level in force: 0 normal, 1 extras stale, 2 uploads paused.", nil, nil)
	forcedDesc = prometheus.NewDesc("facestat_degradation_forced",
		"1 when an operator forced the degradation level, 0 when it is automatic.", nil, nil)
	dbDownDesc = prometheus.NewDesc("facestat_database_down",
		"1 while the database fails the instance's health checks.", nil, nil)
	refusedDesc = prometheus.NewDesc("facestat_admissions_refused_total",
		"Requests refused by admission control, by class of work.", []string{"class"}, nil)
	inFlightDesc = prometheus.NewDesc("facestat_admission_in_flight",
		"Requests holding an admission slot, by class of work (subscriptions: see facestat_live_subscriptions).", []string{"class"}, nil)
	limitDesc = prometheus.NewDesc("facestat_admission_limit",
		"Requests of a class of work admitted at once now: the adaptive limit (votes, reads, signins) or the fixed bound; absent when unbounded.", []string{"class"}, nil)
)

// Describe implements prometheus.Collector.
func (c *Controller) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{levelDesc, forcedDesc, dbDownDesc, refusedDesc, inFlightDesc, limitDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Controller) Collect(ch chan<- prometheus.Metric) {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	ch <- prometheus.MustNewConstMetric(levelDesc, prometheus.GaugeValue, float64(c.Level()))
	ch <- prometheus.MustNewConstMetric(forcedDesc, prometheus.GaugeValue, b(c.Forced() != nil))
	ch <- prometheus.MustNewConstMetric(dbDownDesc, prometheus.GaugeValue, b(c.DatabaseDown()))
	for _, cl := range Classes() {
		ch <- prometheus.MustNewConstMetric(refusedDesc, prometheus.CounterValue, float64(c.Refused(cl)), cl.String())
		if cl != Subscriptions { // counted by facestat_live_subscriptions
			ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(c.InFlight(cl)), cl.String())
		}
		if n := c.Limit(cl); n > 0 {
			ch <- prometheus.MustNewConstMetric(limitDesc, prometheus.GaugeValue, float64(n), cl.String())
		}
	}
}
