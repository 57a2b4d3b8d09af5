package stats_test

import (
	"math"
	"testing"

	"github.com/facestat/facestat/stats"
)

// figureCases is testdata/figures.json, written by testdata/reference.py
// with numpy, SciPy and statsmodels (see docs/STATISTICS.md).
type figureCases struct {
	Answers []struct {
		Name                 string
		Answers              []int
		Mean, Median, StdDev float64
	}
	Wilson []struct {
		Yes, N int64
		Z, Low float64
	}
	Bayes []struct {
		Mean                   float64
		N                      int64
		PriorMean, PriorWeight float64
		Value                  float64
	}
	Percentile []struct {
		Scores   []float64
		X, Value float64
	}
}

// TestFiguresMatchReference checks every figure besides the interval
// (TestIntervalsMatchReference) against values computed independently:
// the mean, median and standard deviation Summarize gives, the Wilson lower
// bound and Bayesian average the top lists rank by, and percentiles.
func TestFiguresMatchReference(t *testing.T) {
	var c figureCases
	readReference(t, "figures.json", &c)
	if len(c.Answers) == 0 || len(c.Wilson) == 0 || len(c.Bayes) == 0 || len(c.Percentile) == 0 {
		t.Fatalf("a kind of case is missing: %+v", c)
	}
	near := func(what string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, reference %.12g", what, got, want)
		}
	}
	age := stats.Range{Min: 1, Max: 100}
	for _, a := range c.Answers {
		s := stats.Summarize(stats.Number, aggregateOf(a.Answers...), &age)
		near(a.Name+": mean", s.Mean, a.Mean)
		near(a.Name+": median", s.Median, a.Median)
		near(a.Name+": stddev", s.StdDev, a.StdDev)
	}
	for _, w := range c.Wilson {
		got := stats.WilsonLowerBound(w.Yes, w.N, w.Z)
		near("WilsonLowerBound", &got, w.Low)
	}
	for _, b := range c.Bayes {
		got := stats.BayesianAverage(b.Mean, b.N, b.PriorMean, b.PriorWeight)
		near("BayesianAverage", &got, b.Value)
	}
	for _, p := range c.Percentile {
		got := stats.Percentile(p.Scores, p.X)
		near("Percentile", &got, p.Value)
	}
}
