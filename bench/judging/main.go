// Command judging checks the judge model (package judging/quality) on a
// simulated crowd whose true answers are known.
//
//	go run ./bench/judging [-seed 13] [-judges 2000] [-photos 500] [-per-judge 40] [-cpuprofile file]
//
// Every photo has a true value on a 1..10 scale (the mean answer an honest
// crowd would give) and a true yes share. The judges (shares of -judges):
//
//   - 50% honest: the truth plus noise (σ 1.2, rounded, clamped);
//   - 5% compressing (answers pulled halfway toward 5.5) and 5% stretching
//     (pushed 1.5 times away from it) around the truth: honest, but a
//     habit the additive offsets were not built for;
//   - 15% harsh (−2 on the scale, −1 on the log-odds of yes) and 15%
//     lenient (+2, +1);
//   - 5% careless, voting 0.5 to 1.5 s apart: half answer at random, half
//     always the same value;
//   - 5% stuffers: each pushes one photo of their own with 25 fresh
//     sessions from one network, all answering 10 and yes.
//
// Each judge but the stuffers judges -per-judge random photos, one every
// 4 to 30 seconds (careless ones faster), from a network shared with few
// others. 5% of the photos polarise: each vote comes from one of two camps
// (a share of the crowd answering around 8.5, the rest around 2.5), the
// truth being the mixture's mean.
//
// It fits the model (quality.FitAll) and compares two rankings with the
// truth by Spearman's rank correlation: raw, today's top list (the
// Bayesian average of the raw mean, prior worth 10 answers; yes/no: the
// Wilson lower bound), and adjusted (stats.Rank of the weighted summary).
// It reports the places the stuffed photos gain (ranking with their
// sessions against without), and how polarising photos move: their
// adjusted mean against the raw one (toward the middle of the scale or
// away) and the spread of their answers after weighting.
//
// It exits 1 when the adjusted scale ranking correlates no better with the
// truth than the raw one, when a stuffed photo gains more than 5 places in
// the adjusted ranking, when a polarising photo's adjusted mean moves more
// than 0.5 toward the middle (or 0.25 on average), or when weighting
// changes the share of a polarising photo's answers that come from its high
// camp by more than 0.1, or moves it toward the photo's majority camp by
// more than 0.02 on average (weighting must not silence either camp).
package main

import (
	"cmp"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/facestat/facestat/judging/quality"
	"github.com/facestat/facestat/stats"
	"github.com/google/uuid"
)

// The questions of the simulation.
const (
	scaleQ = 1
	yesQ   = 2
)

// The checks' tolerances.
const (
	maxStuffGain    = 5    // places
	maxMiddleShift  = 0.5  // scale points toward the middle, any polarising photo
	meanMiddleShift = 0.25 // on average
	maxCampShift    = 0.1  // change of the high camp's share of a polarising photo's answers
	meanToMajority  = 0.02 // mean move of that share toward the photo's majority camp
)

var (
	questions = []quality.Question{{ID: scaleQ, Kind: quality.Numeric, Min: 1, Max: 10}, {ID: yesQ, Kind: quality.YesNo}}
	scale     = &stats.Range{Min: 1, Max: 10}
	start     = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

type kind int

const (
	honest kind = iota
	compress
	stretch
	harsh
	lenient
	careless
	stuffer
)

// photo is a simulated photo and its truth.
type photo struct {
	id       uuid.UUID
	truth    float64 // the scale's true mean answer
	yes      float64 // the true yes share
	polar    bool    // two camps
	high     float64 // polarising: the share of the camp answering high
	stuffed  bool
	rawRank  int // 1 = top, with the stuffing
	adjRank  int
	rawClean int // without the stuffing
	adjClean int
}

func main() {
	seed := flag.Uint64("seed", 13, "random seed")
	judges := flag.Int("judges", 2000, "judges (stuffers included, their sessions not)")
	photos := flag.Int("photos", 500, "photos")
	perJudge := flag.Int("per-judge", 40, "photos each judge but the stuffers judges")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-judging:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*seed, *judges, *photos, *perJudge); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench-judging:", err)
		os.Exit(1)
	}
}

func idOf(space byte, n int) uuid.UUID {
	var u uuid.UUID
	u[0] = space
	binary.BigEndian.PutUint64(u[8:], uint64(n))
	return u
}

func run(seed uint64, nJudges, nPhotos, perJudge int) error {
	rng := mrand.New(mrand.NewPCG(seed, 0x13))
	ps := make([]*photo, nPhotos)
	for i := range ps {
		p := &photo{id: idOf('p', i), truth: 2.5 + 6*rng.Float64(), yes: 1 / (1 + math.Exp(-1.5*rng.NormFloat64()))}
		if i%20 == 7 { // 5% polarising
			p.polar, p.high = true, 0.15+0.7*rng.Float64()
			p.truth = p.high*8.5 + (1-p.high)*2.5
		}
		ps[i] = p
	}
	// The crowd's mix: each kind up to its cumulative share of the judges;
	// the rest are stuffers.
	mix := []struct {
		upTo float64
		kind kind
	}{{0.50, honest}, {0.55, compress}, {0.60, stretch}, {0.75, harsh}, {0.90, lenient}, {0.95, careless}}
	kinds := make([]kind, nJudges)
	var stuffers int
	for j := range kinds {
		kinds[j] = stuffer
		for _, m := range mix {
			if float64(j)/float64(nJudges) < m.upTo {
				kinds[j] = m.kind
				break
			}
		}
		if kinds[j] == stuffer {
			stuffers++
		}
	}
	var votes, stuffing []quality.Vote
	for j, k := range kinds {
		if k == stuffer {
			continue
		}
		votes = append(votes, judge(rng, idOf('j', j), k, ps, perJudge, fmt.Sprintf("net-%d", rng.IntN(3*nJudges/4)))...)
	}
	order := rng.Perm(nPhotos)
	for s := range min(stuffers, nPhotos) {
		p := ps[order[s]]
		p.stuffed = true
		net := fmt.Sprintf("stuffer-%d", s)
		at := start.Add(time.Duration(rng.IntN(86400)) * time.Second)
		for session := range 25 {
			stuffing = append(stuffing, quality.Vote{
				Judge: idOf('s', s*25+session), Photo: p.id, Image: p.id.String(), Network: net,
				At:      at.Add(time.Duration(session) * 3 * time.Second),
				Answers: []quality.Answer{{Question: scaleQ, Value: 10}, {Question: yesQ, Value: 1}},
			})
		}
	}
	all := append(slices.Clip(votes), stuffing...)
	cfg := quality.DefaultConfig()
	began := time.Now()
	fit := quality.FitAll(questions, all, cfg)
	took := time.Since(began)
	clean := quality.FitAll(questions, votes, cfg)

	// The rankings, with and without the stuffing.
	rawScale, adjScale := scores(ps, all, fit, scaleQ)
	rawYes, adjYes := scores(ps, all, fit, yesQ)
	cleanRaw, cleanAdj := scores(ps, votes, clean, scaleQ)
	setRanks(ps, rawScale, func(p *photo) *int { return &p.rawRank })
	setRanks(ps, adjScale, func(p *photo) *int { return &p.adjRank })
	setRanks(ps, cleanRaw, func(p *photo) *int { return &p.rawClean })
	setRanks(ps, cleanAdj, func(p *photo) *int { return &p.adjClean })
	truthScale := make([]float64, nPhotos)
	truthYes := make([]float64, nPhotos)
	for i, p := range ps {
		truthScale[i], truthYes[i] = p.truth, p.yes
	}

	fmt.Printf("bench-judging: seed %d, %d judges (%d stuffers with 25 sessions each), %d photos, %d photos per judge\n",
		seed, nJudges, stuffers, nPhotos, perJudge)
	fmt.Printf("votes: %d (%d from stuffing sessions); FitAll (%d sweeps) took %s\n\n", len(all), len(stuffing), cfg.Sweeps, took.Round(time.Millisecond))
	rs, as := spearman(truthScale, rawScale), spearman(truthScale, adjScale)
	ry, ay := spearman(truthYes, rawYes), spearman(truthYes, adjYes)
	fmt.Println("Spearman correlation of the ranking with the truth")
	fmt.Printf("  1..10 scale: raw (Bayesian average of the raw mean) %.4f, adjusted (stats.Rank) %.4f\n", rs, as)
	fmt.Printf("  yes/no:      raw (Wilson lower bound)              %.4f, adjusted (stats.Rank) %.4f\n", ry, ay)
	fmt.Printf("  1..10 scale without the stuffing sessions: raw %.4f, adjusted %.4f\n\n", spearman(truthScale, cleanRaw), spearman(truthScale, cleanAdj))

	var failures []string
	if !(as > rs) {
		failures = append(failures, fmt.Sprintf("the adjusted scale ranking (%.4f) does not beat the raw one (%.4f)", as, rs))
	}
	rawGain, adjGain := gains(ps, func(p *photo) int { return p.rawClean - p.rawRank }), gains(ps, func(p *photo) int { return p.adjClean - p.adjRank })
	fmt.Println("Places gained by the stuffed photos (rank without their 25 sessions − rank with them)")
	fmt.Printf("  raw:      max %d, mean %.1f\n", rawGain.max, rawGain.mean)
	fmt.Printf("  adjusted: max %d, mean %.1f\n\n", adjGain.max, adjGain.mean)
	if adjGain.max > maxStuffGain {
		failures = append(failures, fmt.Sprintf("a stuffed photo gains %d places (at most %d allowed)", adjGain.max, maxStuffGain))
	}
	failures = append(failures, polarising(ps, votes, clean)...)
	if len(failures) > 0 {
		for _, f := range failures {
			fmt.Println("FAIL:", f)
		}
		return fmt.Errorf("%d check(s) failed", len(failures))
	}
	fmt.Println("ok: adjusted beats raw, stuffing gains at most", maxStuffGain, "places, polarising photos keep their place and both camps")
	return nil
}

// judge returns the votes of one simulated judge of the given kind.
func judge(rng *mrand.Rand, id uuid.UUID, k kind, ps []*photo, n int, net string) []quality.Vote {
	at := start.Add(time.Duration(rng.IntN(86400)) * time.Second)
	constant := float64(1 + rng.IntN(10))
	random := rng.IntN(2) == 0
	var out []quality.Vote
	for _, i := range rng.Perm(len(ps))[:min(n, len(ps))] {
		p := ps[i]
		if k == careless {
			at = at.Add(time.Duration(500+rng.IntN(1000)) * time.Millisecond)
		} else {
			at = at.Add(time.Duration(4+rng.IntN(27)) * time.Second)
		}
		center := p.truth
		if p.polar {
			center = 2.5
			if rng.Float64() < p.high {
				center = 8.5
			}
		}
		x := center + 1.2*rng.NormFloat64()
		logOdds := math.Log(p.yes / (1 - p.yes))
		switch k {
		case compress:
			x = 5.5 + 0.5*(x-5.5)
		case stretch:
			x = 5.5 + 1.5*(x-5.5)
		case harsh:
			x, logOdds = x-2, logOdds-1
		case lenient:
			x, logOdds = x+2, logOdds+1
		}
		y := 0.0
		if rng.Float64() < 1/(1+math.Exp(-logOdds)) {
			y = 1
		}
		if k == careless {
			x, y = constant, float64(int(constant)%2)
			if random {
				x, y = float64(1+rng.IntN(10)), float64(rng.IntN(2))
			}
		}
		out = append(out, quality.Vote{
			Judge: id, Photo: p.id, Image: p.id.String(), At: at, Network: net,
			Answers: []quality.Answer{{Question: scaleQ, Value: min(max(math.Round(x), 1), 10)}, {Question: yesQ, Value: y}},
		})
	}
	return out
}

// aggregate returns the raw aggregate of question q of photo p in votes,
// with the fitted weights.
func aggregate(p *photo, votes []quality.Vote, fit *quality.Fit, q int) stats.Aggregate {
	a := quality.Aggregate(votes, p.id, q)
	a.Weighted = fit.Photos[p.id][q]
	return a
}

// byPhoto groups votes by photo.
func byPhoto(votes []quality.Vote) map[uuid.UUID][]quality.Vote {
	m := map[uuid.UUID][]quality.Vote{}
	for _, v := range votes {
		m[v.Photo] = append(m[v.Photo], v)
	}
	return m
}

// scores returns, per photo, today's raw ranking score and the adjusted
// one (stats.Rank) of question q; a photo with no rank scores -Inf.
func scores(ps []*photo, votes []quality.Vote, fit *quality.Fit, q int) (raw, adj []float64) {
	groups := byPhoto(votes)
	aggs := make([]stats.Aggregate, len(ps))
	var sum float64
	var n int
	for i, p := range ps {
		aggs[i] = aggregate(p, groups[p.id], fit, q)
		if aggs[i].Count > 0 {
			sum += float64(aggs[i].Sum) / float64(aggs[i].Count)
			n++
		}
	}
	prior := sum / float64(max(n, 1))
	kind, r := stats.Scale, scale
	if q == yesQ {
		kind, r = stats.YesNo, nil
	}
	for i := range ps {
		a := aggs[i]
		rawA := a
		rawA.Weighted = nil
		rs := stats.Summarize(kind, rawA, r)
		switch {
		case a.Count == 0:
			raw = append(raw, math.Inf(-1))
		case kind == stats.YesNo:
			raw = append(raw, stats.WilsonLowerBound(a.Sum, a.Count, stats.NormalQuantile(0.975)))
		default:
			raw = append(raw, stats.BayesianAverage(*rs.Mean, a.Count, prior, 10))
		}
		s, ok := stats.Rank(kind, stats.Summarize(kind, a, r), r)
		if !ok {
			s = math.Inf(-1)
		}
		adj = append(adj, s)
	}
	return raw, adj
}

// setRanks sets each photo's rank (1 = the highest score) in the field
// field returns, ties broken by photo order.
func setRanks(ps []*photo, score []float64, field func(*photo) *int) {
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	for r, i := range idx {
		*field(ps[i]) = r + 1
	}
}

// spearman is Spearman's rank correlation of x and y (ties get their mean
// rank): Pearson's correlation of the ranks.
func spearman(x, y []float64) float64 {
	rx, ry := ranks(x), ranks(y)
	n := float64(len(x))
	var mx, my float64
	for i := range rx {
		mx += rx[i] / n
		my += ry[i] / n
	}
	var sxy, sxx, syy float64
	for i := range rx {
		dx, dy := rx[i]-mx, ry[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}

// ranks returns the ranks (1-based, ascending, ties averaged) of x.
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	out := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			out[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return out
}

type gain struct {
	max  int
	mean float64
}

// gains returns the largest and mean places gained by the stuffed photos.
func gains(ps []*photo, gained func(*photo) int) gain {
	g := gain{max: math.MinInt}
	var n int
	for _, p := range ps {
		if p.stuffed {
			d := gained(p)
			g.max = max(g.max, d)
			g.mean += float64(d)
			n++
		}
	}
	if n > 0 {
		g.mean /= float64(n)
	}
	return g
}

// polarising reports how the polarising photos move under the model (fit
// to votes, which should be those without the stuffing: correcting
// stuffing is meant to move a photo) and returns the checks they fail.
func polarising(ps []*photo, votes []quality.Vote, fit *quality.Fit) []string {
	groups := byPhoto(votes)
	const middle = 5.5
	var n int
	var shift, worst, spreadMin, rawMove, adjMove, rawErr, adjErr, adjDown, campMax, toMajority float64
	spreadMin = math.Inf(1)
	for _, p := range ps {
		if !p.polar {
			continue
		}
		a := aggregate(p, groups[p.id], fit, scaleQ)
		s := stats.Summarize(stats.Scale, a, scale)
		w := fit.Photos[p.id][scaleQ]
		rawMean := float64(a.Sum) / float64(a.Count)
		rawSD := math.Sqrt(float64(a.SumSq)/float64(a.Count) - rawMean*rawMean)
		toMiddle := math.Abs(rawMean-middle) - math.Abs(*s.AdjustedMean-middle)
		rawErr += math.Abs(rawMean - p.truth)
		adjErr += math.Abs(*s.AdjustedMean - p.truth)
		shift += toMiddle
		worst = max(worst, toMiddle)
		spreadMin = min(spreadMin, math.Sqrt(max(0, w.MeanSq-w.Mean*w.Mean))/rawSD)
		weighted, raw := campShare(groups[p.id], fit), campShare(groups[p.id], nil)
		campMax = max(campMax, math.Abs(weighted-raw))
		toMajority += math.Abs(weighted-0.5) - math.Abs(raw-0.5)
		rawMove += math.Abs(float64(p.rawClean - p.truthRank(ps)))
		adjMove += math.Abs(float64(p.adjClean - p.truthRank(ps)))
		adjDown += float64(p.adjClean - p.rawClean)
		n++
	}
	if n == 0 {
		return nil
	}
	fmt.Printf("Polarising photos (%d; without the stuffing sessions, so that only weighting's effect on honest disagreement shows)\n", n)
	fmt.Printf("  adjusted mean vs raw mean, toward the middle (%.1f): mean %+.3f, largest %+.3f\n", middle, shift/float64(n), worst)
	fmt.Printf("  mean distance from the truth: raw mean %.3f, adjusted mean %.3f\n", rawErr/float64(n), adjErr/float64(n))
	fmt.Printf("  the high camp's share of the answers (6 and above), weighted vs raw: differs by at most %.3f, moves toward the majority camp by %+.4f on average\n", campMax, toMajority/float64(n))
	fmt.Printf("  spread kept by weighting (weighted SD / raw SD, which also drops careless answers): at least %.3f\n", spreadMin)
	fmt.Printf("  mean distance from their true rank: raw %.1f places, adjusted %.1f (adjusted ranks them %.1f places lower on average: the\n", rawMove/float64(n), adjMove/float64(n), adjDown/float64(n))
	fmt.Printf("  lower end of the interval is lower for their wide spread of answers)\n\n")
	var failures []string
	if worst > maxMiddleShift || shift/float64(n) > meanMiddleShift {
		failures = append(failures, fmt.Sprintf("polarising photos move toward the middle: largest %.3f (limit %g), mean %.3f (limit %g)", worst, maxMiddleShift, shift/float64(n), meanMiddleShift))
	}
	if campMax > maxCampShift || toMajority/float64(n) > meanToMajority {
		failures = append(failures, fmt.Sprintf("weighting silences a camp: a polarising photo's high camp share changes by up to %.3f (at most %g), toward the majority by %.4f on average (at most %g)",
			campMax, maxCampShift, toMajority/float64(n), meanToMajority))
	}
	return failures
}

// campShare is the share of the weight of one photo's scale answers that
// are 6 or above, weighed as WeighPhoto weighs them with fit's judges (nil:
// every answer counting 1). The network discount is computed within each
// camp, which differs from the whole photo's only when one network has
// votes in both camps.
func campShare(votes []quality.Vote, fit *quality.Fit) float64 {
	var high, low []quality.Vote
	for _, v := range votes {
		if v.Answers[0].Value >= 6 {
			high = append(high, v)
		} else {
			low = append(low, v)
		}
	}
	weight := func(vs []quality.Vote) float64 {
		if fit == nil {
			return float64(len(vs))
		}
		if w := quality.WeighPhoto(questions, vs, func(j uuid.UUID) *quality.Judge { return fit.Judges[j] }, quality.DefaultConfig())[scaleQ]; w != nil {
			return w.Weight
		}
		return 0
	}
	h, l := weight(high), weight(low)
	return h / (h + l)
}

// truthRank is p's rank (1 = top) by true value among ps.
func (p *photo) truthRank(ps []*photo) int {
	r := 1
	for _, o := range ps {
		if o.truth > p.truth {
			r++
		}
	}
	return r
}
