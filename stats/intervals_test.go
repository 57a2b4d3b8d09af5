package stats_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/facestat/facestat/stats"
)

// referenceCase is one case of testdata/intervals.json, written by
// testdata/reference.py with SciPy (see docs/STATISTICS.md).
type referenceCase struct {
	Name      string
	Kind      stats.Kind
	Min, Max  *int
	Answers   []int
	Low, High float64
}

// readReference decodes testdata/name, written by testdata/reference.py,
// into v.
func readReference(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

// readCases decodes the list of cases in testdata/name and fails the test
// when it holds fewer than atLeast.
func readCases[C any](t *testing.T, name string, atLeast int) []C {
	t.Helper()
	var cases []C
	readReference(t, name, &cases)
	if len(cases) < atLeast {
		t.Fatalf("only %d cases in %s", len(cases), name)
	}
	return cases
}

// TestIntervalsMatchReference checks Summarize's credible intervals
// against the values SciPy computed independently; the test needs only the
// committed JSON, not SciPy.
func TestIntervalsMatchReference(t *testing.T) {
	for _, c := range readCases[referenceCase](t, "intervals.json", 10) {
		t.Run(c.Name, func(t *testing.T) {
			r := stats.RangeOf(c.Min, c.Max)
			got := stats.Summarize(c.Kind, aggregateOf(c.Answers...), r)
			checkInvariants(t, c.Kind, r, got)
			if got.Interval == nil {
				t.Fatal("no interval")
			}
			if math.Abs(got.Interval.Low-c.Low) > 1e-6 || math.Abs(got.Interval.High-c.High) > 1e-6 {
				t.Errorf("Interval = [%.12g, %.12g], SciPy says [%.12g, %.12g]", got.Interval.Low, got.Interval.High, c.Low, c.High)
			}
		})
	}
}

// TestTwoAnswersGiveWideIntervals is the first "done when" of issue 13:
// two answers never give an interval outside the scale, nor one of zero
// width, nor one narrow enough to call the result settled.
func TestTwoAnswersGiveWideIntervals(t *testing.T) {
	for _, c := range []struct {
		kind    stats.Kind
		r       stats.Range
		answers []int
	}{
		{stats.Scale, stats.Range{Min: 1, Max: 10}, []int{10, 10}},
		{stats.Scale, stats.Range{Min: 1, Max: 10}, []int{9, 10}},
		{stats.Scale, stats.Range{Min: 1, Max: 10}, []int{1, 1}},
		{stats.Number, stats.Range{Min: 1, Max: 100}, []int{30, 30}},
		{stats.YesNo, stats.Range{Min: 0, Max: 1}, []int{1, 1}},
		{stats.YesNo, stats.Range{Min: 0, Max: 1}, []int{0, 0}},
	} {
		got := stats.Summarize(c.kind, aggregateOf(c.answers...), &c.r)
		iv := got.Interval
		if iv == nil || !(float64(c.r.Min) <= iv.Low && iv.Low < iv.High && iv.High <= float64(c.r.Max)) {
			t.Fatalf("%s %v on %+v: interval %+v", c.kind, c.answers, c.r, iv)
		}
		if half := (iv.High - iv.Low) / 2; half <= float64(c.r.Max-c.r.Min)/10 {
			t.Errorf("%s %v on %+v: half-width %g is narrow enough to look settled", c.kind, c.answers, c.r, half)
		}
	}
}

func TestBetaQuantile(t *testing.T) {
	// Published values: Beta(1, 1) is uniform; Beta(2, 1) has CDF x².
	for _, c := range []struct{ p, a, b, want float64 }{
		{0.25, 1, 1, 0.25},
		{0.81, 2, 1, 0.9},
		{0.5, 0.5, 0.5, 0.5},
		{0.975, 1e5, 1e5, 0.5 + z95*0.5/math.Sqrt(2e5+1)},
	} {
		if got := stats.BetaQuantile(c.p, c.a, c.b); !near(got, c.want, 1e-6) {
			t.Errorf("BetaQuantile(%g, %g, %g) = %.15g, want %.15g", c.p, c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct{ p, a, b float64 }{{0, 1, 1}, {1, 1, 1}, {0.5, 0, 1}, {0.5, 1, -1}, {math.NaN(), 1, 1}, {0.5, math.Inf(1), 1}} {
		if got := stats.BetaQuantile(c.p, c.a, c.b); !math.IsNaN(got) {
			t.Errorf("BetaQuantile(%g, %g, %g) = %g, want NaN", c.p, c.a, c.b, got)
		}
	}
}

func TestSummarizeNumberWithoutRange(t *testing.T) {
	// The observed answers 30 and 40, widened by their distance: [20, 50].
	got := stats.Summarize(stats.Number, aggregateOf(30, 40), nil)
	want := stats.Summarize(stats.Number, aggregateOf(30, 40), &stats.Range{Min: 20, Max: 50})
	if got.Interval == nil || *got.Interval != *want.Interval {
		t.Errorf("Interval = %+v, want %+v", got.Interval, want.Interval)
	}
	// One answer: widened by 1.
	got = stats.Summarize(stats.Number, aggregateOf(7), nil)
	checkInvariants(t, stats.Number, &stats.Range{Min: 6, Max: 8}, got)
}

// TestBetaQuantileAgainstBisection: BetaQuantile's Newton search finds a
// quantile as good as bisection's, from a = b = 0.01 to 9,999 and tail
// probabilities from 1e-300 to 1 - 1e-15. The reference is how
// BetaQuantile found it before: bisection on the same incomplete beta
// function, halving until the bracket cannot shrink. Where the two differ
// by more than 1e-12 of the quantile (tails so flat that many floats give
// p within rounding), the search's must be as close to p, a few ulps
// allowed: I(got) no farther from p than I(bisection's) and 4 ulps of p.
func TestBetaQuantileAgainstBisection(t *testing.T) {
	bisect := func(p, a, b float64) float64 {
		x0, x1 := 0.0, 1.0
		for {
			x := x0 + (x1-x0)/2
			if x <= x0 || x >= x1 {
				return x
			}
			if stats.BetaCDF(x, a, b) < p {
				x0 = x
			} else {
				x1 = x
			}
		}
	}
	shapes := []float64{0.01, 0.1, 0.5, 1, 1.5, 2.5, 7, 30.5, 120, 412.5, 2000, 9999}
	probs := []float64{1e-300, 1e-12, 1e-6, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-6, 1 - 1e-15}
	for _, a := range shapes {
		for _, b := range shapes {
			for _, p := range probs {
				got, want := stats.BetaQuantile(p, a, b), bisect(p, a, b)
				if math.Abs(got-want) <= 1e-12*want {
					continue
				}
				gotErr, wantErr := math.Abs(stats.BetaCDF(got, a, b)-p), math.Abs(stats.BetaCDF(want, a, b)-p)
				if gotErr > wantErr+4*0x1p-52*p {
					t.Errorf("BetaQuantile(%g, %g, %g) = %.17g (I - p = %.3g), bisection gives %.17g (I - p = %.3g)", p, a, b, got, gotErr, want, wantErr)
				}
			}
		}
	}
}

// TestBetaQuantileEvaluations: the search takes a few evaluations of the
// incomplete beta function on average for the intervals FaceStat shows
// (yes/no counts up to 300 under the Jeffreys prior, both 2.5 % tails),
// where bisection took about sixty, and never more than bisection (a
// quantile near 1, or near 0 under a shape below 1, is where Newton's
// steps stall and the bracket is halved instead); in the far tails too.
func TestBetaQuantileEvaluations(t *testing.T) {
	total, n, most := 0, 0, 0
	for yes := 0; yes <= 300; yes += 3 {
		for no := 0; no <= 300; no += 3 {
			for _, p := range []float64{0.025, 0.975} {
				_, evals := stats.BetaQuantileEvals(p, float64(yes)+0.5, float64(no)+0.5)
				total, n, most = total+evals, n+1, max(most, evals)
			}
		}
	}
	if mean := float64(total) / float64(n); mean > 10 || most > 64 {
		t.Errorf("the shown intervals' quantiles took %.1f evaluations on average, %d at most; want at most 10 and 64", mean, most)
	}
	for _, c := range []struct{ p, a, b float64 }{{1e-300, 7, 7}, {1e-300, 0.01, 3}, {1 - 1e-15, 0.5, 0.5}} {
		if _, evals := stats.BetaQuantileEvals(c.p, c.a, c.b); evals > 1200 {
			t.Errorf("BetaQuantile(%g, %g, %g) took %d evaluations, more than bisection would", c.p, c.a, c.b, evals)
		}
	}
}
