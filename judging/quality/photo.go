package quality

import (
	"math"

	"github.com/facestat/facestat/stats"
	"github.com/google/uuid"
)

// WeighPhoto returns, per question answered in votes (all of one photo's
// votes), what the judge model makes of the answers. Each vote weighs
//
//	w = judge Weight (NewWeight for a judge judges returns nil for, or when
//	    judges is nil) × 0 for an Owner vote × the network discount,
//
// the network discount scaling the votes of one Network ("" never groups)
// so that their weights add up to at most NetworkCap times the largest of
// them. Then per question, over the votes answering it:
//
//	Weight = Σw, NEff = min((Σw)²/Σw², Σw), Mean = Σwx/Σw, MeanSq = Σwx²/Σw,
//
// and Adjusted: for Numeric Σw(x − offset)/Σw clamped to [Min, Max]; for
// YesNo σ(ℓ) where ℓ solves Σ w σ(ℓ + b) = Σ w y (b the judges' log-odds
// offsets): the share that, after each judge's habit, explains the yes
// answers given.
//
// NEff is Kish's effective sample size bounded by Σw: Kish's formula alone
// does not see the scale of the weights (25 votes of 0.008 would still
// count as 25), and every weight here is at most 1, so Σw is the bound
// that binds; Kish's would only for weights above 1.
//
// A question whose answers all weigh 0 (say only the owner's) gets an
// entry with Weight and NEff 0 and the unweighted Mean and MeanSq, so that
// stats.Summarize shows the raw figures but stats.Rank leaves it out;
// a question nobody answered gets no entry. Nothing is dropped: a vote
// that weighs 0 is still in the raw count and histogram.
func WeighPhoto(qs []Question, votes []Vote, judges func(uuid.UUID) *Judge, cfg Config) map[int]*stats.Weighted {
	cfg = cfg.withDefaults()
	return weigh(index(qs), votes, voteWeights(votes, judges, cfg), judges, false).figures
}

// Aggregate returns the raw aggregate of one question of one photo over
// votes (the others' are skipped), answers rounded to integers, as the
// service keeps it, without Weighted: for tests and simulations.
func Aggregate(votes []Vote, photo uuid.UUID, question int) stats.Aggregate {
	a := stats.Aggregate{Histogram: map[int]int64{}}
	for _, v := range votes {
		if v.Photo != photo {
			continue
		}
		for _, ans := range v.Answers {
			if ans.Question == question && !math.IsNaN(ans.Value) && !math.IsInf(ans.Value, 0) {
				x := int64(math.Round(ans.Value))
				a.Count++
				a.Sum += x
				a.SumSq += x * x
				a.Histogram[int(x)]++
			}
		}
	}
	return a
}

// voteWeights returns the weight of each vote of one photo (see
// WeighPhoto).
func voteWeights(votes []Vote, judges func(uuid.UUID) *Judge, cfg Config) []float64 {
	ws := make([]float64, len(votes))
	type group struct{ total, largest float64 }
	nets := map[string]*group{}
	for i, v := range votes {
		if v.Owner {
			continue
		}
		w := cfg.NewWeight
		if judges != nil {
			if j := judges(v.Judge); j != nil {
				w = j.Weight
			}
		}
		if !(w > 0) || math.IsInf(w, 0) {
			w = 0
		}
		ws[i] = w
		if v.Network != "" {
			g := nets[v.Network]
			if g == nil {
				g = &group{}
				nets[v.Network] = g
			}
			g.total += w
			g.largest = max(g.largest, w)
		}
	}
	for i, v := range votes {
		if g := nets[v.Network]; g != nil && g.total > cfg.NetworkCap*g.largest {
			ws[i] *= cfg.NetworkCap * g.largest / g.total
		}
	}
	return ws
}

// weighing is what weigh makes of one photo's votes: the figures per
// question, and per vote and answer (adjusted[i][a] for votes[i].Answers[a])
// the adjusted answer, whose weighted mean is the question's adjusted
// figure (FitAll measures other judges against it); NaN for an answer to
// no known question or an unusable one.
type weighing struct {
	figures  map[int]*stats.Weighted
	adjusted [][]float64
}

// weigh computes the figures of one photo's votes with the given weights
// (see WeighPhoto), and the adjusted answers when adjusted is true (FitAll
// needs them; WeighPhoto does not).
func weigh(byID map[int]Question, votes []Vote, ws []float64, judges func(uuid.UUID) *Judge, adjusted bool) weighing {
	type acc struct {
		n               int
		w, w2, wx, wx2  float64 // weighted sums
		x, x2           float64 // unweighted sums
		wAdj            float64 // Numeric: Σ w (x − offset)
		offs, wts, ansV []float64
		voteIdx, ansIdx []int
	}
	// The answers per question, counted first, so that each question's
	// slices are cut from slabs of the photo's answers (a photo with
	// thousands of votes would grow them by appends a dozen times).
	counts := map[int]int{}
	n := 0
	for _, v := range votes {
		n += len(v.Answers)
		for _, a := range v.Answers {
			counts[a.Question]++
		}
	}
	fslab := make([]float64, 3*n)
	var (
		islab []int
		flat  []float64
	)
	accs := make(map[int]*acc, len(counts))
	var order []int
	out := weighing{figures: make(map[int]*stats.Weighted, len(counts))}
	if adjusted {
		islab, flat = make([]int, 2*n), make([]float64, n)
		out.adjusted = make([][]float64, len(votes))
	}
	for i, v := range votes {
		if adjusted {
			out.adjusted[i], flat = flat[:len(v.Answers):len(v.Answers)], flat[len(v.Answers):]
		}
		var judge *Judge
		if judges != nil {
			judge = judges(v.Judge)
		}
		for ai, a := range v.Answers {
			if adjusted {
				out.adjusted[i][ai] = math.NaN()
			}
			q, ok := byID[a.Question]
			if !ok || !answered(q, a) {
				continue
			}
			ac := accs[q.ID]
			if ac == nil {
				c := counts[q.ID]
				ac = &acc{offs: cut(&fslab, c), wts: cut(&fslab, c), ansV: cut(&fslab, c)}
				if adjusted {
					ac.voteIdx, ac.ansIdx = cut(&islab, c), cut(&islab, c)
				}
				accs[q.ID] = ac
				order = append(order, q.ID)
			}
			x, w := a.Value, ws[i]
			var off float64
			if judge != nil {
				off = judge.Offsets[q.ID]
			}
			ac.n++
			ac.x += x
			ac.x2 += x * x
			ac.w += w
			ac.w2 += w * w
			ac.wx += w * x
			ac.wx2 += w * x * x
			ac.wAdj += w * (x - off)
			ac.offs = append(ac.offs, off)
			ac.wts = append(ac.wts, w)
			ac.ansV = append(ac.ansV, x)
			if adjusted {
				ac.voteIdx = append(ac.voteIdx, i)
				ac.ansIdx = append(ac.ansIdx, ai)
			}
		}
	}
	for _, id := range order {
		q, ac := byID[id], accs[id]
		if !(ac.w > 0) {
			n := float64(ac.n)
			out.figures[id] = &stats.Weighted{Mean: ac.x / n, MeanSq: ac.x2 / n}
			continue
		}
		f := &stats.Weighted{
			Weight: ac.w,
			NEff:   min(ac.w*ac.w/ac.w2, ac.w),
			Mean:   ac.wx / ac.w,
			MeanSq: ac.wx2 / ac.w,
		}
		var adj float64
		var perVote func(k int) float64
		if q.Kind == YesNo {
			l := solveLogOdds(ac.wts, ac.ansV, ac.offs)
			adj = sigmoid(l)
			// The answer with the judge's expected excess of yes removed:
			// these average (weighted) to adj exactly, by the choice of ℓ.
			perVote = func(k int) float64 { return ac.ansV[k] - sigmoid(l+ac.offs[k]) + adj }
			if math.IsInf(l, 0) {
				perVote = func(int) float64 { return adj }
			}
		} else {
			adj = q.clamp(ac.wAdj / ac.w)
			perVote = func(k int) float64 { return ac.ansV[k] - ac.offs[k] }
		}
		f.Adjusted = &adj
		out.figures[id] = f
		for k, i := range ac.voteIdx {
			out.adjusted[i][ac.ansIdx[k]] = perVote(k)
		}
	}
	return out
}

// cut takes an empty slice of capacity c off the front of *slab.
func cut[T any](slab *[]T, c int) []T {
	s := (*slab)[:0:c]
	*slab = (*slab)[c:]
	return s
}

// solveLogOdds returns the ℓ with Σ w σ(ℓ + b) = Σ w y over the answers
// (weights ws, answers ys of 0 or 1, offsets bs), Σw > 0: −Inf when every
// weighed answer is no, +Inf when every one is yes, else found by Newton's
// method kept inside a bisection bracket (Σ w σ(ℓ + b) increases with ℓ),
// to 1e-12 of Σw.
func solveLogOdds(ws, ys, bs []float64) float64 {
	var total, yes float64
	for k, w := range ws {
		total += w
		yes += w * ys[k]
	}
	switch {
	case yes <= 0:
		return math.Inf(-1)
	case yes >= total:
		return math.Inf(1)
	}
	lo, hi := -50.0, 50.0
	l := math.Log(yes / (total - yes))
	for range 200 {
		var f, slope float64
		for k, w := range ws {
			p := sigmoid(l + bs[k])
			f += w * p
			slope += w * p * (1 - p)
		}
		f -= yes
		if math.Abs(f) <= 1e-12*total {
			break
		}
		if f < 0 {
			lo = l
		} else {
			hi = l
		}
		next := l - f/slope
		if !(next > lo && next < hi) { // a step out of the bracket (or slope 0): bisect
			next = lo + (hi-lo)/2
		}
		if next == l {
			break
		}
		l = next
	}
	return l
}

// LeaveOut returns the center of question q of a photo whose figures are f
// (from WeighPhoto) with one vote taken out: the vote answered x, its judge
// is j (nil: a new judge) and it weighed w (WeighPhoto's weight; the
// judge's Weight when the network discount is not known). It removes the
// vote's part from the weighted mean of adjusted answers,
//
//	(Σw · figure − w · a) / (Σw − w),  clamped to the range,
//
// figure being f.Adjusted (else f.Mean) and a the vote's adjusted answer:
// x − offset, or for YesNo x − σ(ℓ + b) + σ(ℓ) with ℓ = logit(figure), the
// same as FitAll's centers. False when f is nil or nothing else weighs.
// This lets a refit that keeps only the photos' figures measure a judge
// against the others, as FitAll does.
func LeaveOut(q Question, f *stats.Weighted, x float64, j *Judge, w float64) (float64, bool) {
	if f == nil || !(w >= 0) || math.IsNaN(x) {
		return 0, false
	}
	if q.Kind == YesNo {
		q.Min, q.Max = 0, 1
	}
	rest := f.Weight - w
	if !(rest > 1e-9) {
		return 0, false
	}
	figure := f.Mean
	if f.Adjusted != nil {
		figure = *f.Adjusted
	}
	var off float64
	if j != nil {
		off = j.Offsets[q.ID]
	}
	a := x - off
	if q.Kind == YesNo {
		p := min(max(figure, shareFloor/100), 1-shareFloor/100)
		l := math.Log(p / (1 - p))
		a = x - sigmoid(l+off) + sigmoid(l)
	}
	return q.clamp((f.Weight*figure - w*a) / rest), true
}
