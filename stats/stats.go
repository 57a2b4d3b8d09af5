// Package stats turns the running aggregates FaceStat keeps per (photo,
// question) into honest statistics: mean, median, sample standard deviation,
// credible intervals and shares, in O(1) (or O(histogram)) per request.
//
// Everything here is pure arithmetic on its arguments: no I/O, no global
// state, safe for concurrent use, and no function panics, whatever the
// input (an inconsistent aggregate yields the statistics that can still be
// trusted, never NaN in a Summary).
package stats

import (
	"math"
	"math/big"
	"math/bits"
	"sort"
)

// Kind is a question's kind. It decides which statistics a Summary holds.
// The values are the question kinds of the database schema.
type Kind string

// The question kinds.
const (
	// Number is a free integer answer, e.g. an age guess 1..100.
	Number Kind = "NUMBER"
	// Scale is an integer rating on a fixed scale, 1..10.
	Scale Kind = "SCALE"
	// YesNo is a yes/no answer, stored as 1 (yes) or 0 (no).
	YesNo Kind = "YES_NO"
	// Word is a one-word answer; it has no numeric statistics.
	Word Kind = "WORD"
)

// Level is the credibility level of the intervals Summarize computes.
const Level = 0.95

// Aggregate is what is stored per (photo, question) and updated by deltas
// inside the vote transaction. For a consistent aggregate Count equals the
// number of answers, Sum and SumSq their sum and sum of squares, and the
// Histogram counts add up to Count. Summarize tolerates inconsistent ones.
type Aggregate struct {
	// Count is the number of answers.
	Count int64
	// Sum is the sum of the answer values (YES_NO: yes = 1, no = 0).
	Sum int64
	// SumSq is the sum of the squared answer values.
	SumSq int64
	// Histogram maps an answer value to the number of answers with that
	// value, for NUMBER and SCALE. It may be nil. A YES_NO aggregate needs
	// none (and none is stored): its two buckets are Count - Sum and Sum.
	Histogram map[int]int64
	// Weighted is what the judge model (package judging/quality) made of
	// the answers, nil until it has weighed them: then Summarize uses the
	// raw answers, every one counting the same.
	Weighted *Weighted `json:"wt,omitempty"`
}

// Weighted is what the judge model made of an aggregate's answers: each
// answer counts as w votes, 0 <= w <= 1 (see docs/STATISTICS.md, "Judges").
type Weighted struct {
	// Weight is Σ w over the answers.
	Weight float64 `json:"w"`
	// NEff is the effective number of answers, min(Kish's (Σw)²/Σw², Σw):
	// what the interval and Rank count. 0 when no answer counts.
	NEff float64 `json:"e"`
	// Mean is Σ w x / Σ w (YES_NO: the weighted share of yes).
	Mean float64 `json:"m"`
	// MeanSq is Σ w x² / Σ w.
	MeanSq float64 `json:"s"`
	// Adjusted is the figure after removing the judges' habitual offsets:
	// NUMBER, SCALE: the weighted mean of (answer − the judge's offset),
	// clamped to the range; YES_NO: the share under the judges' log-odds
	// offsets. Nil when the model has no such figure.
	Adjusted *float64 `json:"a,omitempty"`
}

// Interval is a credible interval [Low, High] at Level (e.g. 0.95): the
// figure lies in it with that posterior probability. Summarize's intervals
// have Low < High inside the question's range.
type Interval struct {
	Low, High, Level float64
}

// Bucket is one histogram bar: Count answers had the value Value.
type Bucket struct {
	Value int
	Count int64
}

// Summary is what the API shows for one question of one photo. A nil
// pointer means "does not apply to this kind" or "not enough data". No
// field is ever NaN or infinite.
type Summary struct {
	// Count is the number of answers (a negative stored count reads as 0).
	Count int64
	// Mean is the mean answer, Sum/Count, or for a weighted aggregate in
	// which some answer counts the weighted mean Weighted.Mean: NUMBER and
	// SCALE with Count >= 1; nil otherwise.
	Mean *float64
	// Median is the median answer computed from the histogram (for an even
	// number of answers the mean of the two middle values): NUMBER and
	// SCALE with Count >= 1 and a histogram holding at least one answer;
	// nil otherwise.
	Median *float64
	// StdDev is the sample standard deviation (divisor Count-1), computed
	// exactly from Count, Sum and SumSq: NUMBER and SCALE with Count >= 2;
	// nil otherwise.
	StdDev *float64
	// Interval is a 95% credible interval for the mean answer the photo
	// would get from the whole crowd (see docs/STATISTICS.md), inside the
	// range and of positive width. NUMBER and SCALE with Count >= 1: a
	// Dirichlet posterior over the range's values (prior mass PriorMass
	// spread evenly), summarised by the Beta distribution on the range with
	// the same mean and variance (see MeanInterval); a NUMBER question
	// without a range gets the observed one, widened (see observedRange).
	// YES_NO with Count >= 1: the equal-tailed interval of the Jeffreys
	// posterior Beta(yes + 1/2, no + 1/2) for the yes share. A weighted
	// aggregate's counts are effective ones: n = EffectiveCount answers
	// with the weighted mean and variance (yes = n·share). Nil otherwise.
	Interval *Interval
	// YesShare is the share of yes answers in [0, 1], Sum/Count, or the
	// weighted share for a weighted aggregate in which some answer counts:
	// YES_NO with Count >= 1; nil otherwise.
	YesShare *float64
	// Histogram holds the buckets with a positive count, sorted by value:
	// NUMBER, SCALE and YES_NO (only values 0 and 1); nil for WORD, for
	// unknown kinds and when no bucket has a positive count.
	Histogram []Bucket
	// AdjustedMean is the mean after removing the judges' habitual offsets
	// (Weighted.Adjusted clamped into the range): NUMBER and SCALE with a
	// weighted aggregate in which some answer counts; nil otherwise.
	AdjustedMean *float64
	// AdjustedShare is the yes share after removing the judges' habitual
	// log-odds offsets (Weighted.Adjusted clamped into [0, 1]): YES_NO
	// likewise; nil otherwise.
	AdjustedShare *float64
	// EffectiveCount is the number of answers the interval and Rank count:
	// Weighted.NEff for a weighted aggregate (0 when no answer counts),
	// Count otherwise.
	EffectiveCount float64
	// Variance is the population variance of the answers around Mean,
	// weighted for a weighted aggregate (Σ w x²/Σ w − Mean²), which the
	// interval and Rank use: NUMBER and SCALE; 0 otherwise.
	Variance float64
}

// Range is the scale of a NUMBER or SCALE question: its answers are
// integers in [Min, Max], Min < Max.
type Range struct {
	Min, Max int
}

// RangeOf returns the Range [*lo, *hi], or nil when a bound is missing or
// *lo >= *hi (a range Summarize cannot use).
func RangeOf(lo, hi *int) *Range {
	if lo == nil || hi == nil || *lo >= *hi {
		return nil
	}
	return &Range{Min: *lo, Max: *hi}
}

// The weak priors of the credible intervals (see docs/STATISTICS.md).
const (
	// JeffreysPrior is the pseudo-count a YES_NO interval's Beta
	// posterior adds to both yes and no: Beta(yes + 1/2, no + 1/2).
	JeffreysPrior = 0.5
	// PriorMass is the total pseudo-count the Dirichlet posterior of a
	// NUMBER or SCALE interval spreads evenly over the values of the range.
	PriorMass = 1.0
)

// Summarize computes the Summary of aggregate a for a question of the given
// kind whose answers lie in r (NUMBER, SCALE; nil when the question has no
// usable range), at level 0.95 (see Summary for which fields are set when).
//
// A weighted aggregate (a.Weighted set, every field finite) whose NEff is
// positive gives the weighted Mean and YesShare, the AdjustedMean or
// AdjustedShare, and the Interval computed on NEff answers with the weighted
// mean and variance (MeanInterval, ShareInterval); one with NEff 0 (no
// answer counts) gives the raw Mean and YesShare and the interval of no
// answers at all, and EffectiveCount 0, so Rank leaves it out. Count,
// Histogram, Median and StdDev are always the raw answers'.
//
// For an inconsistent aggregate (say a histogram whose total differs from
// Count) it trusts Count, Sum and SumSq for the mean, standard deviation,
// interval and yes share, and the histogram for the median and histogram.
// In particular: a negative Count reads as 0; a variance that would be
// negative reads as 0; a YES_NO Sum outside [0, Count] is clamped into it
// (and its histogram is made of the clamped Sum), and so is a mean outside
// the range for the interval;
// histogram buckets with a count <= 0 are ignored, and if the histogram
// total overflows int64 the median is left nil; a Weighted with a
// non-finite or negative field is ignored. It never panics.
//
// Its cost is O(1) plus O(h log h) for a histogram with h buckets.
func Summarize(kind Kind, a Aggregate, r *Range) Summary {
	n := max(a.Count, 0)
	s := Summary{Count: n, EffectiveCount: float64(n)}
	w := usable(a.Weighted)
	switch kind {
	case Number, Scale:
		s.Histogram = buckets(a.Histogram, nil)
		if n == 0 {
			return s
		}
		mean := meanOf(a.Sum, n)
		if n >= 2 {
			nf := float64(n)
			s.Variance = sampleVariance(n, a.Sum, a.SumSq) * ((nf - 1) / nf)
		}
		if w != nil {
			s.EffectiveCount = w.NEff
			if w.NEff > 0 {
				mean, s.Variance = w.Mean, max(0, w.MeanSq-w.Mean*w.Mean)
			}
		}
		s.Mean = &mean
		if med, ok := median(s.Histogram); ok {
			s.Median = &med
		}
		if r == nil || r.Min >= r.Max {
			r = observedRange(s.Histogram)
		}
		if r != nil {
			s.Interval = MeanInterval(s.EffectiveCount, mean, s.Variance, *r)
			if w != nil && w.NEff > 0 && w.Adjusted != nil {
				adj := min(max(*w.Adjusted, float64(r.Min)), float64(r.Max))
				s.AdjustedMean = &adj
			}
		}
		if n < 2 {
			return s
		}
		sd := math.Sqrt(sampleVariance(n, a.Sum, a.SumSq))
		s.StdDev = &sd
	case YesNo:
		if n == 0 {
			return s
		}
		yes := min(max(a.Sum, 0), n)
		s.Histogram = buckets(map[int]int64{0: n - yes, 1: yes}, nil)
		share := meanOf(yes, n)
		pa, pb := float64(yes), float64(n-yes)
		if w != nil {
			s.EffectiveCount, pa, pb = w.NEff, 0, 0
			if w.NEff > 0 {
				share = min(max(w.Mean, 0), 1)
				pa, pb = w.NEff*share, w.NEff*(1-share)
				if w.Adjusted != nil {
					adj := min(max(*w.Adjusted, 0), 1)
					s.AdjustedShare = &adj
				}
			}
		}
		s.YesShare = &share
		s.Interval = jeffreys(pa, pb)
	}
	return s
}

// usable returns w, or nil when w is nil or has a non-finite or negative
// field (a corrupt cache entry): Summarize then uses the raw answers.
func usable(w *Weighted) *Weighted {
	if w == nil {
		return nil
	}
	fs := []float64{w.Weight, w.NEff, w.Mean, w.MeanSq}
	if w.Adjusted != nil {
		fs = append(fs, *w.Adjusted)
	}
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
	}
	if w.Weight < 0 || w.NEff < 0 || w.MeanSq < 0 {
		return nil
	}
	return w
}

// Rank returns the score top lists and percentiles rank a photo's question
// by, and false when the question has none (WORD, no answer that counts, no
// usable range). The score is the lower end of the 95% credible interval
// of the Summary's figure, taken around the adjusted figure on the
// effective count (s.EffectiveCount):
//
//   - NUMBER, SCALE: MeanInterval(EffectiveCount, AdjustedMean (else Mean),
//     Variance, r).Low, r being the question's range (nil: the observed
//     one, as in Summarize);
//   - YES_NO: ShareInterval(EffectiveCount, AdjustedShare (else
//     YesShare)).Low, the Jeffreys interval on effective counts.
//
// Like the Wilson lower bound it is conservative: a photo with few answers,
// or answers that count little (new judges, one network's burst), ranks low
// until the answers are enough to be sure of a high figure. Without a
// judge model (every answer counting 1) it is Summarize's Interval.Low.
func Rank(kind Kind, s Summary, r *Range) (float64, bool) {
	n := s.EffectiveCount
	if s.Count <= 0 || !(n > 0) || math.IsInf(n, 0) {
		return 0, false
	}
	var iv *Interval
	switch kind {
	case Number, Scale:
		if s.Mean == nil {
			return 0, false
		}
		c := *s.Mean
		if s.AdjustedMean != nil {
			c = *s.AdjustedMean
		}
		if r == nil || r.Min >= r.Max {
			r = observedRange(s.Histogram)
		}
		if r == nil {
			return 0, false
		}
		iv = MeanInterval(n, c, s.Variance, *r)
	case YesNo:
		if s.YesShare == nil {
			return 0, false
		}
		p := *s.YesShare
		if s.AdjustedShare != nil {
			p = *s.AdjustedShare
		}
		iv = ShareInterval(n, p)
	}
	if iv == nil {
		return 0, false
	}
	return iv.Low, true
}

// ShareInterval is the 95% equal-tailed interval of the Jeffreys posterior
// Beta(n·share + 1/2, n·(1−share) + 1/2) for a yes share observed over n
// (possibly effective, non-integer) answers; share is clamped into [0, 1]
// and n < 0 reads as 0. Nil for a NaN or infinite argument.
func ShareInterval(n, share float64) *Interval {
	if math.IsNaN(n) || math.IsInf(n, 0) || math.IsNaN(share) {
		return nil
	}
	n, share = max(n, 0), min(max(share, 0), 1)
	return jeffreys(n*share, n*(1-share))
}

// jeffreys is the interval of Beta(yes + JeffreysPrior, no + JeffreysPrior)
// on [0, 1].
func jeffreys(yes, no float64) *Interval {
	return betaInterval(yes+JeffreysPrior, no+JeffreysPrior, 0, 1)
}

// observedRange is the range a NUMBER question without bounds is given:
// the smallest and largest answers in the histogram, widened on each side
// by their distance (at least 1). Nil for an empty histogram.
func observedRange(bs []Bucket) *Range {
	if len(bs) == 0 {
		return nil
	}
	lo, hi := bs[0].Value, bs[len(bs)-1].Value
	w := 1
	if d := hi - lo; d > 1 && d < math.MaxInt32 { // d < 0: the difference overflowed
		w = d
	}
	if lo >= math.MinInt+w {
		lo -= w
	}
	if hi <= math.MaxInt-w {
		hi += w
	}
	return &Range{Min: lo, Max: hi}
}

// MeanInterval is the 95% credible interval for the mean answer M = Σ p_v·v
// of the whole crowd, under a Dirichlet posterior over the values v of r:
// α_v = n·(share of the answers at v) + PriorMass/K, K = Max-Min+1 values,
// where n is the number of answers, or the effective number (non-integer)
// for weighted ones. M's posterior mean and variance have closed forms,
//
//	E[M] = Σ α_v v / α0,  Var(M) = (Σ α_v v² / α0 − E[M]²) / (α0 + 1),
//
// and the interval is the 2.5% and 97.5% quantiles of the Beta
// distribution on [Min, Max] with that mean and variance. Only n, the
// answers' mean and their population variance popVar (Σ x²/n − mean²,
// weighted alike) are needed. The mean is clamped into r, a negative or NaN
// popVar reads as 0, and with n = 0 (the prior alone) the mean is unused.
// Nil for a negative, NaN or infinite n, a NaN mean with n > 0, or bounds
// too large to tell apart as floats.
func MeanInterval(n, mean, popVar float64, r Range) *Interval {
	lo, hi := float64(r.Min), float64(r.Max)
	span := hi - lo
	if !(span > 0) || !(n >= 0) || math.IsInf(n, 0) {
		return nil
	}
	if n == 0 {
		mean, popVar = lo+span/2, 0
	} else if math.IsNaN(mean) {
		return nil
	}
	k := span + 1
	nf, c := n, PriorMass
	a0 := nf + c
	xbar := min(max(mean, lo), hi)
	// The data's population variance and the prior's (discrete uniform).
	vd := popVar
	if !(vd > 0) {
		vd = 0
	}
	vp := (k*k - 1) / 12
	mid := lo + span/2
	// m and 1-m, each computed without cancellation.
	mu := (nf*(xbar-lo) + c*span/2) / (a0 * span)
	mv := (nf*(hi-xbar) + c*span/2) / (a0 * span)
	// The pooled variance of the posterior mean distribution over the values.
	dev := (xbar - mid) / span
	d := (nf*vd/(span*span) + c*vp/(span*span) + nf*c/a0*dev*dev) / a0
	if !(d > 0) || d > mu*mv {
		d = mu * mv // Bhatia-Davis bound; only an inconsistent aggregate exceeds it
	}
	common := (a0+1)*mu*mv/d - 1 // = m(1-m)/Var - 1 on the unit scale, >= α0
	return betaInterval(mu*common, mv*common, lo, hi)
}

// betaInterval returns the equal-tailed interval at Level of the Beta(a, b)
// distribution stretched onto [lo, hi] (lo < hi), kept inside [lo, hi] and
// of positive width; nil if it came out NaN.
func betaInterval(a, b, lo, hi float64) *Interval {
	tail := (1 - Level) / 2
	span := hi - lo
	low := lo + span*BetaQuantile(tail, a, b)
	high := lo + span*BetaQuantile(1-tail, a, b)
	if math.IsNaN(low) || math.IsNaN(high) {
		return nil
	}
	low, high = max(lo, min(low, hi)), min(hi, max(high, lo))
	// With billions of answers the width can fall below a float's
	// resolution; it stays positive, if only by one step.
	if high <= low && high < hi {
		high = math.Nextafter(low, hi)
	} else if high <= low {
		low = math.Nextafter(high, lo)
	}
	return &Interval{Low: low, High: high, Level: Level}
}

// betaNormal is min(a, b) from which BetaQuantile uses the Cornish-Fisher
// expansion around the normal (error O(1/min(a, b)) of a standard
// deviation) rather than bisecting the incomplete beta function, whose
// continued fraction converges slowly when a and b are both large.
const betaNormal = 1e4

// BetaQuantile returns the p-quantile of the Beta(a, b) distribution for
// 0 < p < 1 and a, b > 0: the x with I_x(a, b) = p, found by Newton's
// method inside a bisection bracket on the regularized incomplete beta
// function (deterministic; as close to p as bisection gets, to a few ulps
// of I), or from min(a, b) >= 1e4 by the Cornish-Fisher expansion
// (skewness term), whose error is below 1e-4 of a standard deviation. It
// returns NaN for arguments outside those ranges.
func BetaQuantile(p, a, b float64) float64 {
	x, _ := betaQuantile(p, a, b)
	return x
}

// betaQuantile is BetaQuantile, with the number of times its search
// evaluated the incomplete beta function.
func betaQuantile(p, a, b float64) (float64, int) {
	if !(p > 0 && p < 1 && a > 0 && b > 0) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return math.NaN(), 0
	}
	if min(a, b) >= betaNormal {
		mean := a / (a + b)
		sd := math.Sqrt(a*b/(a+b+1)) / (a + b)
		skew := 2 * (b - a) * math.Sqrt(a+b+1) / ((a + b + 2) * math.Sqrt(a*b))
		z := NormalQuantile(p)
		return min(1, max(0, mean+sd*(z+skew*(z*z-1)/6))), 0
	}
	// Newton's method inside a bisection bracket (Numerical Recipes'
	// rtsafe): I_x(a, b) rises from 0 to 1, and its derivative is the
	// density x^(a-1)·(1-x)^(b-1)/B(a, b). A step that leaves the bracket,
	// or is not at most half the step before the last (far in a tail,
	// where Newton crawls), or a density that is no number, halves the
	// bracket instead, so the search always converges: in a few
	// evaluations where Newton is at home, in at most about bisection's
	// where it is not.
	// It starts from the normal approximation.
	lbeta := logBeta(a, b) // the same at every step
	x0, x1 := 0.0, 1.0
	mean := a / (a + b)
	x := min(max(mean+NormalQuantile(p)*math.Sqrt(a*b/(a+b+1))/(a+b), 1e-6), 1-1e-6)
	step, before := x1-x0, x1-x0 // the last two steps
	for evals := 1; ; evals++ {
		f := betaInc(a, b, x, 1-x, lbeta) - p
		switch {
		case f == 0 || evals == betaMaxEvals:
			return x, evals
		case f < 0:
			x0 = x
		default:
			x1 = x
		}
		next := x - f/math.Exp((a-1)*log(x)+(b-1)*log(1-x)-lbeta)
		if next > x0 && next < x1 && math.Abs(next-x) <= before/2 {
			if math.Abs(next-x) <= 1e-15*x {
				return next, evals // Newton has converged
			}
		} else {
			next = x0 + (x1-x0)/2
			if next <= x0 || next >= x1 {
				return next, evals // the bracket is down to adjacent floats
			}
		}
		step, before, x = math.Abs(next-x), step, next
	}
}

// betaMaxEvals bounds betaQuantile's search: bisection alone reaches the
// smallest float from 1 in about 1,100 halvings.
const betaMaxEvals = 2000

// meanOf returns sum/n for n >= 1 with a single rounding of the fractional
// part, so that e.g. a mean of integers is exact.
func meanOf(sum, n int64) float64 {
	q, r := sum/n, sum%n
	return float64(q) + float64(r)/float64(n)
}

// sampleVariance returns (n·SumSq - Sum²) / (n·(n-1)) for n >= 2, computed
// exactly in integers (int64 when nothing overflows, math/big otherwise)
// and rounded once, so it never goes negative by cancellation. A negative
// numerator (impossible for a consistent aggregate) reads as 0.
func sampleVariance(n, sum, sumSq int64) float64 {
	nss, ok1 := mul64(n, sumSq)
	ss, ok2 := mul64(sum, sum)
	den, ok3 := mul64(n, n-1)
	if ok1 && ok2 && ok3 {
		num := nss - ss
		// Overflow of the subtraction: ss >= 0, so it can only go below
		// MinInt64 when nss is very negative, i.e. num < 0 anyway.
		if nss < 0 || num < 0 {
			return 0
		}
		return float64(num) / float64(den)
	}
	bn := big.NewInt(n)
	num := new(big.Int).Mul(bn, big.NewInt(sumSq))
	num.Sub(num, new(big.Int).Mul(big.NewInt(sum), big.NewInt(sum)))
	if num.Sign() <= 0 {
		return 0
	}
	bden := new(big.Int).Mul(bn, big.NewInt(n-1))
	v, _ := new(big.Rat).SetFrac(num, bden).Float64()
	return v
}

// mul64 returns a*b and whether it did not overflow int64.
func mul64(a, b int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU(a), absU(b))
	if hi != 0 {
		return 0, false
	}
	if neg {
		if lo > 1<<63 {
			return 0, false
		}
		return -int64(lo), true // lo == 1<<63 wraps to MinInt64, as wanted
	}
	if lo >= 1<<63 {
		return 0, false
	}
	return int64(lo), true
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // MinInt64 wraps to 1<<63, as wanted
	}
	return uint64(a)
}

// buckets returns the histogram buckets with a positive count whose value
// passes keep (all when keep is nil), sorted by value; nil when none.
func buckets(h map[int]int64, keep func(int) bool) []Bucket {
	var out []Bucket
	for v, c := range h {
		if c > 0 && (keep == nil || keep(v)) {
			out = append(out, Bucket{Value: v, Count: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

// median returns the median of the answers described by sorted buckets
// with positive counts: the middle value, or for an even total the mean of
// the two middle values. ok is false for an empty histogram or a total that
// overflows int64.
func median(bs []Bucket) (m float64, ok bool) {
	var total int64
	for _, b := range bs {
		if b.Count > math.MaxInt64-total {
			return 0, false
		}
		total += b.Count
	}
	if total == 0 {
		return 0, false
	}
	// 0-based ranks of the two middle answers (equal for an odd total).
	lowRank, highRank := (total-1)/2, total/2
	lowVal, found := 0, false
	var seen int64
	for _, b := range bs {
		seen += b.Count // answers with rank < seen are at or below b.Value
		if !found && lowRank < seen {
			lowVal, found = b.Value, true
		}
		if highRank < seen {
			return (float64(lowVal) + float64(b.Value)) / 2, true
		}
	}
	return 0, false // unreachable: highRank < total
}

// NormalQuantile returns the p-quantile of the standard normal
// distribution: the x with Φ(x) = p, e.g. NormalQuantile(0.975) ≈
// 1.959963985. It returns -Inf for p == 0, +Inf for p == 1 and NaN for p
// outside [0, 1] or NaN. It uses Acklam's rational approximation (relative
// error 1.15e-9) refined by one Halley step on math.Erfc, which brings it
// to near machine precision (relative error about 1e-15) for p >= 1e-300;
// for subnormal p it keeps Acklam's accuracy.
func NormalQuantile(p float64) float64 {
	switch {
	case math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p == 0.5:
		return 0
	}
	// Work on the lower tail q <= 0.5, where q is exact (1-p is exact for
	// p >= 0.5) and Erfc is accurate; the quantile is odd about 0.5.
	q, sign := p, 1.0
	if p > 0.5 {
		q, sign = 1-p, -1
	}
	x := acklam(q)
	// Halley step on Φ(x) - q.
	e := 0.5*math.Erfc(-x/math.Sqrt2) - q
	u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
	if step := u / (1 + x*u/2); !math.IsNaN(step) && !math.IsInf(step, 0) {
		x -= step
	}
	return sign * x
}

// acklam is Peter Acklam's approximation of the normal quantile for
// 0 < q <= 0.5.
func acklam(q float64) float64 {
	const pLow = 0.02425
	if q < pLow {
		r := math.Sqrt(-2 * log(q))
		return (((((-7.784894002430293e-03*r-3.223964580411365e-01)*r-2.400758277161838e+00)*r-2.549732539343734e+00)*r+4.374664141464968e+00)*r + 2.938163982698783e+00) /
			((((7.784695709041462e-03*r+3.224671290700398e-01)*r+2.445134137142996e+00)*r+3.754408661907416e+00)*r + 1)
	}
	d := q - 0.5
	r := d * d
	return (((((-3.969683028665376e+01*r+2.209460984245205e+02)*r-2.759285104469687e+02)*r+1.383577518672690e+02)*r-3.066479806614716e+01)*r + 2.506628277459239e+00) * d /
		(((((-5.447609879822406e+01*r+1.615858368580409e+02)*r-1.556989798598866e+02)*r+6.680131188771972e+01)*r-1.328068155288572e+01)*r + 1)
}

// logBeta is ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a+b), for a, b > 0.
func logBeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// betaInc returns the regularized incomplete beta function I_x(a, b) for
// a, b > 0, given x and y = 1-x (both, so that neither loses precision)
// and lbeta = logBeta(a, b) (which a search over x computes once).
func betaInc(a, b, x, y, lbeta float64) float64 {
	if x <= 0 {
		return 0
	}
	if y <= 0 {
		return 1
	}
	front := math.Exp(a*log(x) + b*log(y) - lbeta)
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, y)/b
}

// log is math.Log, but right for subnormal x too: on amd64 math.Log
// treats subnormals as 2^-1022·(1+f) (golang/go#56600), e.g.
// math.Log(5e-324) = -709.09 instead of -744.44.
func log(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p54) - 54*math.Ln2
	}
	return math.Log(x)
}

// betaCF evaluates the continued fraction of the incomplete beta function
// by the modified Lentz method (Numerical Recipes 6.4).
func betaCF(a, b, x float64) float64 {
	const (
		tiny    = 1e-300
		eps     = 1e-16
		maxIter = 1000
	)
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 - qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// Wilson returns the Wilson score interval for a proportion: yes successes
// out of n trials, at the confidence whose two-sided normal quantile is z
// (1.959963985 for 95%, see NormalQuantile). It always holds that
// 0 <= low <= yes/n <= high <= 1.
//
// n <= 0 gives (0, 1), the interval of no information; yes is clamped into
// [0, n]; z is taken as |z|, z == 0 gives (yes/n, yes/n), an infinite z
// gives (0, 1) and a NaN z gives (NaN, NaN).
func Wilson(yes, n int64, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	if math.IsNaN(z) {
		return math.NaN(), math.NaN()
	}
	if math.IsInf(z, 0) {
		return 0, 1
	}
	yes = min(max(yes, 0), n)
	z = math.Abs(z)
	share := meanOf(yes, n)
	y, no, nf, z2 := float64(yes), float64(n-yes), float64(n), z*z
	root := z * math.Sqrt(z2+4*y*(no/nf))
	// The classic form is (2y + z² ± root) / (2(n + z²)); the lower bound
	// is rewritten as 2y² / (n(2y + z² + root)) to avoid cancellation.
	low = 2 * y * (y / nf) / (2*y + z2 + root)
	high = (2*y + z2 + root) / (2 * (nf + z2))
	if math.IsNaN(low) { // 0/0 when yes == 0 and z == 0
		low = share
	}
	// Rounding must not push the bounds past the share or out of [0, 1].
	low = max(0, min(low, share))
	high = min(1, max(high, share))
	return low, high
}

// WilsonLowerBound returns the lower bound of the Wilson score interval
// (see Wilson): a pessimistic estimate of the yes share that ranks yes/no
// traits fairly between photos with few and many answers. It is 0 for
// n <= 0 and NaN for a NaN z.
func WilsonLowerBound(yes, n int64, z float64) float64 {
	if n <= 0 {
		return 0
	}
	low, _ := Wilson(yes, n, z)
	return low
}

// BayesianAverage shrinks a mean of n answers towards a prior:
// v/(v+m)·R + m/(v+m)·C with v = n, R = mean, m = priorWeight (how many
// answers the prior is worth) and C = priorMean. With no answers (n <= 0)
// or an infinite priorWeight it returns priorMean, whatever mean is; a
// negative priorWeight reads as 0. NaN inputs that are used yield NaN.
func BayesianAverage(mean float64, n int64, priorMean, priorWeight float64) float64 {
	m := priorWeight
	switch {
	case math.IsNaN(m):
		return math.NaN()
	case n <= 0 || math.IsInf(m, 1):
		return priorMean
	case m < 0:
		m = 0
	}
	v := float64(n)
	return v/(v+m)*mean + m/(v+m)*priorMean
}

// Percentile returns the share (0..100) of the values in sorted (ascending)
// that are below x, counting ties as half:
// 100·(below + ties/2)/len(sorted). It returns 0 for an empty slice and NaN
// for a NaN x. It runs in O(log n); for an unsorted slice the result is
// meaningless but still in [0, 100].
func Percentile(sorted []float64, x float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if math.IsNaN(x) {
		return math.NaN()
	}
	below := sort.SearchFloat64s(sorted, x) // first index with value >= x
	upTo := below + sort.Search(n-below, func(i int) bool { return sorted[below+i] > x })
	ties := upTo - below
	return 100 * (2*float64(below) + float64(ties)) / (2 * float64(n))
}
