package judging

import (
	"cmp"
	"encoding/binary"
	"hash/fnv"
	"slices"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/identity"
)

// A judge is asked a few of the active questions about each photo
// (Photo.survey), so that judging stays quick and every question gets
// answers evenly. docs/STATISTICS.md, "Which questions a judge is asked",
// says the rule for judges.
const (
	SurveyMax = 4 // questions asked while four or more are unsettled
	SurveyMin = 3 // questions asked at least, settled ones filling up
)

// SurveyFor returns the questions v (nil: a client without a session) is
// asked about p, whose aggregates are a, in survey order: all the active
// questions when there are at most SurveyMax, else SurveyMax of them,
// chosen by
//
//  1. unsettled before settled: a question is settled when its result on
//     p is stable (stable needs MinVotes answers; WORD questions, stable
//     by count alone, are never settled);
//  2. fewest answers on p first;
//  3. ties broken by a hash of (v, p, question), so judges asked at once
//     get different subsets.
//
// Settled questions are asked only to fill the survey up to SurveyMin:
// with four or more unsettled questions, none is. Every survey holds at
// least one NUMBER or SCALE question when the survey has one (the best
// ranked takes the last place): they are what a photo is judged for, and
// what the judge model learns most of a judge's habits from. castVote
// accepts answers to any question all the same.
func (s *Service) SurveyFor(v *identity.Viewer, p *ent.Photo, a *Aggregates) []*ent.Question {
	active := s.Survey.Active()
	if len(active) <= SurveyMax {
		return active
	}
	var judge uuid.UUID
	if v != nil {
		judge = v.ID
	}
	type candidate struct {
		q       *ent.Question
		pos     int
		settled bool
		count   int64
		hash    uint64
	}
	ps := s.Build(p, a)
	cands := make([]candidate, len(ps.Questions))
	for i, qs := range ps.Questions {
		q := qs.Question
		cands[i] = candidate{q: q, pos: i, count: qs.Count, hash: surveyHash(judge, p.ID, q.ID),
			settled: q.Kind != question.KindWORD && qs.Stable != nil && *qs.Stable}
	}
	slices.SortFunc(cands, func(x, y candidate) int {
		if x.settled != y.settled {
			if x.settled {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(x.count, y.count), cmp.Compare(x.hash, y.hash), cmp.Compare(x.pos, y.pos))
	})
	unsettled := 0
	for _, c := range cands {
		if !c.settled {
			unsettled++
		}
	}
	chosen := slices.Clone(cands[:min(max(unsettled, SurveyMin), SurveyMax)])
	numeric := func(c candidate) bool { return c.q.Kind == question.KindNUMBER || c.q.Kind == question.KindSCALE }
	if !slices.ContainsFunc(chosen, numeric) {
		if i := slices.IndexFunc(cands, numeric); i >= 0 {
			chosen[len(chosen)-1] = cands[i]
		}
	}
	slices.SortFunc(chosen, func(x, y candidate) int { return cmp.Compare(x.pos, y.pos) })
	out := make([]*ent.Question, len(chosen))
	for i, c := range chosen {
		out[i] = c.q
	}
	return out
}

// surveyHash is SurveyFor's tie-break: FNV-1a of the judge, the photo and
// the question.
func surveyHash(judge, photo uuid.UUID, q int) uint64 {
	h := fnv.New64a()
	h.Write(judge[:])
	h.Write(photo[:])
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(q))
	h.Write(b[:])
	return h.Sum64()
}
