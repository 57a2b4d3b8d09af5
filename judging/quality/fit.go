package quality

import (
	"math"
	"slices"

	"github.com/facestat/facestat/stats"
	"github.com/google/uuid"
)

// Fit is the judge model fitted to a set of votes.
type Fit struct {
	// Judges holds the profile of every judge with a vote.
	Judges map[uuid.UUID]*Judge
	// Photos holds, per photo with a vote, WeighPhoto's figures per
	// question.
	Photos map[uuid.UUID]map[int]*stats.Weighted
}

// FitAll fits the model to votes (all the votes there are) by alternating
// sweeps: the centers start as the raw means (every vote but the owners'
// weighing 1, no offsets); then Sweeps times, every judge is profiled
// (ProfileJudge) against the centers leaving their own vote out, every photo
// is weighed (WeighPhoto) with the new profiles, and the centers become the
// photos' adjusted figures. A center leaving a judge out is the weighted
// mean of the other judges' adjusted answers (x − offset; for YesNo the
// answer less the judge's expected excess of yes), clamped to the range,
// and there is none when no other vote weighs anything.
//
// Its cost is O(Sweeps × votes × answers per vote), plus, per judge, the
// pairs of their votes on the same image; about 1 s for 80,000 votes of two
// answers (docs/PERFORMANCE.md, bench-judging). It starts no goroutines.
func FitAll(qs []Question, votes []Vote, cfg Config) *Fit {
	cfg = cfg.withDefaults()
	byID := index(qs)
	m := newModel(byID, votes)
	fit := &Fit{Judges: map[uuid.UUID]*Judge{}, Photos: map[uuid.UUID]map[int]*stats.Weighted{}}
	lookup := func(id uuid.UUID) *Judge { return fit.Judges[id] }
	var scratch []Vote // one judge's or one photo's votes; nothing keeps it
	gather := func(idx []int) []Vote {
		scratch = scratch[:0]
		for _, i := range idx {
			scratch = append(scratch, votes[i])
		}
		return scratch
	}
	for range cfg.Sweeps {
		m.sum()
		judges := make(map[uuid.UUID]*Judge, len(m.judges))
		for j, idx := range m.judgeIdx {
			judges[m.judges[j]] = ProfileJudge(qs, gather(idx), m.leaving(idx), cfg)
		}
		fit.Judges = judges
		for p, idx := range m.photoIdx {
			pv := gather(idx)
			ws := voteWeights(pv, lookup, cfg)
			wg := weigh(byID, pv, ws, lookup, true)
			fit.Photos[m.photos[p]] = wg.figures
			for k, i := range idx {
				m.weight[i] = ws[k]
				copy(m.adjusted[i], wg.adjusted[k])
			}
		}
	}
	return fit
}

// model is FitAll's working state: the votes indexed densely, and per vote
// its current weight and adjusted answers, from which the centers are
// summed.
type model struct {
	votes    []Vote
	byID     map[int]Question
	nq       int
	slot     [][]int     // per vote and answer: photo·nq + question slot, or -1
	weight   []float64   // per vote
	adjusted [][]float64 // per vote and answer (NaN: not used)
	s, w     []float64   // per slot: Σ weight·adjusted and Σ weight
	photoOf  map[uuid.UUID]int
	qslot    map[int]int
	judges   []uuid.UUID // in order of first vote
	judgeIdx [][]int     // vote indices per judge
	photos   []uuid.UUID // in order of first vote
	photoIdx [][]int     // vote indices per photo
}

// newModel indexes votes, every vote but the owners' weighing 1 and every
// answer its raw value.
func newModel(byID map[int]Question, votes []Vote) *model {
	m := &model{votes: votes, byID: byID, photoOf: map[uuid.UUID]int{}, qslot: map[int]int{}}
	ids := make([]int, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for k, id := range ids {
		m.qslot[id] = k
	}
	m.nq = len(ids)
	judgeOf := map[uuid.UUID]int{}
	m.slot = make([][]int, len(votes))
	m.weight = make([]float64, len(votes))
	m.adjusted = make([][]float64, len(votes))
	for i, v := range votes {
		j, ok := judgeOf[v.Judge]
		if !ok {
			j = len(m.judges)
			judgeOf[v.Judge] = j
			m.judges = append(m.judges, v.Judge)
			m.judgeIdx = append(m.judgeIdx, nil)
		}
		m.judgeIdx[j] = append(m.judgeIdx[j], i)
		p, ok := m.photoOf[v.Photo]
		if !ok {
			p = len(m.photos)
			m.photoOf[v.Photo] = p
			m.photos = append(m.photos, v.Photo)
			m.photoIdx = append(m.photoIdx, nil)
		}
		m.photoIdx[p] = append(m.photoIdx[p], i)
		if !v.Owner {
			m.weight[i] = 1
		}
		m.slot[i] = make([]int, len(v.Answers))
		m.adjusted[i] = make([]float64, len(v.Answers))
		for a, ans := range v.Answers {
			m.slot[i][a], m.adjusted[i][a] = -1, math.NaN()
			if q, ok := byID[ans.Question]; ok && answered(q, ans) {
				m.slot[i][a], m.adjusted[i][a] = p*m.nq+m.qslot[q.ID], ans.Value
			}
		}
	}
	m.s = make([]float64, len(m.photos)*m.nq)
	m.w = make([]float64, len(m.photos)*m.nq)
	return m
}

// sum recomputes the per-slot sums from the votes' weights and adjusted
// answers.
func (m *model) sum() {
	clear(m.s)
	clear(m.w)
	for i := range m.votes {
		m.each(i, func(slot int, w, a float64) {
			m.s[slot] += w * a
			m.w[slot] += w
		})
	}
}

// each calls f for every used answer of vote i with its slot, the vote's
// weight and the adjusted answer.
func (m *model) each(i int, f func(slot int, w, a float64)) {
	for k, slot := range m.slot[i] {
		if a := m.adjusted[i][k]; slot >= 0 && !math.IsNaN(a) {
			f(slot, m.weight[i], a)
		}
	}
}

// leaving returns the Center that leaves out the votes own (indices into
// the votes, one judge's): the weighted mean of the other adjusted answers
// on the photo, clamped to the question's range.
func (m *model) leaving(own []int) Center {
	mine := map[int][2]float64{}
	for _, i := range own {
		m.each(i, func(slot int, w, a float64) {
			acc := mine[slot]
			mine[slot] = [2]float64{acc[0] + w*a, acc[1] + w}
		})
	}
	return func(photo uuid.UUID, question int) (float64, bool) {
		p, ok := m.photoOf[photo]
		k, known := m.qslot[question]
		if !ok || !known {
			return 0, false
		}
		slot := p*m.nq + k
		wa, w := m.s[slot], m.w[slot]
		if acc, ok := mine[slot]; ok {
			wa, w = wa-acc[0], w-acc[1]
		}
		// Rounding can leave a sliver of the judge's own weight.
		if !(w > 1e-9) {
			return 0, false
		}
		return m.byID[question].clamp(wa / w), true
	}
}
