package quality_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/facestat/facestat/judging/quality"
	"github.com/facestat/facestat/stats"
	"github.com/google/uuid"
)

const beauty = 1 // the 1..10 scale question of these tests

var (
	scaleQ = quality.Question{ID: beauty, Kind: quality.Numeric, Min: 1, Max: 10}
	yesQ   = quality.Question{ID: 2, Kind: quality.YesNo}
	qs     = []quality.Question{scaleQ, yesQ}
	scale  = &stats.Range{Min: 1, Max: 10}
	t0     = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
)

// id returns a deterministic UUID for a name.
func id(name string) uuid.UUID { return uuid.NewSHA1(uuid.NameSpaceOID, []byte(name)) }

// votes builds the votes of one judge on photos, one every gap from t0
// plus offset, from network net, answering the scale question.
type ballot struct {
	judge, net string
	start, gap time.Duration
}

func (b ballot) cast(photos []string, values []float64) []quality.Vote {
	out := make([]quality.Vote, len(photos))
	for i, p := range photos {
		out[i] = quality.Vote{
			Judge: id(b.judge), Photo: id(p), Image: p, Network: b.net,
			At:      t0.Add(b.start + time.Duration(i)*b.gap),
			Answers: []quality.Answer{{Question: beauty, Value: values[i]}},
		}
	}
	return out
}

// summary returns the Summary of the scale question of photo, from the
// raw answers in votes and the fitted weights.
func summary(t *testing.T, votes []quality.Vote, fit *quality.Fit, photo string) stats.Summary {
	t.Helper()
	a := quality.Aggregate(votes, id(photo), beauty)
	a.Weighted = fit.Photos[id(photo)][beauty]
	if a.Weighted == nil {
		t.Fatalf("photo %s has no weighted figures", photo)
	}
	return stats.Summarize(stats.Scale, a, scale)
}

func rank(t *testing.T, s stats.Summary) float64 {
	t.Helper()
	r, ok := stats.Rank(stats.Scale, s, scale)
	if !ok {
		t.Fatalf("no rank for %+v", s)
	}
	return r
}

// TestHarshAndLenientJudges is issue 13's acceptance scenario: ten harsh
// judges (3 below the truth) and ten lenient ones (3 above) rate four
// shared photos; the photo of true quality 8 that only harsh judges rate
// (raw 5) ends with a higher adjusted mean than the photo of true quality 4
// that only lenient judges rate (raw 7).
func TestHarshAndLenientJudges(t *testing.T) {
	shared := []string{"s4", "s5", "s6", "s7"}
	truth := []float64{4, 5, 6, 7}
	var votes []quality.Vote
	for i := range 10 {
		for _, side := range []struct {
			name, only  string
			bias, only_ float64
		}{{"harsh", "p8", -3, 8}, {"lenient", "p4", 3, 4}} {
			values := make([]float64, 0, 5)
			for _, v := range truth {
				values = append(values, v+side.bias)
			}
			values = append(values, side.only_+side.bias)
			b := ballot{judge: fmt.Sprint(side.name, i), net: fmt.Sprint(side.name, i), start: time.Duration(i) * time.Hour, gap: 20 * time.Second}
			votes = append(votes, b.cast(append(shared[:4:4], side.only), values)...)
		}
	}
	fit := quality.FitAll(qs, votes, quality.DefaultConfig())
	p8, p4 := summary(t, votes, fit, "p8"), summary(t, votes, fit, "p4")
	if *p8.Mean != 5 || *p4.Mean != 7 {
		t.Fatalf("raw means %g and %g, want 5 and 7", *p8.Mean, *p4.Mean)
	}
	if p8.AdjustedMean == nil || p4.AdjustedMean == nil || !(*p8.AdjustedMean > *p4.AdjustedMean) {
		t.Fatalf("adjusted means: true 8 (harsh judges) %v, true 4 (lenient judges) %v", ptr(p8.AdjustedMean), ptr(p4.AdjustedMean))
	}
	if !(rank(t, p8) > rank(t, p4)) {
		t.Errorf("Rank: true 8 %g, true 4 %g", rank(t, p8), rank(t, p4))
	}
	harsh, lenient := fit.Judges[id("harsh0")], fit.Judges[id("lenient0")]
	if harsh.Votes != 5 || !(harsh.Offsets[beauty] < -1) || !(lenient.Offsets[beauty] > 1) {
		t.Errorf("harsh %+v, lenient %+v: want offsets below -1 and above 1", *harsh, *lenient)
	}
	// The shared photos, rated by both sides, keep their true means.
	for i, p := range shared {
		if s := summary(t, votes, fit, p); math.Abs(*s.AdjustedMean-truth[i]) > 0.01 {
			t.Errorf("shared photo %s: adjusted mean %g, truth %g", p, *s.AdjustedMean, truth[i])
		}
	}
	t.Logf("true 8: raw 5, adjusted %.3f; true 4: raw 7, adjusted %.3f; offsets %.3f and %.3f",
		*p8.AdjustedMean, *p4.AdjustedMean, harsh.Offsets[beauty], lenient.Offsets[beauty])
}

func ptr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// establishedCrowd returns the votes of n established judges from distinct
// networks who each rate photo "a" (values cycling through aValues) and
// the filler photos f0..f8, at a human pace.
func establishedCrowd(n int, aValues []float64) []quality.Vote {
	var votes []quality.Vote
	photos := []string{"a", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"}
	for i := range n {
		values := []float64{aValues[i%len(aValues)]}
		for f := range 9 {
			values = append(values, float64(2+(i+f)%8))
		}
		b := ballot{judge: fmt.Sprint("judge", i), net: fmt.Sprintf("198.51.%d.0/24", i), start: time.Duration(i) * time.Hour, gap: 15 * time.Second}
		votes = append(votes, b.cast(photos, values)...)
	}
	return votes
}

// TestStuffingFromOneNetwork is issue 13's acceptance scenario: fifteen
// established judges from distinct networks averaging 7 on photo A,
// against twenty-five new sessions from one network giving 10 to photo X:
// A ranks above X (and without the model X would rank above A).
func TestStuffingFromOneNetwork(t *testing.T) {
	votes := establishedCrowd(15, []float64{6, 7, 8})
	for i := range 25 {
		b := ballot{judge: fmt.Sprint("session", i), net: "203.0.113.0/24", start: time.Duration(i) * time.Second, gap: time.Second}
		votes = append(votes, b.cast([]string{"x"}, []float64{10})...)
	}
	fit := quality.FitAll(qs, votes, quality.DefaultConfig())
	a, x := summary(t, votes, fit, "a"), summary(t, votes, fit, "x")
	if *a.Mean != 7 || x.Count != 25 {
		t.Fatalf("A's mean %g, X's count %d", *a.Mean, x.Count)
	}
	if !(rank(t, a) > rank(t, x)) {
		t.Errorf("Rank(A) = %g (effective %g), Rank(X) = %g (effective %g): the stuffed photo wins", rank(t, a), a.EffectiveCount, rank(t, x), x.EffectiveCount)
	}
	if !(x.EffectiveCount <= 2*quality.DefaultConfig().NewWeight+1e-9) {
		t.Errorf("X's 25 sessions count as %g votes, want at most NetworkCap × NewWeight", x.EffectiveCount)
	}
	// Without the judge model X's 25 tens beat A's fifteen answers.
	rawA, rawX := a, x
	rawA.EffectiveCount, rawA.AdjustedMean = float64(a.Count), nil
	rawX.EffectiveCount, rawX.AdjustedMean = float64(x.Count), nil
	if !(rank(t, rawX) > rank(t, rawA)) {
		t.Errorf("the scenario shows nothing: unweighted, X %g does not beat A %g", rank(t, rawX), rank(t, rawA))
	}
	t.Logf("Rank(A) %.3f on %.2f effective answers; Rank(X) %.3f on %.3f", rank(t, a), a.EffectiveCount, rank(t, x), x.EffectiveCount)
}

// TestCareFallsOnlyForCarelessPatterns: a careless judge (fast, always 10)
// gets less Care and Weight than a careful one with the same number of
// votes; an honest judge who disagrees with the crowd keeps Care 1.
func TestCareFallsOnlyForCarelessPatterns(t *testing.T) {
	photos := []string{"a", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"}
	votes := establishedCrowd(10, []float64{5, 6, 7})
	crowd := func(p int) float64 { return float64(2 + (p+4)%8) } // about the crowd's answers
	var careful, contrarian, careless []float64
	for p := range photos {
		careful = append(careful, crowd(p))
		contrarian = append(contrarian, 11-crowd(p)) // its own, opposite taste
		careless = append(careless, 10)
	}
	votes = append(votes, ballot{judge: "careful", net: "n1", start: 20 * time.Hour, gap: 12 * time.Second}.cast(photos, careful)...)
	votes = append(votes, ballot{judge: "contrarian", net: "n2", start: 21 * time.Hour, gap: 12 * time.Second}.cast(photos, contrarian)...)
	votes = append(votes, ballot{judge: "careless", net: "n3", start: 22 * time.Hour, gap: 500 * time.Millisecond}.cast(photos, careless)...)
	fit := quality.FitAll(qs, votes, quality.DefaultConfig())
	c, d, k := fit.Judges[id("careful")], fit.Judges[id("contrarian")], fit.Judges[id("careless")]
	if c.Votes != k.Votes || c.Votes != 10 {
		t.Fatalf("votes: careful %d, careless %d", c.Votes, k.Votes)
	}
	if c.Care != 1 || d.Care != 1 {
		t.Errorf("Care: careful %g, contrarian %g; want 1 and 1", c.Care, d.Care)
	}
	if d.Weight != c.Weight {
		t.Errorf("Weight: contrarian %g, careful %g: disagreeing must not cost weight", d.Weight, c.Weight)
	}
	if !(k.Care < c.Care) || !(k.Weight < c.Weight) {
		t.Errorf("careless Care %g, Weight %g; careful %g, %g", k.Care, k.Weight, c.Care, c.Weight)
	}
	t.Logf("Weight: careful %.3f, contrarian %.3f, careless %.3f", c.Weight, d.Weight, k.Weight)
}

// TestCarePatterns checks each careless pattern alone.
func TestCarePatterns(t *testing.T) {
	photos := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}
	varied := []float64{3, 8, 5, 6, 2, 9, 4, 7, 5, 6}
	profile := func(votes []quality.Vote) *quality.Judge {
		return quality.ProfileJudge(qs, votes, nil, quality.DefaultConfig())
	}
	slow := ballot{judge: "j", net: "n", gap: 10 * time.Second}
	if got := profile(slow.cast(photos, varied)).Care; got != 1 {
		t.Errorf("a careful judge: Care %g, want 1", got)
	}
	// Every vote after the first 1s after the previous: 9 fast of 10.
	fast := ballot{judge: "j", net: "n", gap: time.Second}
	if got := profile(fast.cast(photos, varied)).Care; math.Abs(got-0.1) > 1e-12 {
		t.Errorf("fast: Care %g, want 0.1", got)
	}
	// Always the same answer, at a human pace.
	if got := profile(slow.cast(photos, []float64{7, 7, 7, 7, 7, 7, 7, 7, 7, 7})).Care; got != 0 {
		t.Errorf("straight-lining: Care %g, want 0", got)
	}
	// Four equal answers are not yet a pattern.
	if got := profile(slow.cast(photos[:4], []float64{7, 7, 7, 7})).Care; got != 1 {
		t.Errorf("four equal answers: Care %g, want 1", got)
	}
	// The same image under two photos, answered 2 then 9: two votes of ten contradict.
	vs := slow.cast(photos, varied)
	vs[0].Answers[0].Value, vs[9].Image, vs[9].Answers[0].Value = 2, vs[0].Image, 9
	if got := profile(vs).Care; math.Abs(got-0.8) > 1e-12 {
		t.Errorf("contradicting: Care %g, want 0.8", got)
	}
	// Close answers on the same image are no contradiction.
	vs[9].Answers[0].Value = 4
	if got := profile(vs).Care; got != 1 {
		t.Errorf("consistent on the same image: Care %g, want 1", got)
	}
	// The same value to three numeric questions of one vote.
	three := []quality.Question{scaleQ, {ID: 3, Kind: quality.Numeric, Min: 1, Max: 10}, {ID: 4, Kind: quality.Numeric, Min: 1, Max: 10}}
	vs = slow.cast(photos[:4], varied[:4])
	for i := range vs {
		x := varied[i]
		vs[i].Answers = []quality.Answer{{Question: 1, Value: x}, {Question: 3, Value: x + 1}, {Question: 4, Value: x - 1}}
	}
	vs[0].Answers[1].Value, vs[0].Answers[2].Value = vs[0].Answers[0].Value, vs[0].Answers[0].Value
	if got := quality.ProfileJudge(three, vs, nil, quality.DefaultConfig()).Care; math.Abs(got-0.75) > 1e-12 {
		t.Errorf("one vote of four answering all the same: Care %g, want 0.75", got)
	}
}

// TestWeightGrowsWithHistory: NewWeight below Established photos, 0.5 at
// Established, 1 from FullVotes.
func TestWeightGrowsWithHistory(t *testing.T) {
	cfg := quality.DefaultConfig()
	for _, c := range []struct {
		photos int
		want   float64
	}{{1, 0.1}, {4, 0.1}, {5, 0.5}, {15, 0.75}, {25, 1}, {40, 1}} {
		var ps []string
		var xs []float64
		for i := range c.photos {
			ps = append(ps, fmt.Sprint("p", i))
			xs = append(xs, float64(1+i%10))
		}
		j := quality.ProfileJudge(qs, ballot{judge: "j", gap: time.Minute}.cast(ps, xs), nil, cfg)
		if math.Abs(j.Weight-c.want) > 1e-12 {
			t.Errorf("%d photos: Weight %g, want %g", c.photos, j.Weight, c.want)
		}
	}
}

// TestOwnerVotesWeighNothing: the owner's votes are kept in the raw count
// but weigh 0; a photo only its owner voted on has no rank.
func TestOwnerVotesWeighNothing(t *testing.T) {
	votes := establishedCrowd(6, []float64{5, 6})
	own := ballot{judge: "owner", net: "192.0.2.0/24", gap: time.Minute}.cast([]string{"a", "mine"}, []float64{10, 10})
	for i := range own {
		own[i].Owner = true
	}
	votes = append(votes, own...)
	fit := quality.FitAll(qs, votes, quality.DefaultConfig())
	a := summary(t, votes, fit, "a")
	if a.Count != 7 || *a.Mean != 5.5 {
		t.Errorf("photo a: count %d, weighted mean %g; want 7 answers and the owner's 10 weighing nothing (5.5)", a.Count, *a.Mean)
	}
	mine := summary(t, votes, fit, "mine")
	if mine.Count != 1 || mine.EffectiveCount != 0 || fit.Photos[id("mine")][beauty].Weight != 0 {
		t.Errorf("photo only its owner voted on: %+v", mine)
	}
	if _, ok := stats.Rank(stats.Scale, mine, scale); ok {
		t.Error("a photo only its owner voted on has a rank")
	}
	if j := fit.Judges[id("owner")]; j.Votes != 0 {
		t.Errorf("the owner judged %d photos, want 0", j.Votes)
	}
}

// TestNetworkCap: the votes of one network on a photo weigh at most
// NetworkCap times their largest; other networks and unknown ones are
// untouched.
func TestNetworkCap(t *testing.T) {
	var votes []quality.Vote
	for i := range 5 {
		votes = append(votes, ballot{judge: fmt.Sprint("same", i), net: "10.0.0.0/24"}.cast([]string{"p"}, []float64{9})...)
		votes = append(votes, ballot{judge: fmt.Sprint("unknown", i)}.cast([]string{"p"}, []float64{3})...)
	}
	full := &quality.Judge{Weight: 1, Care: 1}
	w := quality.WeighPhoto(qs, votes, func(uuid.UUID) *quality.Judge { return full }, quality.DefaultConfig())[beauty]
	// The network's five votes of 9 weigh 2 in all, the five unknown ones 5.
	if math.Abs(w.Weight-7) > 1e-12 || math.Abs(w.Mean-(2*9+5*3)/7.0) > 1e-12 {
		t.Errorf("Weighted %+v, want weight 7 and mean %g", *w, (2*9+5*3)/7.0)
	}
	// Kish: (Σw)²/Σw² = 49/(5·0.16 + 5) = 8.45 > Σw = 7, so NEff = 7.
	if w.NEff != w.Weight {
		t.Errorf("NEff %g, want Σw %g", w.NEff, w.Weight)
	}
	// Without profiles every judge is new.
	w = quality.WeighPhoto(qs, votes[1:2], nil, quality.DefaultConfig())[beauty]
	if w.Weight != 0.1 || math.Abs(*w.Adjusted-3) > 1e-12 {
		t.Errorf("a new judge's vote: %+v", *w)
	}
}

// TestYesNoOffsets: judges who say yes more than the crowd get a positive
// log-odds offset, and the adjusted share of a photo only they judged comes
// out below its raw share.
func TestYesNoOffsets(t *testing.T) {
	var votes []quality.Vote
	photos := []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"}
	add := func(judge string, i int, photo string, yes bool) {
		y := 0.0
		if yes {
			y = 1
		}
		votes = append(votes, quality.Vote{Judge: id(judge), Photo: id(photo), Network: judge,
			At: t0.Add(time.Duration(i) * time.Minute), Answers: []quality.Answer{{Question: yesQ.ID, Value: y}}})
	}
	for j := range 10 {
		for i, p := range photos {
			// Neutral judges say yes on even photos; eager ones on all but one.
			add(fmt.Sprint("neutral", j), i, p, i%2 == 0)
			add(fmt.Sprint("eager", j), i, p, i != (j%8))
		}
		add(fmt.Sprint("eager", j), 9, "eager-only", j%2 == 0)
		add(fmt.Sprint("neutral", j), 9, "neutral-only", j%2 == 0)
	}
	fit := quality.FitAll(qs, votes, quality.DefaultConfig())
	if b := fit.Judges[id("eager0")].Offsets[yesQ.ID]; !(b > 0.3) {
		t.Errorf("eager judge's offset %g, want clearly positive", b)
	}
	if b := fit.Judges[id("neutral0")].Offsets[yesQ.ID]; !(b < 0) {
		t.Errorf("neutral judge's offset %g, want below 0 (the center includes the eager judges)", b)
	}
	eager, neutral := fit.Photos[id("eager-only")][yesQ.ID], fit.Photos[id("neutral-only")][yesQ.ID]
	if math.Abs(eager.Mean-0.5) > 1e-12 || math.Abs(neutral.Mean-0.5) > 1e-12 || !(*eager.Adjusted < 0.5 && *eager.Adjusted < *neutral.Adjusted) {
		t.Errorf("half yes (%g, %g) from eager judges: adjusted %g; from neutral ones: %g", eager.Mean, neutral.Mean, *eager.Adjusted, *neutral.Adjusted)
	}
}

// TestFitAllIsDeterministic: the same votes give the same fit.
func TestFitAllIsDeterministic(t *testing.T) {
	votes := establishedCrowd(12, []float64{4, 6, 9})
	a := quality.FitAll(qs, votes, quality.DefaultConfig())
	b := quality.FitAll(qs, votes, quality.DefaultConfig())
	for p, qa := range a.Photos {
		if *qa[beauty].Adjusted != *b.Photos[p][beauty].Adjusted || qa[beauty].NEff != b.Photos[p][beauty].NEff {
			t.Fatalf("photo %v: %+v vs %+v", p, *qa[beauty], *b.Photos[p][beauty])
		}
	}
}

// TestYesNoAdjustedShare: with no offsets the adjusted share is the
// weighted share; with offsets it is the σ(ℓ) that explains the yes answers
// given: Σ w σ(ℓ + b) = Σ w y.
func TestYesNoAdjustedShare(t *testing.T) {
	answers := []float64{1, 1, 0, 1, 0, 0, 1}
	offsets := []float64{0.8, -0.3, 1.5, 0, -2, 0.4, 0.9}
	weights := []float64{1, 0.5, 0.75, 0.1, 1, 0.6, 0.3}
	var votes []quality.Vote
	profiles := map[uuid.UUID]*quality.Judge{}
	plain := map[uuid.UUID]*quality.Judge{}
	for i, y := range answers {
		j := id(fmt.Sprint("judge", i))
		votes = append(votes, quality.Vote{Judge: j, Photo: id("p"), Answers: []quality.Answer{{Question: yesQ.ID, Value: y}}})
		profiles[j] = &quality.Judge{Weight: weights[i], Offsets: map[int]float64{yesQ.ID: offsets[i]}}
		plain[j] = &quality.Judge{Weight: weights[i]}
	}
	lookup := func(m map[uuid.UUID]*quality.Judge) func(uuid.UUID) *quality.Judge {
		return func(j uuid.UUID) *quality.Judge { return m[j] }
	}
	w := quality.WeighPhoto(qs, votes, lookup(plain), quality.DefaultConfig())[yesQ.ID]
	if math.Abs(*w.Adjusted-w.Mean) > 1e-9 {
		t.Errorf("no offsets: adjusted %g, weighted share %g", *w.Adjusted, w.Mean)
	}
	w = quality.WeighPhoto(qs, votes, lookup(profiles), quality.DefaultConfig())[yesQ.ID]
	l := math.Log(*w.Adjusted / (1 - *w.Adjusted))
	var expect, yes float64
	for i, y := range answers {
		expect += weights[i] / (1 + math.Exp(-(l + offsets[i])))
		yes += weights[i] * y
	}
	if math.Abs(expect-yes) > 1e-9 {
		t.Errorf("adjusted share %g: expected yes %g, given %g", *w.Adjusted, expect, yes)
	}
}

// TestLeaveOut: taking one vote out of a photo's figures gives the figures
// of the other votes.
func TestLeaveOut(t *testing.T) {
	answers := []float64{7, 4, 9, 6, 8}
	offsets := []float64{1.5, -1, 0.5, 0, -0.5}
	weights := []float64{1, 0.5, 0.75, 0.1, 0.6}
	var votes []quality.Vote
	profiles := map[uuid.UUID]*quality.Judge{}
	for i, x := range answers {
		j := id(fmt.Sprint("judge", i))
		votes = append(votes, quality.Vote{Judge: j, Photo: id("p"), Answers: []quality.Answer{{Question: beauty, Value: x}}})
		profiles[j] = &quality.Judge{Weight: weights[i], Offsets: map[int]float64{beauty: offsets[i]}}
	}
	lookup := func(j uuid.UUID) *quality.Judge { return profiles[j] }
	all := quality.WeighPhoto(qs, votes, lookup, quality.DefaultConfig())[beauty]
	rest := quality.WeighPhoto(qs, votes[1:], lookup, quality.DefaultConfig())[beauty]
	got, ok := quality.LeaveOut(scaleQ, all, answers[0], profiles[id("judge0")], weights[0])
	if !ok || math.Abs(got-*rest.Adjusted) > 1e-12 {
		t.Errorf("LeaveOut = %g, %v; the other votes' adjusted mean is %g", got, ok, *rest.Adjusted)
	}
	one := quality.WeighPhoto(qs, votes[:1], lookup, quality.DefaultConfig())[beauty]
	if _, ok := quality.LeaveOut(scaleQ, one, answers[0], profiles[id("judge0")], weights[0]); ok {
		t.Error("a photo with only the judge's vote has a center without it")
	}
	if _, ok := quality.LeaveOut(scaleQ, nil, 5, nil, 0.1); ok {
		t.Error("no figures, yet a center")
	}
	// Yes/no without offsets: the other votes' weighted share.
	for i := range votes {
		votes[i].Answers = []quality.Answer{{Question: yesQ.ID, Value: float64(i % 2)}}
		profiles[votes[i].Judge].Offsets = nil
	}
	all = quality.WeighPhoto(qs, votes, lookup, quality.DefaultConfig())[yesQ.ID]
	rest = quality.WeighPhoto(qs, votes[1:], lookup, quality.DefaultConfig())[yesQ.ID]
	if got, ok := quality.LeaveOut(yesQ, all, 0, profiles[id("judge0")], weights[0]); !ok || math.Abs(got-rest.Mean) > 1e-9 {
		t.Errorf("yes/no LeaveOut = %g, %v; the other votes' share is %g", got, ok, rest.Mean)
	}
}
