package quality

import (
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
// pairs of their votes on the same image.
func FitAll(qs []Question, votes []Vote, cfg Config) *Fit {
	cfg = cfg.withDefaults()
	byID := index(qs)
	byJudge := map[uuid.UUID][]int{}
	byPhoto := map[uuid.UUID][]int{}
	var judgeOrder, photoOrder []uuid.UUID
	for i, v := range votes {
		if _, ok := byJudge[v.Judge]; !ok {
			judgeOrder = append(judgeOrder, v.Judge)
		}
		byJudge[v.Judge] = append(byJudge[v.Judge], i)
		if _, ok := byPhoto[v.Photo]; !ok {
			photoOrder = append(photoOrder, v.Photo)
		}
		byPhoto[v.Photo] = append(byPhoto[v.Photo], i)
	}
	// Per vote: its weight and adjusted answers, what the centers are made of.
	weight := make([]float64, len(votes))
	adjusted := make([]map[int]float64, len(votes))
	for i, v := range votes {
		if !v.Owner {
			weight[i] = 1
		}
		adjusted[i] = map[int]float64{}
		for _, a := range v.Answers {
			if q, ok := byID[a.Question]; ok && answered(q, a) {
				adjusted[i][q.ID] = a.Value
			}
		}
	}
	fit := &Fit{Judges: map[uuid.UUID]*Judge{}, Photos: map[uuid.UUID]map[int]*stats.Weighted{}}
	lookup := func(id uuid.UUID) *Judge { return fit.Judges[id] }
	for range cfg.Sweeps {
		sums := centerSums(votes, weight, adjusted)
		judges := map[uuid.UUID]*Judge{}
		for _, j := range judgeOrder {
			own := make([]Vote, len(byJudge[j]))
			for k, i := range byJudge[j] {
				own[k] = votes[i]
			}
			judges[j] = ProfileJudge(qs, own, sums.leaving(byID, byJudge[j], votes, weight, adjusted), cfg)
		}
		fit.Judges = judges
		for _, p := range photoOrder {
			idx := byPhoto[p]
			pv := make([]Vote, len(idx))
			for k, i := range idx {
				pv[k] = votes[i]
			}
			ws := voteWeights(pv, lookup, cfg)
			wg := weigh(byID, pv, ws, lookup)
			fit.Photos[p] = wg.figures
			for k, i := range idx {
				weight[i] = ws[k]
				if wg.adjusted[k] != nil {
					adjusted[i] = wg.adjusted[k]
				}
			}
		}
	}
	return fit
}

// photoQuestion keys a photo's question.
type photoQuestion struct {
	photo    uuid.UUID
	question int
}

// sums holds, per photo and question, Σ w·(adjusted answer) and Σ w.
type sums map[photoQuestion]*[2]float64

func centerSums(votes []Vote, weight []float64, adjusted []map[int]float64) sums {
	s := sums{}
	for i, v := range votes {
		s.add(v.Photo, weight[i], adjusted[i])
	}
	return s
}

// add adds one vote on photo, of weight w and adjusted answers adj.
func (s sums) add(photo uuid.UUID, w float64, adj map[int]float64) {
	for q, a := range adj {
		k := photoQuestion{photo, q}
		acc := s[k]
		if acc == nil {
			acc = &[2]float64{}
			s[k] = acc
		}
		acc[0] += w * a
		acc[1] += w
	}
}

// leaving returns the Center that leaves out the votes own (indices into
// votes, one judge's): the weighted mean of the other adjusted answers on
// the photo, clamped to the question's range.
func (s sums) leaving(byID map[int]Question, own []int, votes []Vote, weight []float64, adjusted []map[int]float64) Center {
	mine := sums{}
	for _, i := range own {
		mine.add(votes[i].Photo, weight[i], adjusted[i])
	}
	return func(photo uuid.UUID, question int) (float64, bool) {
		k := photoQuestion{photo, question}
		all := s[k]
		if all == nil {
			return 0, false
		}
		wa, w := all[0], all[1]
		if m := mine[k]; m != nil {
			wa, w = wa-m[0], w-m[1]
		}
		// Rounding can leave a sliver of the judge's own weight.
		if !(w > 1e-9) {
			return 0, false
		}
		return byID[question].clamp(wa / w), true
	}
}
