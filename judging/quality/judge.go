package quality

import (
	"math"
	"slices"

	"github.com/google/uuid"
)

// The bounds of the yes/no model, which keep log-odds finite.
const (
	// shareFloor: a center share is taken as at least this and at most
	// 1 − shareFloor when a residual is measured against it.
	shareFloor = 0.02
	// maxLogOdds bounds a yes/no offset.
	maxLogOdds = 4.0
	// sameAnswers is the number of answers of one question, all equal,
	// from which a judge is straight-lining it; also the number of
	// Numeric answers of one vote, all equal, that marks the vote.
	sameAnswers = 5
	sameInVote  = 3
)

// ProfileJudge returns what the model makes of one judge from all of that
// judge's votes (and only theirs; the judge's Owner votes, on their own
// photos, are left out), measuring residuals against center (nil: no
// offsets):
//
//   - Votes: the distinct photos judged;
//   - Offsets: per Numeric question Σ(x − center)/(n + Shrink); per YesNo
//     question one Newton step from 0 of the logistic model
//     P(yes) = σ(logit(center) + b) with a Gaussian prior of precision
//     Shrink/4 (the information of Shrink votes at a share of ½):
//     b = Σ(y − p)/(Σ p(1 − p) + Shrink/4), p the center, bounded to ±4;
//   - Care: (1 − fast)(1 − same)(1 − contradicting), each the share of the
//     judge's votes showing that pattern (see care);
//   - Weight: NewWeight below Established photos, else from 0.5 at
//     Established growing linearly to 1 at FullVotes, times Care.
//
// center should leave the judge's own vote out (FitAll's does), so that a
// judge is not measured against themselves.
func ProfileJudge(qs []Question, votes []Vote, center Center, cfg Config) *Judge {
	cfg = cfg.withDefaults()
	byID := index(qs)
	own := make([]Vote, 0, len(votes))
	photos := make(map[uuid.UUID]bool, len(votes))
	for _, v := range votes {
		if !v.Owner {
			own = append(own, v)
			photos[v.Photo] = true
		}
	}
	j := &Judge{Votes: len(photos), Offsets: offsets(byID, own, center, cfg), Care: care(byID, own, cfg)}
	j.Weight = historyWeight(j.Votes, cfg) * j.Care
	return j
}

// historyWeight is a judge's weight from the number of photos judged,
// before Care.
func historyWeight(votes int, cfg Config) float64 {
	switch {
	case votes < cfg.Established:
		return cfg.NewWeight
	case votes >= cfg.FullVotes:
		return 1
	}
	grown := float64(votes-cfg.Established) / float64(cfg.FullVotes-cfg.Established)
	return EstablishedWeight + (1-EstablishedWeight)*grown
}

// offsets returns the judge's shrunk offset per question (see
// ProfileJudge); a question with no residual has none.
func offsets(byID map[int]Question, votes []Vote, center Center, cfg Config) map[int]float64 {
	type acc struct{ sum, info float64 } // Numeric: Σ r and n; YesNo: Σ(y − p) and Σ p(1 − p)
	accs := map[int]*acc{}
	for _, v := range votes {
		for _, a := range v.Answers {
			q, ok := byID[a.Question]
			if !ok || !answered(q, a) || center == nil {
				continue
			}
			c, ok := center(v.Photo, q.ID)
			if !ok || math.IsNaN(c) || math.IsInf(c, 0) {
				continue
			}
			ac := accs[q.ID]
			if ac == nil {
				ac = &acc{}
				accs[q.ID] = ac
			}
			if q.Kind == YesNo {
				p := min(max(c, shareFloor), 1-shareFloor)
				ac.sum += a.Value - p
				ac.info += p * (1 - p)
			} else {
				ac.sum += q.clamp(a.Value) - q.clamp(c)
				ac.info++
			}
		}
	}
	out := make(map[int]float64, len(accs))
	for id, ac := range accs {
		if byID[id].Kind == YesNo {
			out[id] = min(max(ac.sum/(ac.info+cfg.Shrink/4), -maxLogOdds), maxLogOdds)
		} else {
			out[id] = ac.sum / (ac.info + cfg.Shrink)
		}
	}
	return out
}

// care is (1 − fast)(1 − same)(1 − contradicting) over the judge's n votes
// (1 for none), where
//
//   - fast is the share of votes stored less than MinReadTime after the
//     judge's previous vote (votes with an unknown time are never fast);
//   - same is the share of votes marked as the same answer to everything:
//     answering a Numeric question the judge has answered at least 5 times
//     always with the same value, or giving one value to all of at least 3
//     Numeric questions of the vote;
//   - contradicting is the share of votes on an image (Vote.Image) that the
//     judge also judged under another vote with answers differing by more
//     than a quarter of the range on some Numeric question, or on more than
//     half of the YesNo questions both answered.
//
// Nothing here compares the judge with other judges: disagreeing with the
// crowd never lowers Care.
func care(byID map[int]Question, votes []Vote, cfg Config) float64 {
	n := len(votes)
	if n == 0 {
		return 1
	}
	fast := fastVotes(votes, cfg)
	same := sameVotes(byID, votes)
	contra := contradictingVotes(byID, votes)
	share := func(k int) float64 { return float64(k) / float64(n) }
	return max(0, (1-share(fast))*(1-share(same))*(1-share(contra)))
}

// fastVotes counts the votes stored less than MinReadTime after the
// judge's previous vote with a known time.
func fastVotes(votes []Vote, cfg Config) int {
	var times []int64
	for _, v := range votes {
		if !v.At.IsZero() {
			times = append(times, v.At.UnixNano())
		}
	}
	slices.Sort(times)
	fast := 0
	for i := 1; i < len(times); i++ {
		if times[i]-times[i-1] < int64(cfg.MinReadTime) {
			fast++
		}
	}
	return fast
}

// sameVotes counts the votes marked as the same answer to everything (see
// care).
func sameVotes(byID map[int]Question, votes []Vote) int {
	type seen struct {
		n     int
		first float64
		same  bool
	}
	perQ := map[int]*seen{}
	for _, v := range votes {
		for _, a := range v.Answers {
			q, ok := byID[a.Question]
			if !ok || q.Kind != Numeric || !answered(q, a) {
				continue
			}
			s := perQ[q.ID]
			if s == nil {
				s = &seen{first: a.Value, same: true}
				perQ[q.ID] = s
			}
			s.n++
			s.same = s.same && a.Value == s.first
		}
	}
	count := 0
	for _, v := range votes {
		numeric, allEqual, straight := 0, true, false
		var first float64
		for _, a := range v.Answers {
			q, ok := byID[a.Question]
			if !ok || q.Kind != Numeric || !answered(q, a) {
				continue
			}
			if s := perQ[q.ID]; s.n >= sameAnswers && s.same {
				straight = true
			}
			if numeric == 0 {
				first = a.Value
			}
			allEqual = allEqual && a.Value == first
			numeric++
		}
		if straight || numeric >= sameInVote && allEqual {
			count++
		}
	}
	return count
}

// contradictingVotes counts the votes that contradict another of the
// judge's votes on the same image (see care).
func contradictingVotes(byID map[int]Question, votes []Vote) int {
	byImage := map[string][]int{}
	for i, v := range votes {
		if v.Image != "" {
			byImage[v.Image] = append(byImage[v.Image], i)
		}
	}
	flagged := make([]bool, len(votes))
	for _, idx := range byImage {
		for x := 0; x < len(idx); x++ {
			for y := x + 1; y < len(idx); y++ {
				if contradict(byID, votes[idx[x]], votes[idx[y]]) {
					flagged[idx[x]], flagged[idx[y]] = true, true
				}
			}
		}
	}
	count := 0
	for _, f := range flagged {
		if f {
			count++
		}
	}
	return count
}

// contradict reports whether two votes on the same image disagree by more
// than a quarter of the range on a Numeric question, or on more than half
// of the YesNo questions both answer.
func contradict(byID map[int]Question, a, b Vote) bool {
	first := map[int]float64{}
	for _, x := range a.Answers {
		if q, ok := byID[x.Question]; ok && answered(q, x) {
			first[q.ID] = x.Value
		}
	}
	shared, differ := 0, 0
	for _, y := range b.Answers {
		q, ok := byID[y.Question]
		x, both := first[y.Question]
		if !ok || !both || !answered(q, y) {
			continue
		}
		if q.Kind == Numeric {
			if math.Abs(x-y.Value) > (q.Max-q.Min)/4 {
				return true
			}
			continue
		}
		shared++
		if x != y.Value {
			differ++
		}
	}
	return 2*differ > shared
}
