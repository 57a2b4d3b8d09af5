package stats_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/facestat/facestat/stats"
)

// z95 is the two-sided 95% normal quantile, as published.
const z95 = 1.959963984540054

// near reports whether got is within tol of want, relative to max(1, |want|).
// Infinities must match exactly; NaN is near nothing.
func near(got, want, tol float64) bool {
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// aggregateOf builds the consistent aggregate of a list of answer values.
func aggregateOf(values ...int) stats.Aggregate {
	a := stats.Aggregate{Histogram: map[int]int64{}}
	for _, v := range values {
		a.Count++
		a.Sum += int64(v)
		a.SumSq += int64(v) * int64(v)
		a.Histogram[v]++
	}
	return a
}

// bruteForce computes mean, median and sample standard deviation of values
// the textbook way: two passes and a sort.
func bruteForce(values []int) (mean, median, sd float64) {
	n := float64(len(values))
	for _, v := range values {
		mean += float64(v)
	}
	mean /= n
	var ss float64
	for _, v := range values {
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	sd = math.Sqrt(ss / (n - 1))
	s := slices.Clone(values)
	slices.Sort(s)
	median = float64(s[(len(s)-1)/2]+s[len(s)/2]) / 2
	return mean, median, sd
}

// wilsonBruteForce solves the score test (p̂ - π)² = z²·π(1-π)/n for π by
// bisection, on each side of p̂: the definition of the Wilson interval,
// without its closed form.
func wilsonBruteForce(yes, n int64, z float64) (low, high float64) {
	ph := float64(yes) / float64(n)
	g := func(pi float64) float64 { return (ph-pi)*(ph-pi) - z*z*pi*(1-pi)/float64(n) }
	// g >= 0 at the ends 0 and 1, <= 0 at p̂, convex.
	lo, hi := 0.0, ph
	for range 200 {
		mid := (lo + hi) / 2
		if g(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	low = (lo + hi) / 2
	lo, hi = ph, 1
	for range 200 {
		mid := (lo + hi) / 2
		if g(mid) > 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return low, (lo + hi) / 2
}

func TestNormalQuantile(t *testing.T) {
	published := []struct {
		p, want float64
	}{
		{0.975, 1.959963984540054},
		{0.025, -1.959963984540054},
		{0.95, 1.6448536269514722},
		{0.999, 3.090232306167814},
		{0.001, -3.090232306167814},
		{0.02425, -1.9729610513118849}, // where Acklam's regions meet
		{0.3, -0.52440051270804078},
		{0.8413447460685429, 1},
		// Far tails, computed by bisection on log(erfc) in 60-digit
		// arithmetic (mpmath).
		{1e-5, -4.2648907939228246},
		{1e-10, -6.3613409024040562},
		{1e-20, -9.2623400897984076},
		{1e-50, -14.933337534788489},
		{1e-100, -21.273453560965324},
		{1e-200, -30.205594179579643},
		{1e-300, -37.047096299361199},
		{0x1p-1022, -37.5193793471445},
	}
	for _, tt := range published {
		t.Run(fmt.Sprintf("Φ⁻¹(%g) is %.17g", tt.p, tt.want), func(t *testing.T) {
			if got := stats.NormalQuantile(tt.p); !near(got, tt.want, 1e-14) {
				t.Errorf("NormalQuantile(%g) = %.17g, want %.17g", tt.p, got, tt.want)
			}
		})
	}
	t.Run("agrees with math.Erfcinv to 1e-13 from 0.001 to 0.999", func(t *testing.T) {
		// math.Erfcinv(x) is Erfinv(1-x), which loses digits for small x,
		// so it is a reference only away from the far tails.
		for i := 1; i < 1000; i++ {
			p := float64(i) / 1000
			want := -math.Sqrt2 * math.Erfcinv(2*p)
			if got := stats.NormalQuantile(p); !near(got, want, 1e-13) {
				t.Errorf("NormalQuantile(%g) = %.17g, want %.17g", p, got, want)
			}
		}
	})
	t.Run("is odd about one half", func(t *testing.T) {
		for _, p := range []float64{1e-300, 1e-20, 1e-3, 0.02, 0.1, 0.4} {
			if lo, hi := stats.NormalQuantile(p), stats.NormalQuantile(1-p); !near(hi, -stats.NormalQuantile(1-(1-p)), 1e-15) || lo >= 0 {
				t.Errorf("NormalQuantile(%g) = %g, NormalQuantile(1-%g) = %g", p, lo, p, hi)
			}
		}
	})
	edges := []struct {
		name    string
		p, want float64
	}{
		{"p=0 is -Inf", 0, math.Inf(-1)},
		{"p=1 is +Inf", 1, math.Inf(1)},
		{"p=0.5 is 0", 0.5, 0},
		{"NaN p is NaN", math.NaN(), math.NaN()},
		{"negative p is NaN", -1e-9, math.NaN()},
		{"p above 1 is NaN", 1.5, math.NaN()},
		{"the smallest subnormal p is within 1e-8", 5e-324, -38.467405617144346},
	}
	for _, tt := range edges {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.NormalQuantile(tt.p)
			if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && !near(got, tt.want, 1e-8)) {
				t.Errorf("NormalQuantile(%g) = %.17g, want %.17g", tt.p, got, tt.want)
			}
		})
	}
}

func TestWilson(t *testing.T) {
	tests := []struct {
		name          string
		yes, n        int64
		z             float64
		low, high     float64
		checkBruteSet bool
	}{
		// 7 of 10 at 95%: (0.3968, 0.8922) as published; more digits
		// from the closed form in 40-digit arithmetic.
		{"7 of 10 is (0.39678, 0.89221)", 7, 10, z95, 0.396778147461145, 0.892208732593699, true},
		{"50 of 100 is symmetric around one half", 50, 100, z95, 0.403831530365996, 0.596168469634004, true},
		{"1 of 3 is (0.0615, 0.7923)", 1, 3, z95, 0.0614919447203962, 0.792340399197952, true},
		{"0 of 10 starts at 0", 0, 10, z95, 0, 0.277532799862889, true},
		{"10 of 10 ends at 1", 10, 10, z95, 0.722467200137111, 1, true},
		{"1 of 1 is (0.2065, 1)", 1, 1, z95, 0.206549314377237, 1, true},
		{"0 of 1 is (0, 0.7935)", 0, 1, z95, 0, 0.793450685622763, true},
		{"negative z is read as |z|", 7, 10, -z95, 0.396778147461145, 0.892208732593699, false},
		{"no trials is (0, 1)", 0, 0, z95, 0, 1, false},
		{"negative trials is (0, 1)", 3, -5, z95, 0, 1, false},
		{"more yes than trials is clamped to all yes", 12, 10, z95, 0.722467200137111, 1, false},
		{"negative yes is clamped to none", -2, 10, z95, 0, 0.277532799862889, false},
		{"z=0 is the share itself", 7, 10, 0, 0.7, 0.7, false},
		{"z=0 with no yes is zero", 0, 10, 0, 0, 0, false},
		{"infinite z is (0, 1)", 7, 10, math.Inf(1), 0, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			low, high := stats.Wilson(tt.yes, tt.n, tt.z)
			if !near(low, tt.low, 1e-12) || !near(high, tt.high, 1e-12) {
				t.Errorf("Wilson(%d, %d, %g) = (%.15g, %.15g), want (%.15g, %.15g)", tt.yes, tt.n, tt.z, low, high, tt.low, tt.high)
			}
			if tt.checkBruteSet {
				bl, bh := wilsonBruteForce(tt.yes, tt.n, tt.z)
				if !near(low, bl, 1e-12) || !near(high, bh, 1e-12) {
					t.Errorf("Wilson(%d, %d) = (%.15g, %.15g), score test by bisection gives (%.15g, %.15g)", tt.yes, tt.n, low, high, bl, bh)
				}
			}
		})
	}
	t.Run("NaN z gives NaN bounds", func(t *testing.T) {
		if low, high := stats.Wilson(7, 10, math.NaN()); !math.IsNaN(low) || !math.IsNaN(high) {
			t.Errorf("Wilson(7, 10, NaN) = (%g, %g)", low, high)
		}
	})
	t.Run("agrees with the score test and contains the share for every yes up to n=60", func(t *testing.T) {
		for n := int64(1); n <= 60; n++ {
			for yes := int64(0); yes <= n; yes++ {
				low, high := stats.Wilson(yes, n, z95)
				bl, bh := wilsonBruteForce(yes, n, z95)
				share := float64(yes) / float64(n)
				if !near(low, bl, 1e-12) || !near(high, bh, 1e-12) || !(0 <= low && low <= share && share <= high && high <= 1) {
					t.Fatalf("Wilson(%d, %d) = (%.15g, %.15g), score test gives (%.15g, %.15g)", yes, n, low, high, bl, bh)
				}
			}
		}
	})
	t.Run("a billion trials keep precision", func(t *testing.T) {
		yes, n := int64(3), int64(1e9)
		low, high := stats.Wilson(yes, n, z95)
		bl, bh := wilsonBruteForce(yes, n, z95)
		if !near(low/bl, 1, 1e-9) || !near(high/bh, 1, 1e-9) {
			t.Errorf("Wilson(3, 1e9) = (%.15g, %.15g), want (%.15g, %.15g)", low, high, bl, bh)
		}
	})
}

func TestWilsonLowerBound(t *testing.T) {
	tests := []struct {
		name   string
		yes, n int64
		want   float64
	}{
		{"7 of 10 is the Wilson low bound", 7, 10, 0.396778147461145},
		{"no answers rank at 0", 0, 0, 0},
		{"no yes rank at 0", 0, 25, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stats.WilsonLowerBound(tt.yes, tt.n, z95); !near(got, tt.want, 1e-12) {
				t.Errorf("WilsonLowerBound(%d, %d) = %.15g, want %.15g", tt.yes, tt.n, got, tt.want)
			}
		})
	}
	t.Run("90 of 100 outranks 9 of 10 and 1 of 1", func(t *testing.T) {
		many, few, one := stats.WilsonLowerBound(90, 100, z95), stats.WilsonLowerBound(9, 10, z95), stats.WilsonLowerBound(1, 1, z95)
		if !(many > few && few > one) {
			t.Errorf("lower bounds 90/100 = %g, 9/10 = %g, 1/1 = %g", many, few, one)
		}
	})
}

func TestBayesianAverage(t *testing.T) {
	tests := []struct {
		name                   string
		mean                   float64
		n                      int64
		priorMean, priorWeight float64
		want                   float64
	}{
		{"equal weights meet halfway", 4, 10, 3, 10, 3.5},
		{"v/(v+m)R + m/(v+m)C", 9, 3, 5, 1, 0.75*9 + 0.25*5},
		{"many answers dominate the prior", 8, 1_000_000, 5, 10, (8e6 + 50) / (1e6 + 10)},
		{"no answers give the prior", math.NaN(), 0, 5.5, 10, 5.5},
		{"negative answers give the prior", 7, -3, 5.5, 10, 5.5},
		{"no prior weight gives the mean", 7, 3, 5.5, 0, 7},
		{"negative prior weight reads as 0", 7, 3, 5.5, -4, 7},
		{"no answers and no prior weight give the prior", 7, 0, 5.5, 0, 5.5},
		{"infinite prior weight gives the prior", 7, 3, 5.5, math.Inf(1), 5.5},
		{"NaN prior weight is NaN", 7, 3, 5.5, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.BayesianAverage(tt.mean, tt.n, tt.priorMean, tt.priorWeight)
			if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && !near(got, tt.want, 1e-15)) {
				t.Errorf("BayesianAverage(%g, %d, %g, %g) = %.17g, want %.17g", tt.mean, tt.n, tt.priorMean, tt.priorWeight, got, tt.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		x      float64
		want   float64
	}{
		{"empty slice is 0", nil, 3, 0},
		{"below everything is 0", []float64{1, 2, 3, 4}, 0.5, 0},
		{"above everything is 100", []float64{1, 2, 3, 4}, 9, 100},
		{"between values counts those below", []float64{1, 2, 3, 4}, 2.5, 50},
		{"a tie counts half", []float64{1, 2, 3, 4}, 2, 37.5},
		{"ties at the bottom count half", []float64{1, 1, 3, 4}, 1, 25},
		{"all equal is 50", []float64{7, 7, 7}, 7, 50},
		{"single value tie is 50", []float64{7}, 7, 50},
		{"ties in the middle", []float64{1, 2, 2, 2, 5}, 2, 100 * (1 + 1.5) / 5},
		{"the maximum counts half of itself", []float64{1, 2, 3, 4}, 4, 87.5},
		{"negative infinity is 0", []float64{1, 2}, math.Inf(-1), 0},
		{"NaN x is NaN", []float64{1, 2}, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.Percentile(tt.sorted, tt.x)
			if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && !near(got, tt.want, 1e-12)) {
				t.Errorf("Percentile(%v, %g) = %g, want %g", tt.sorted, tt.x, got, tt.want)
			}
		})
	}
	t.Run("agrees with counting for every x", func(t *testing.T) {
		sorted := []float64{-3, 0, 0, 1.5, 2, 2, 2, 8, 9, 9}
		for x := -4.0; x <= 10; x += 0.5 {
			var below, ties float64
			for _, v := range sorted {
				if v < x {
					below++
				} else if v == x {
					ties++
				}
			}
			if got, want := stats.Percentile(sorted, x), 100*(below+ties/2)/float64(len(sorted)); !near(got, want, 1e-12) {
				t.Errorf("Percentile(%g) = %g, want %g", x, got, want)
			}
		}
	})
}

func ptr(f float64) *float64 { return &f }

// expect is an expected Summary; nil pointers must be nil.
type expect struct {
	count            int64
	mean, median, sd *float64
	low, high        *float64 // interval
	iv               bool     // an interval whose bounds other tests check (see intervals_test.go)
	share            *float64
	histogram        []stats.Bucket
}

func checkSummary(t *testing.T, got stats.Summary, w expect) {
	t.Helper()
	if got.Count != w.count {
		t.Errorf("Count = %d, want %d", got.Count, w.count)
	}
	field := func(name string, g, w *float64) {
		t.Helper()
		switch {
		case (g == nil) != (w == nil):
			t.Errorf("%s = %v, want %v", name, fmtPtr(g), fmtPtr(w))
		case g != nil && !near(*g, *w, 1e-9):
			t.Errorf("%s = %.15g, want %.15g", name, *g, *w)
		}
	}
	field("Mean", got.Mean, w.mean)
	field("Median", got.Median, w.median)
	field("StdDev", got.StdDev, w.sd)
	field("YesShare", got.YesShare, w.share)
	if w.iv {
		if got.Interval == nil || got.Interval.Level != 0.95 {
			t.Errorf("Interval = %+v, want one", got.Interval)
		}
	} else if (got.Interval == nil) != (w.low == nil) {
		t.Errorf("Interval = %+v, want low %v high %v", got.Interval, fmtPtr(w.low), fmtPtr(w.high))
	} else if got.Interval != nil {
		field("Interval.Low", &got.Interval.Low, w.low)
		field("Interval.High", &got.Interval.High, w.high)
		if got.Interval.Level != 0.95 {
			t.Errorf("Interval.Level = %g, want 0.95", got.Interval.Level)
		}
	}
	if !slices.Equal(got.Histogram, w.histogram) {
		t.Errorf("Histogram = %v, want %v", got.Histogram, w.histogram)
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func TestSummarizeNumbers(t *testing.T) {
	tests := []struct {
		name   string
		kind   stats.Kind
		values []int
		want   expect
	}{
		{
			name:   "ages 20 30 40 give mean 30, median 30, sd 10, 30 ± t·10/√3",
			kind:   stats.Number,
			values: []int{40, 20, 30},
			want: expect{
				count: 3, mean: ptr(30), median: ptr(30), sd: ptr(10),
				iv:        true,
				histogram: []stats.Bucket{{20, 1}, {30, 1}, {40, 1}},
			},
		},
		{
			name:   "even count 1 2 3 4 has median 2.5",
			kind:   stats.Scale,
			values: []int{4, 1, 3, 2},
			want: expect{
				count: 4, mean: ptr(2.5), median: ptr(2.5), sd: ptr(math.Sqrt(5.0 / 3)),
				iv:        true,
				histogram: []stats.Bucket{{1, 1}, {2, 1}, {3, 1}, {4, 1}},
			},
		},
		{
			name:   "even count with repeated middles 5 5 7 7 has median 6",
			kind:   stats.Scale,
			values: []int{7, 5, 7, 5},
			want: expect{
				count: 4, mean: ptr(6), median: ptr(6), sd: ptr(math.Sqrt(4.0 / 3)),
				iv:        true,
				histogram: []stats.Bucket{{5, 2}, {7, 2}},
			},
		},
		{
			name:   "even count whose middle pair shares a bucket has that value",
			kind:   stats.Scale,
			values: []int{1, 3, 3, 10},
			want: expect{
				count: 4, mean: ptr(4.25), median: ptr(3), sd: ptr(math.Sqrt(46.75 / 3)),
				iv:        true,
				histogram: []stats.Bucket{{1, 1}, {3, 2}, {10, 1}},
			},
		},
		{
			name:   "single answer has mean, median and interval but no sd",
			kind:   stats.Number,
			values: []int{42},
			want:   expect{count: 1, mean: ptr(42), median: ptr(42), iv: true, histogram: []stats.Bucket{{42, 1}}},
		},
		{
			name:   "zero answers have nothing but the count",
			kind:   stats.Number,
			values: nil,
			want:   expect{count: 0},
		},
		{
			name:   "identical answers have sd 0 but an interval of positive width",
			kind:   stats.Scale,
			values: []int{8, 8},
			want: expect{
				count: 2, mean: ptr(8), median: ptr(8), sd: ptr(0), iv: true,
				histogram: []stats.Bucket{{8, 2}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.Summarize(tt.kind, aggregateOf(tt.values...), rangeFor(tt.kind))
			checkSummary(t, got, tt.want)
			checkInvariants(t, tt.kind, rangeFor(tt.kind), got)
			if len(tt.values) >= 2 {
				// The hand-computed expectations agree with the textbook.
				mean, median, sd := bruteForce(tt.values)
				if !near(*tt.want.mean, mean, 1e-12) || !near(*tt.want.median, median, 0) || !near(*tt.want.sd, sd, 1e-12) {
					t.Errorf("expectation (%g, %g, %g) disagrees with brute force (%g, %g, %g)",
						*tt.want.mean, *tt.want.median, *tt.want.sd, mean, median, sd)
				}
			}
		})
	}
}

func TestSummarizeBigCounts(t *testing.T) {
	t.Run("a million answers of 100 have sd exactly 0", func(t *testing.T) {
		got := stats.Summarize(stats.Number, stats.Aggregate{
			Count: 1e6, Sum: 1e8, SumSq: 1e10, Histogram: map[int]int64{100: 1e6},
		}, rangeFor(stats.Number))
		checkInvariants(t, stats.Number, rangeFor(stats.Number), got)
		checkSummary(t, got, expect{
			count: 1e6, mean: ptr(100), median: ptr(100), sd: ptr(0), iv: true,
			histogram: []stats.Bucket{{100, 1e6}},
		})
		if *got.StdDev != 0 {
			t.Errorf("StdDev = %g, want exactly 0", *got.StdDev)
		}
	})
	t.Run("three billion answers of 100 overflow int64 products but not the result", func(t *testing.T) {
		// n·SumSq = 9e22 needs math/big.
		got := stats.Summarize(stats.Number, stats.Aggregate{
			Count: 3e9, Sum: 3e11, SumSq: 3e13, Histogram: map[int]int64{100: 3e9},
		}, rangeFor(stats.Number))
		checkInvariants(t, stats.Number, rangeFor(stats.Number), got)
		checkSummary(t, got, expect{
			count: 3e9, mean: ptr(100), median: ptr(100), sd: ptr(0), iv: true,
			histogram: []stats.Bucket{{100, 3e9}},
		})
	})
	t.Run("two billion answers half 1 half 100 have sd 49.5·√(n/(n-1))", func(t *testing.T) {
		const n = 2e9
		got := stats.Summarize(stats.Number, stats.Aggregate{
			Count: n, Sum: 1e9 + 1e11, SumSq: 1e9 + 1e13, Histogram: map[int]int64{1: 1e9, 100: 1e9},
		}, rangeFor(stats.Number))
		sd := 49.5 * math.Sqrt(n/(n-1))
		checkSummary(t, got, expect{
			count: n, mean: ptr(50.5), median: ptr(50.5), sd: ptr(sd), iv: true,
			histogram: []stats.Bucket{{1, 1e9}, {100, 1e9}},
		})
		// The posterior is nearly normal: mean ± z·sd/√(n+2) or so.
		if half, want := (got.Interval.High-got.Interval.Low)/2, z95*49.5/math.Sqrt(n); !near(half, want, 1e-6) || !near(got.Interval.Low+half, 50.5, 1e-9) {
			t.Errorf("Interval %+v, want about 50.5 ± %g", *got.Interval, want)
		}
	})
	t.Run("a sum of squares that would cancel in float64 keeps its tiny variance", func(t *testing.T) {
		// 1e6 answers of 1e6 and one of 1e6+1: the float64 formula
		// (SumSq - Sum²/n)/(n-1) loses every digit here.
		const n, v = 1_000_001, 1_000_000
		a := stats.Aggregate{
			Count: n, Sum: (n-1)*v + v + 1, SumSq: (n-1)*v*v + (v+1)*(v+1),
			Histogram: map[int]int64{v: n - 1, v + 1: 1},
		}
		got := stats.Summarize(stats.Number, a, nil)
		// Exactly: variance = (n·SumSq - Sum²)/(n(n-1)) = (n-1)/(n(n-1)) = 1/n.
		if want := math.Sqrt(1.0 / n); got.StdDev == nil || !near(*got.StdDev, want, 1e-12) {
			t.Errorf("StdDev = %v, want %.15g", fmtPtr(got.StdDev), want)
		}
		if want := float64(v) + 1.0/n; !near(*got.Mean, want, 1e-15) {
			t.Errorf("Mean = %.17g, want %.17g", *got.Mean, want)
		}
	})
}

func TestSummarizeYesNo(t *testing.T) {
	tests := []struct {
		name   string
		values []int
		want   expect
	}{
		{
			name:   "7 yes of 10 is share 0.7 with Jeffreys (0.3942, 0.9073)",
			values: []int{1, 1, 0, 1, 1, 0, 1, 1, 0, 1},
			want: expect{
				count: 10, share: ptr(0.7), low: ptr(0.39418168185132874), high: ptr(0.9073054060618468),
				histogram: []stats.Bucket{{0, 3}, {1, 7}},
			},
		},
		{
			name:   "a single yes is share 1 with Jeffreys (0.1467, 0.9996)",
			values: []int{1},
			want: expect{
				count: 1, share: ptr(1), low: ptr(0.1467463163095752), high: ptr(0.9996144190192441),
				histogram: []stats.Bucket{{1, 1}},
			},
		},
		{
			name:   "all no is share 0 with the interval starting just above 0",
			values: []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			want: expect{
				count: 10, share: ptr(0), low: ptr(4.789043315758196e-05), high: ptr(0.21719626750921053),
				histogram: []stats.Bucket{{0, 10}},
			},
		},
		{
			name:   "zero answers have nothing but the count",
			values: nil,
			want:   expect{count: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.Summarize(stats.YesNo, aggregateOf(tt.values...), nil)
			checkSummary(t, got, tt.want)
			checkInvariants(t, stats.YesNo, nil, got)
			// As stored: no histogram rows for YES_NO, only count and sum.
			stored := aggregateOf(tt.values...)
			stored.Histogram = nil
			got = stats.Summarize(stats.YesNo, stored, nil)
			checkSummary(t, got, tt.want)
		})
	}
	t.Run("a million yes of two million is 0.5 ± 0.000693", func(t *testing.T) {
		got := stats.Summarize(stats.YesNo, stats.Aggregate{Count: 2e6, Sum: 1e6, SumSq: 1e6, Histogram: map[int]int64{0: 1e6, 1: 1e6}}, nil)
		half := z95 * 0.5 / math.Sqrt(2e6+2) // Beta(a, a): variance 1/(4(2a+1))
		checkSummary(t, got, expect{count: 2e6, share: ptr(0.5), low: ptr(0.5 - half), high: ptr(0.5 + half), histogram: []stats.Bucket{{0, 1e6}, {1, 1e6}}})
	})
}

func TestSummarizeOtherKinds(t *testing.T) {
	tests := []struct {
		name string
		kind stats.Kind
	}{
		{"WORD has only the count", stats.Word},
		{"an unknown kind has only the count", stats.Kind("COLOUR")},
		{"an empty kind has only the count", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.Summarize(tt.kind, aggregateOf(3, 1, 4, 1, 5), &stats.Range{Min: 1, Max: 10})
			checkSummary(t, got, expect{count: 5})
		})
	}
}

func TestSummarizeInconsistentAggregates(t *testing.T) {
	tests := []struct {
		name string
		kind stats.Kind
		agg  stats.Aggregate
		want expect
	}{
		{
			name: "histogram total above Count: mean from Sum, median from histogram",
			kind: stats.Number,
			agg:  stats.Aggregate{Count: 2, Sum: 60, SumSq: 2000, Histogram: map[int]int64{20: 1, 40: 1, 90: 1}},
			want: expect{
				count: 2, mean: ptr(30), median: ptr(40), sd: ptr(math.Sqrt(200)), iv: true,
				histogram: []stats.Bucket{{20, 1}, {40, 1}, {90, 1}},
			},
		},
		{
			name: "empty histogram with answers: no median",
			kind: stats.Scale,
			agg:  stats.Aggregate{Count: 1, Sum: 7, SumSq: 49},
			want: expect{count: 1, mean: ptr(7), iv: true},
		},
		{
			name: "SumSq too small for Sum: sd 0, not NaN",
			kind: stats.Scale,
			agg:  stats.Aggregate{Count: 2, Sum: 10, SumSq: 1, Histogram: map[int]int64{5: 2}},
			want: expect{count: 2, mean: ptr(5), median: ptr(5), sd: ptr(0), iv: true, histogram: []stats.Bucket{{5, 2}}},
		},
		{
			name: "negative SumSq: sd 0; a mean below the range: an interval at its bottom",
			kind: stats.Number,
			agg:  stats.Aggregate{Count: 2, Sum: -10, SumSq: -1},
			want: expect{count: 2, mean: ptr(-5), sd: ptr(0), iv: true},
		},
		{
			name: "negative Count reads as no answers",
			kind: stats.Number,
			agg:  stats.Aggregate{Count: -3, Sum: 10, SumSq: 100, Histogram: map[int]int64{10: 1}},
			want: expect{count: 0, histogram: []stats.Bucket{{10, 1}}},
		},
		{
			name: "zero and negative buckets are dropped",
			kind: stats.Scale,
			agg:  stats.Aggregate{Count: 3, Sum: 6, SumSq: 12, Histogram: map[int]int64{1: 0, 2: 3, 9: -4}},
			want: expect{count: 3, mean: ptr(2), median: ptr(2), sd: ptr(0), iv: true, histogram: []stats.Bucket{{2, 3}}},
		},
		{
			name: "histogram total overflowing int64: no median",
			kind: stats.Number,
			agg:  stats.Aggregate{Count: 1, Sum: 1, SumSq: 1, Histogram: map[int]int64{1: math.MaxInt64, 2: math.MaxInt64}},
			want: expect{count: 1, mean: ptr(1), iv: true, histogram: []stats.Bucket{{1, math.MaxInt64}, {2, math.MaxInt64}}},
		},
		{
			name: "YES_NO Sum above Count is clamped to share 1",
			kind: stats.YesNo,
			agg:  stats.Aggregate{Count: 10, Sum: 12, SumSq: 12, Histogram: map[int]int64{1: 10}},
			want: expect{count: 10, share: ptr(1), low: ptr(0.7828037324907895), high: ptr(0.9999521095668424), histogram: []stats.Bucket{{1, 10}}},
		},
		{
			name: "YES_NO negative Sum is clamped to share 0",
			kind: stats.YesNo,
			agg:  stats.Aggregate{Count: 10, Sum: -1},
			want: expect{count: 10, share: ptr(0), low: ptr(4.789043315758196e-05), high: ptr(0.21719626750921053), histogram: []stats.Bucket{{0, 10}}},
		},
		{
			name: "YES_NO histogram is Count - Sum and Sum, whatever histogram it is given",
			kind: stats.YesNo,
			agg:  stats.Aggregate{Count: 10, Sum: 7, SumSq: 7, Histogram: map[int]int64{0: 1, 1: 2, 2: 5, -1: 1}},
			want: expect{count: 10, share: ptr(0.7), low: ptr(0.39418168185132874), high: ptr(0.9073054060618468), histogram: []stats.Bucket{{0, 3}, {1, 7}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.Summarize(tt.kind, tt.agg, rangeFor(tt.kind))
			checkSummary(t, got, tt.want)
			checkInvariants(t, tt.kind, rangeFor(tt.kind), got)
		})
	}
	t.Run("extreme int64 aggregates stay finite", func(t *testing.T) {
		for _, kind := range []stats.Kind{stats.Number, stats.Scale, stats.YesNo} {
			for _, a := range []stats.Aggregate{
				{Count: math.MaxInt64, Sum: math.MaxInt64, SumSq: math.MaxInt64},
				{Count: math.MaxInt64, Sum: math.MinInt64, SumSq: math.MinInt64},
				{Count: 2, Sum: math.MinInt64, SumSq: math.MaxInt64},
				{Count: 2, Sum: math.MaxInt64, SumSq: math.MaxInt64},
				{Count: 3, Sum: 0, SumSq: math.MaxInt64, Histogram: map[int]int64{math.MinInt: 1, math.MaxInt: 2}},
			} {
				checkInvariants(t, kind, nil, stats.Summarize(kind, a, nil))
				checkInvariants(t, kind, rangeFor(kind), stats.Summarize(kind, a, rangeFor(kind)))
			}
		}
	})
}

// rangeFor is the range the tests give each kind: ages 1..100, scales 1..10.
func rangeFor(kind stats.Kind) *stats.Range {
	switch kind {
	case stats.Number:
		return &stats.Range{Min: 1, Max: 100}
	case stats.Scale:
		return &stats.Range{Min: 1, Max: 10}
	}
	return nil
}

// checkInvariants checks what must hold for any Summary of a question of
// the given kind and range (nil: none).
func checkInvariants(t *testing.T, kind stats.Kind, r *stats.Range, s stats.Summary) {
	t.Helper()
	for name, p := range map[string]*float64{"Mean": s.Mean, "Median": s.Median, "StdDev": s.StdDev, "YesShare": s.YesShare} {
		if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
			t.Fatalf("%s %s = %g", kind, name, *p)
		}
	}
	if s.Count < 0 {
		t.Fatalf("%s Count = %d", kind, s.Count)
	}
	if s.StdDev != nil && *s.StdDev < 0 {
		t.Fatalf("%s StdDev = %g", kind, *s.StdDev)
	}
	if iv := s.Interval; iv != nil {
		if math.IsNaN(iv.Low) || math.IsNaN(iv.High) || math.IsInf(iv.Low, 0) || math.IsInf(iv.High, 0) || iv.Level != 0.95 {
			t.Fatalf("%s Interval = %+v", kind, *iv)
		}
		if kind == stats.YesNo && !(0 <= iv.Low && iv.Low < iv.High && iv.High <= 1) {
			t.Fatalf("%s Interval %+v is not inside [0, 1] with positive width", kind, *iv)
		}
		if r != nil && kind != stats.YesNo && !(float64(r.Min) <= iv.Low && iv.Low < iv.High && iv.High <= float64(r.Max)) {
			t.Fatalf("%s Interval %+v is not inside %+v with positive width", kind, *iv, *r)
		}
		if !(iv.Low <= iv.High) {
			t.Fatalf("%s Interval %+v is reversed", kind, *iv)
		}
	}
	if s.YesShare != nil && !(0 <= *s.YesShare && *s.YesShare <= 1) {
		t.Fatalf("%s YesShare = %g", kind, *s.YesShare)
	}
	for i, b := range s.Histogram {
		if b.Count <= 0 || i > 0 && b.Value <= s.Histogram[i-1].Value {
			t.Fatalf("%s Histogram = %v", kind, s.Histogram)
		}
	}
}

var fuzzKinds = []stats.Kind{stats.Number, stats.Scale, stats.YesNo, stats.Word}

// FuzzSummarize summarizes a consistent aggregate built from a random list
// of answers, each repeated `repeat` times, and checks the invariants and
// agreement with brute force.
func FuzzSummarize(f *testing.F) {
	f.Add(uint8(0), []byte{19, 29, 39}, uint16(0))
	f.Add(uint8(1), []byte{0, 1, 2, 3}, uint16(1))
	f.Add(uint8(2), []byte{1, 1, 0, 1, 1, 0, 1, 1, 0, 1}, uint16(0))
	f.Add(uint8(2), []byte{0}, uint16(999))
	f.Add(uint8(3), []byte("hello"), uint16(3))
	f.Add(uint8(0), []byte{99}, uint16(999))
	f.Add(uint8(0), []byte{}, uint16(0))
	f.Fuzz(func(t *testing.T, k uint8, raw []byte, repeat uint16) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		r := int64(repeat%1000) + 1
		values := make([]int, len(raw))
		for i, b := range raw {
			switch kind {
			case stats.Number:
				values[i] = 1 + int(b)%100
			case stats.Scale:
				values[i] = 1 + int(b)%10
			case stats.YesNo:
				values[i] = int(b) % 2
			default:
				values[i] = int(b)
			}
		}
		a := stats.Aggregate{Histogram: map[int]int64{}}
		for _, v := range values {
			a.Count += r
			a.Sum += r * int64(v)
			a.SumSq += r * int64(v) * int64(v)
			a.Histogram[v] += r
		}
		s := stats.Summarize(kind, a, rangeFor(kind))
		checkInvariants(t, kind, rangeFor(kind), s)
		n := a.Count
		if s.Count != n {
			t.Fatalf("Count = %d, want %d", s.Count, n)
		}
		numeric := kind == stats.Number || kind == stats.Scale
		if got, want := s.Mean != nil, numeric && n >= 1; got != want {
			t.Fatalf("Mean set %v, want %v", got, want)
		}
		if got, want := s.Median != nil, numeric && n >= 1; got != want {
			t.Fatalf("Median set %v, want %v", got, want)
		}
		if got, want := s.StdDev != nil, numeric && n >= 2; got != want {
			t.Fatalf("StdDev set %v, want %v", got, want)
		}
		if got, want := s.YesShare != nil, kind == stats.YesNo && n >= 1; got != want {
			t.Fatalf("YesShare set %v, want %v", got, want)
		}
		if got, want := s.Interval != nil, (numeric || kind == stats.YesNo) && n >= 1; got != want {
			t.Fatalf("Interval set %v, want %v", got, want)
		}
		var total int64
		for _, b := range s.Histogram {
			total += b.Count
		}
		if kind != stats.Word && total != n {
			t.Fatalf("Histogram %v totals %d, want %d", s.Histogram, total, n)
		}
		if n == 0 {
			return
		}
		sorted := slices.Clone(values)
		slices.Sort(sorted)
		// Brute force over the list repeated r times: mean and sd by two
		// passes, the median by rank (rank i of the repeated list is
		// sorted[i/r]).
		var mean, ss float64
		for _, v := range values {
			mean += float64(v)
		}
		mean /= float64(len(values))
		for _, v := range values {
			ss += float64(r) * (float64(v) - mean) * (float64(v) - mean)
		}
		median := float64(sorted[((n-1)/2)/r]+sorted[(n/2)/r]) / 2
		if numeric {
			if !near(*s.Mean, mean, 1e-12) || *s.Mean < float64(sorted[0]) || *s.Mean > float64(sorted[len(sorted)-1]) {
				t.Fatalf("Mean = %.17g, want %.17g", *s.Mean, mean)
			}
			if *s.Median != median {
				t.Fatalf("Median = %g, want %g", *s.Median, median)
			}
			if n >= 2 {
				if sd := math.Sqrt(ss / float64(n-1)); !near(*s.StdDev, sd, 1e-9) {
					t.Fatalf("StdDev = %.17g, want %.17g", *s.StdDev, sd)
				}
			}
		}
		if kind == stats.YesNo && !near(*s.YesShare, mean, 1e-12) {
			t.Fatalf("YesShare = %.17g, want %.17g", *s.YesShare, mean)
		}
	})
}

// FuzzSummarizeArbitrary feeds aggregates that need not be consistent:
// Summarize must neither panic nor produce NaN, and keep its invariants.
func FuzzSummarizeArbitrary(f *testing.F) {
	f.Add(uint8(0), int64(3), int64(90), int64(2900), 30, int64(3), 40, int64(1))
	f.Add(uint8(2), int64(10), int64(12), int64(-5), 1, int64(-3), 0, int64(math.MaxInt64))
	f.Add(uint8(1), int64(math.MaxInt64), int64(math.MinInt64), int64(math.MaxInt64), 0, int64(0), 0, int64(0))
	f.Add(uint8(4), int64(2), int64(20), int64(200), 10, int64(2), 0, int64(0))
	f.Fuzz(func(t *testing.T, k uint8, count, sum, sumSq int64, v1 int, c1 int64, v2 int, c2 int64) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		var r *stats.Range
		if k&4 != 0 { // half the time the question's own range, half none
			r = rangeFor(kind)
		}
		s := stats.Summarize(kind, stats.Aggregate{Count: count, Sum: sum, SumSq: sumSq, Histogram: map[int]int64{v1: c1, v2: c2}}, r)
		checkInvariants(t, kind, r, s)
		if kind == stats.YesNo {
			// Its histogram is made of Count and the clamped Sum, whatever
			// histogram it was given.
			n := max(count, 0)
			yes := min(max(sum, 0), n)
			var want []stats.Bucket
			for _, b := range []stats.Bucket{{Value: 0, Count: n - yes}, {Value: 1, Count: yes}} {
				if b.Count > 0 {
					want = append(want, b)
				}
			}
			if !slices.Equal(s.Histogram, want) {
				t.Fatalf("YES_NO count %d sum %d: histogram %v, want %v", count, sum, s.Histogram, want)
			}
		}
	})
}

func BenchmarkSummarize(b *testing.B) {
	a := aggregateOf(20, 25, 25, 30, 31, 33, 40, 41, 45, 60)
	for b.Loop() {
		stats.Summarize(stats.Number, a, rangeFor(stats.Number))
	}
}

// BenchmarkBetaQuantile: the bounds of a yes/no question's interval (both
// tails), as a results read computes them for each such question.
func BenchmarkBetaQuantile(b *testing.B) {
	for b.Loop() {
		stats.BetaQuantile(0.025, 412.5, 96.5)
		stats.BetaQuantile(0.975, 412.5, 96.5)
	}
}
