package judging

import (
	"math"
	"testing"
	"time"

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

// TestRefitWaitRests: after a round, RunRefit waits out the interval, but
// rests at least refitRest times the round's own time, also when more
// votes wait, so that rounds take at most a tenth of the time.
func TestRefitWaitRests(t *testing.T) {
	const s = time.Second
	for _, c := range []struct {
		interval, took time.Duration
		more           bool
		want           time.Duration
	}{
		{5 * s, 100 * time.Millisecond, false, 4900 * time.Millisecond}, // a short round: the interval
		{5 * s, 2 * s, false, 18 * s},                                   // a long round rests nine times its time
		{5 * s, 100 * time.Millisecond, true, 900 * time.Millisecond},   // more votes wait: the rest only
		{5 * s, 0, true, 0},
	} {
		if got := refitWait(c.interval, c.took, c.more); got != c.want {
			t.Errorf("refitWait(%v, %v, %v) = %v, want %v", c.interval, c.took, c.more, got, c.want)
		}
		if c.took > 0 {
			if share := float64(c.took) / float64(c.took+refitWait(c.interval, c.took, c.more)); share > 0.1+1e-9 {
				t.Errorf("a round of %v takes %.2f of the time", c.took, share)
			}
		}
	}
}
