package stats_test

import (
	"math"
	"testing"

	"github.com/facestat/facestat/stats"
)

// weightedCase is one case of testdata/weighted.json, written by
// testdata/reference.py with SciPy (see docs/STATISTICS.md).
type weightedCase struct {
	Name            string
	Kind            stats.Kind
	Min, Max        *int
	Answers         []int
	Weights         []float64
	Adjusted        *float64
	Weight, NEff    float64
	Mean, MeanSq    float64
	Low, High, Rank float64
}

// TestWeightedMatchesReference checks Summarize and Rank on weighted
// aggregates (non-integer effective counts, weighted and adjusted figures)
// against SciPy, which computed them from the answers and their weights.
func TestWeightedMatchesReference(t *testing.T) {
	for _, c := range readCases[weightedCase](t, "weighted.json", 8) {
		t.Run(c.Name, func(t *testing.T) {
			r := stats.RangeOf(c.Min, c.Max)
			if c.Kind == stats.YesNo {
				r = nil
			}
			a := aggregateOf(c.Answers...)
			a.Weighted = &stats.Weighted{Weight: c.Weight, NEff: c.NEff, Mean: c.Mean, MeanSq: c.MeanSq, Adjusted: c.Adjusted}
			got := stats.Summarize(c.Kind, a, r)
			checkInvariants(t, c.Kind, r, got)
			if got.Count != int64(len(c.Answers)) || got.EffectiveCount != c.NEff {
				t.Errorf("Count, EffectiveCount = %d, %g; want %d, %g", got.Count, got.EffectiveCount, len(c.Answers), c.NEff)
			}
			figure := got.Mean
			if c.Kind == stats.YesNo {
				figure = got.YesShare
			}
			if figure == nil || math.Abs(*figure-c.Mean) > 1e-9 {
				t.Errorf("weighted mean = %v, want %g", fmtPtr(figure), c.Mean)
			}
			if got.Interval == nil {
				t.Fatal("no interval")
			}
			if math.Abs(got.Interval.Low-c.Low) > 1e-6 || math.Abs(got.Interval.High-c.High) > 1e-6 {
				t.Errorf("Interval = [%.12g, %.12g], SciPy says [%.12g, %.12g]", got.Interval.Low, got.Interval.High, c.Low, c.High)
			}
			rank, ok := stats.Rank(c.Kind, got, r)
			if !ok || math.Abs(rank-c.Rank) > 1e-6 {
				t.Errorf("Rank = %.12g, %v; SciPy says %.12g", rank, ok, c.Rank)
			}
		})
	}
}

// TestRankUnweightedIsIntervalLow: without a judge model the ranking score
// is the lower end of the interval Summarize shows.
func TestRankUnweightedIsIntervalLow(t *testing.T) {
	for _, c := range readCases[referenceCase](t, "intervals.json", 10) {
		r := stats.RangeOf(c.Min, c.Max)
		s := stats.Summarize(c.Kind, aggregateOf(c.Answers...), r)
		if s.EffectiveCount != float64(s.Count) {
			t.Errorf("%s: EffectiveCount = %g, Count %d", c.Name, s.EffectiveCount, s.Count)
		}
		if got, ok := stats.Rank(c.Kind, s, r); !ok || got != s.Interval.Low {
			t.Errorf("%s: Rank = %g, %v; want the interval's low end %g", c.Name, got, ok, s.Interval.Low)
		}
	}
	for _, kind := range []stats.Kind{stats.Scale, stats.YesNo, stats.Word} {
		if _, ok := stats.Rank(kind, stats.Summarize(kind, stats.Aggregate{}, rangeFor(kind)), rangeFor(kind)); ok {
			t.Errorf("%s without answers has a rank", kind)
		}
	}
}

// TestRankDiscountedVotesRankLow is the stuffing scenario of issue 13 on
// the figures alone: fifteen established judges averaging 7 outrank
// twenty-five sessions of one network giving 10 whose votes the judge model
// cut to 0.2 votes in all.
func TestRankDiscountedVotesRankLow(t *testing.T) {
	scale := &stats.Range{Min: 1, Max: 10}
	a := aggregateOf(6, 7, 8, 6, 7, 8, 6, 7, 8, 6, 7, 8, 6, 7, 8)
	a.Weighted = &stats.Weighted{Weight: 9.375, NEff: 9.375, Mean: 7, MeanSq: (36 + 49 + 64) / 3.0}
	x := aggregateOf(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)
	rawX, _ := stats.Rank(stats.Scale, stats.Summarize(stats.Scale, x, scale), scale)
	x.Weighted = &stats.Weighted{Weight: 0.2, NEff: 0.2, Mean: 10, MeanSq: 100}
	rankA, _ := stats.Rank(stats.Scale, stats.Summarize(stats.Scale, a, scale), scale)
	rankX, _ := stats.Rank(stats.Scale, stats.Summarize(stats.Scale, x, scale), scale)
	if !(rankA > rankX) {
		t.Errorf("Rank(A) = %g, Rank(X) = %g: the stuffed photo ranks first", rankA, rankX)
	}
	if !(rawX > rankA) {
		t.Errorf("unweighted, X's 25 tens should outrank A (%g vs %g): the test shows nothing", rawX, rankA)
	}
}

// TestWeightedNothingCounts: a weighted aggregate in which no answer counts
// (only the owner's votes, say) shows the raw figures with the interval of
// no answers, and has no rank.
func TestWeightedNothingCounts(t *testing.T) {
	scale := &stats.Range{Min: 1, Max: 10}
	a := aggregateOf(10, 10, 10)
	a.Weighted = &stats.Weighted{}
	s := stats.Summarize(stats.Scale, a, scale)
	checkInvariants(t, stats.Scale, scale, s)
	prior := stats.MeanInterval(0, 0, 0, *scale)
	if s.Mean == nil || *s.Mean != 10 || s.EffectiveCount != 0 || s.Interval == nil || *s.Interval != *prior || s.AdjustedMean != nil {
		t.Errorf("Summary = %+v, want the raw mean 10, EffectiveCount 0 and the prior's interval %+v", s, prior)
	}
	if _, ok := stats.Rank(stats.Scale, s, scale); ok {
		t.Error("an aggregate in which nothing counts has a rank")
	}
	y := aggregateOf(1, 1)
	y.Weighted = &stats.Weighted{}
	ys := stats.Summarize(stats.YesNo, y, nil)
	if ys.YesShare == nil || *ys.YesShare != 1 || *ys.Interval != *stats.ShareInterval(0, 0.5) {
		t.Errorf("YES_NO Summary = %+v", ys)
	}
	if _, ok := stats.Rank(stats.YesNo, ys, nil); ok {
		t.Error("a yes/no aggregate in which nothing counts has a rank")
	}
}

// TestWeightedCorruptIgnored: a cached Weighted with a non-finite or
// negative field is ignored, so the Summary is the raw one.
func TestWeightedCorruptIgnored(t *testing.T) {
	scale := &stats.Range{Min: 1, Max: 10}
	raw := stats.Summarize(stats.Scale, aggregateOf(3, 9), scale)
	nan := math.NaN()
	for _, w := range []*stats.Weighted{
		{Weight: 1, NEff: nan, Mean: 5, MeanSq: 30},
		{Weight: 1, NEff: 1, Mean: math.Inf(1), MeanSq: 30},
		{Weight: -1, NEff: 1, Mean: 5, MeanSq: 30},
		{Weight: 1, NEff: 1, Mean: 5, MeanSq: 30, Adjusted: &nan},
	} {
		a := aggregateOf(3, 9)
		a.Weighted = w
		got := stats.Summarize(stats.Scale, a, scale)
		if *got.Mean != *raw.Mean || *got.Interval != *raw.Interval || got.EffectiveCount != 2 || got.AdjustedMean != nil {
			t.Errorf("Weighted %+v: Summary %+v, want the raw one %+v", *w, got, raw)
		}
	}
}

// TestWeightedAdjustedClamped: the adjusted mean and share are kept inside
// the range, as is the interval taken around them.
func TestWeightedAdjustedClamped(t *testing.T) {
	scale := &stats.Range{Min: 1, Max: 10}
	a := aggregateOf(10, 10)
	a.Weighted = &stats.Weighted{Weight: 2, NEff: 2, Mean: 10, MeanSq: 100, Adjusted: ptr(12.5)}
	s := stats.Summarize(stats.Scale, a, scale)
	checkInvariants(t, stats.Scale, scale, s)
	if s.AdjustedMean == nil || *s.AdjustedMean != 10 {
		t.Errorf("AdjustedMean = %v, want 10", fmtPtr(s.AdjustedMean))
	}
	if r, ok := stats.Rank(stats.Scale, s, scale); !ok || !(r > 1 && r < 10) {
		t.Errorf("Rank = %g, %v", r, ok)
	}
	y := aggregateOf(0, 0)
	y.Weighted = &stats.Weighted{Weight: 2, NEff: 2, Mean: 0, Adjusted: ptr(-0.2)}
	ys := stats.Summarize(stats.YesNo, y, nil)
	if ys.AdjustedShare == nil || *ys.AdjustedShare != 0 {
		t.Errorf("AdjustedShare = %v, want 0", fmtPtr(ys.AdjustedShare))
	}
}

func TestIntervalFunctionsRefuseNonsense(t *testing.T) {
	r := stats.Range{Min: 1, Max: 10}
	for _, n := range []float64{-1, math.NaN(), math.Inf(1)} {
		if iv := stats.MeanInterval(n, 5, 1, r); iv != nil {
			t.Errorf("MeanInterval(n = %g) = %+v", n, iv)
		}
	}
	if iv := stats.MeanInterval(3, math.NaN(), 1, r); iv != nil {
		t.Errorf("MeanInterval(mean NaN) = %+v", iv)
	}
	if iv := stats.ShareInterval(math.NaN(), 0.5); iv != nil {
		t.Errorf("ShareInterval(NaN) = %+v", iv)
	}
	if iv := stats.ShareInterval(-3, 2); iv == nil || *iv != *stats.ShareInterval(0, 1) {
		t.Errorf("ShareInterval(-3, 2) = %+v, want the interval of no answers", iv)
	}
}

// FuzzSummarizeWeighted feeds arbitrary weighted figures: Summarize and
// Rank must neither panic nor produce NaN, and keep their invariants.
func FuzzSummarizeWeighted(f *testing.F) {
	f.Add(uint8(0), int64(3), int64(21), 2.5, 1.7, 7.0, 50.0, 6.5)
	f.Add(uint8(2), int64(4), int64(3), 0.4, 0.4, 0.75, 0.75, 0.3)
	f.Add(uint8(1), int64(1), int64(10), 0.0, 0.0, 0.0, 0.0, -3.0)
	f.Add(uint8(5), int64(2), int64(200), 1e300, 1e-300, -1e9, 1e300, 1e9)
	f.Fuzz(func(t *testing.T, k uint8, count, sum int64, weight, neff, mean, meanSq, adjusted float64) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		var r *stats.Range
		if k&4 != 0 {
			r = rangeFor(kind)
		}
		a := stats.Aggregate{Count: count, Sum: sum, SumSq: sum * sum, Histogram: map[int]int64{int(sum): count},
			Weighted: &stats.Weighted{Weight: weight, NEff: neff, Mean: mean, MeanSq: meanSq, Adjusted: &adjusted}}
		s := stats.Summarize(kind, a, r)
		checkInvariants(t, kind, r, s)
		for name, p := range map[string]*float64{"AdjustedMean": s.AdjustedMean, "AdjustedShare": s.AdjustedShare} {
			if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
				t.Fatalf("%s = %g", name, *p)
			}
		}
		if math.IsNaN(s.EffectiveCount) || math.IsNaN(s.Variance) || s.EffectiveCount < 0 || s.Variance < 0 {
			t.Fatalf("EffectiveCount %g, Variance %g", s.EffectiveCount, s.Variance)
		}
		if rank, ok := stats.Rank(kind, s, r); ok && (math.IsNaN(rank) || math.IsInf(rank, 0)) {
			t.Fatalf("Rank = %g", rank)
		}
	})
}
