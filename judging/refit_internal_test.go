package judging

import (
	"math"
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/judging/quality"
)

// TestCenterForRawFigure: a photo never weighed has the raw mean, to which
// every answer gave itself, not itself less its judge's offset: the judge's
// vote is taken out as it went in. Answers 5, 6 and 7, the judge's 7 (its
// offset +2): the others' mean is 5.5.
func TestCenterForRawFigure(t *testing.T) {
	photo, j := uuid.New(), uuid.New()
	q := quality.Question{ID: 1, Kind: quality.Numeric, Min: 1, Max: 10}
	r := newRefitRound(nil, RefitConfig{}, []quality.Question{q})
	r.figures = map[uuid.UUID]map[int]*ent.PhotoQuestionStat{photo: {1: {Count: 3, Sum: 18, SumSq: 25 + 36 + 49}}}
	r.judges = map[uuid.UUID]*quality.Judge{j: {Votes: 10, Care: 1, Weight: 1, Offsets: map[int]float64{1: 2}}}
	votes := []quality.Vote{{Judge: j, Photo: photo, Answers: []quality.Answer{{Question: 1, Value: 7}}}}
	c, ok := r.centerFor(j, votes)(photo, 1)
	if !ok || math.Abs(c-5.5) > 1e-12 {
		t.Fatalf("center = %v, %v; want 5.5 (the mean of the other answers)", c, ok)
	}
}
