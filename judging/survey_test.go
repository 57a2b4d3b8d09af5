package judging_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/stats"
)

// answerAll adds one answer to each question of qs to a: value for
// numbers and scales (clamped to the range), value%2 for yes/no; value < 0
// polarises each question by itself: 1 or 100 (yes or no) as its count is
// even or odd.
func answerAll(a *judging.Aggregates, qs []*ent.Question, value int) {
	for _, q := range qs {
		agg := a.Questions[q.ID]
		if agg == nil {
			agg = &stats.Aggregate{Histogram: map[int]int64{}}
			a.Questions[q.ID] = agg
		}
		v := value
		if value < 0 {
			v = []int{1, 100}[agg.Count%2]
		}
		agg.Count++
		switch q.Kind {
		case question.KindWORD:
			continue
		case question.KindYES_NO:
			v %= 2
		default:
			v = min(max(v, *q.Min), *q.Max)
		}
		agg.Sum += int64(v)
		agg.SumSq += int64(v * v)
		agg.Histogram[v]++
	}
}

func newAggregates() *judging.Aggregates {
	return &judging.Aggregates{Questions: map[int]*stats.Aggregate{}, Words: map[int][]judging.WordCount{}}
}

func keys(qs []*ent.Question) string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Key
	}
	return strings.Join(out, ",")
}

func hasNumeric(qs []*ent.Question) bool {
	return slices.ContainsFunc(qs, func(q *ent.Question) bool {
		return q.Kind == question.KindNUMBER || q.Kind == question.KindSCALE
	})
}

// TestSurveyRotates: 100 judges each answering exactly their survey keep
// every question's count within 10% of the others', also when each judge's survey is computed from the aggregates
// as they were one vote earlier (a cache a vote behind); every survey has
// four questions, one of them at least a number or scale.
func TestSurveyRotates(t *testing.T) {
	s, _, p := newService(t, judging.Config{MinVotes: 10, Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, nil)
	active := s.Survey.Active()
	for _, stale := range []bool{false, true} {
		a, prev := newAggregates(), newAggregates()
		for i := range 100 {
			seen := a
			if stale {
				seen = prev
			}
			qs := s.SurveyFor(judge(), p, seen)
			if len(qs) != judging.SurveyMax || !hasNumeric(qs) {
				t.Fatalf("vote %d: survey %s", i, keys(qs))
			}
			prev = clone(a)
			// Answers polarised question by question (1 or 100, yes or no,
			// in turn) keep every result unsettled, so only rotation
			// decides. (Polarised vote by vote, a yes/no question that a
			// run of judges happened to be asked only on odd votes got only
			// yes and settled early: 1 % of runs failed.)
			answerAll(a, qs, -1)
		}
		lo, hi := int64(1<<62), int64(0)
		for _, q := range active {
			n := a.Questions[q.ID].Count
			lo, hi = min(lo, n), max(hi, n)
		}
		if float64(hi-lo) > 0.1*float64(lo) {
			t.Fatalf("stale %v: answers per question from %d to %d", stale, lo, hi)
		}
		t.Logf("stale %v: answers per question from %d to %d", stale, lo, hi)
	}
}

func clone(a *judging.Aggregates) *judging.Aggregates {
	out := newAggregates()
	for id, agg := range a.Questions {
		c := *agg
		c.Histogram = map[int]int64{}
		for k, v := range agg.Histogram {
			c.Histogram[k] = v
		}
		out.Questions[id] = &c
	}
	return out
}

// TestSurveyDiffersByJudge: judges asked about the same photo at once (the
// same counts) get different subsets; one judge asked twice gets the same.
func TestSurveyDiffersByJudge(t *testing.T) {
	s, _, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, nil)
	a := newAggregates()
	subsets := map[string]bool{}
	for range 20 {
		subsets[keys(s.SurveyFor(judge(), p, a))] = true
	}
	if len(subsets) < 5 {
		t.Fatalf("20 judges got %d subsets: %v", len(subsets), subsets)
	}
	v := judge()
	if first, again := keys(s.SurveyFor(v, p, a)), keys(s.SurveyFor(v, p, a)); first != again {
		t.Fatalf("one judge got %s, then %s", first, again)
	}
	if qs := s.SurveyFor(nil, p, a); len(qs) != judging.SurveyMax {
		t.Fatalf("without a session: %s", keys(qs))
	}
}

// TestSurveySettledStepBack: a question whose result is stable is asked
// only to fill the survey up to SurveyMin; WORD questions never settle;
// a number or scale question is asked even when all of them are settled.
func TestSurveySettledStepBack(t *testing.T) {
	s, _, p := newService(t, judging.Config{MinVotes: 10, Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, nil)
	active := s.Survey.Active()
	byKey := func(keys ...string) []*ent.Question {
		var out []*ent.Question
		for _, q := range active {
			if slices.Contains(keys, q.Key) {
				out = append(out, q)
			}
		}
		return out
	}
	settle := func(a *judging.Aggregates, keys ...string) {
		for range 400 { // 400 equal answers: stable
			answerAll(a, byKey(keys...), 1)
		}
	}
	check := func(a *judging.Aggregates, test func(qs []*ent.Question) bool, want string) {
		t.Helper()
		for range 20 {
			if qs := s.SurveyFor(judge(), p, a); !test(qs) {
				t.Fatalf("survey %s: want %s", keys(qs), want)
			}
		}
	}
	stable := func(a *judging.Aggregates, key string) bool {
		for _, qs := range s.Build(p, a).Questions {
			if qs.Question.Key == key {
				return qs.Stable != nil && *qs.Stable
			}
		}
		return false
	}

	// Age settled (and most answered), attractiveness not: age steps back.
	a := newAggregates()
	settle(a, "age")
	if !stable(a, "age") {
		t.Fatal("400 equal answers are not stable: the test's premise fails")
	}
	check(a, func(qs []*ent.Question) bool { return !strings.Contains(keys(qs), "age") && len(qs) == 4 }, "four, without age")

	// Every question settled but two yes/no ones and the word: the three
	// unsettled, without settled filler, but a number or scale takes the
	// last place (the word's: the most answered).
	a = newAggregates()
	settle(a, "age", "attractive", "trustworthy", "intelligent", "happy")
	settle(a, "impression") // a WORD question: never settled
	check(a, func(qs []*ent.Question) bool {
		k := keys(qs)
		return len(qs) == 3 && hasNumeric(qs) && strings.Contains(k, "friendly") && strings.Contains(k, "confident")
	}, "friendly, confident and a number or scale")

	// Everything settled but the word: three questions, a number or scale
	// among them.
	a = newAggregates()
	settle(a, "age", "attractive", "trustworthy", "intelligent", "happy", "friendly", "confident")
	check(a, func(qs []*ent.Question) bool {
		return len(qs) == 3 && hasNumeric(qs) && strings.Contains(keys(qs), "impression")
	}, "three with the word and a number or scale")
}

// TestSurveySmall: with at most SurveyMax active questions, all are asked.
func TestSurveySmall(t *testing.T) {
	s, d, p := newService(t, judging.Config{Ingest: judging.IngestConfig{MaxBatch: 10, MaxWait: time.Millisecond}}, nil)
	ctx := t.Context()
	if _, err := d.Question.Update().Where(question.PositionGT(40)).SetRetired(true).Save(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Survey.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if qs := s.SurveyFor(&identity.Viewer{ID: uuid.New()}, p, newAggregates()); len(qs) != 4 || keys(qs) != keys(s.Survey.Active()) {
		t.Fatalf("survey %s", keys(qs))
	}
}
