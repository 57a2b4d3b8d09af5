package judging_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/stats"
)

// TestTwoAnswersAreNotStable: with the minimum number of answers set to 2,
// two answers of 10 and 10, or 9 and 10, on the 1-10 scale (and 30 and 30
// on the age question, and two yeses) give intervals inside the scale, of
// positive width, and too wide for the result to be called stable; below
// the minimum there is no stable flag at all.
func TestTwoAnswersAreNotStable(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := newJudging(t, d, judging.Config{MinVotes: 2, CandidatePool: 5, TopSize: 10}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	byKey := map[string]*ent.Question{}
	for _, q := range s.Survey.Active() {
		byKey[q.Key] = q
	}
	agg := func(values ...int) *stats.Aggregate {
		a := &stats.Aggregate{Histogram: map[int]int64{}}
		for _, v := range values {
			a.Count++
			a.Sum += int64(v)
			a.SumSq += int64(v * v)
			a.Histogram[v]++
		}
		return a
	}
	for _, c := range []struct {
		key    string
		values []int
	}{
		{"attractive", []int{10, 10}},
		{"attractive", []int{9, 10}},
		{"age", []int{30, 30}},
		{"trustworthy", []int{1, 1}},
		{"attractive", []int{10}},
	} {
		q := byKey[c.key]
		if q == nil {
			t.Fatalf("no question %q", c.key)
		}
		ps := s.Build(&ent.Photo{}, &judging.Aggregates{Questions: map[int]*stats.Aggregate{q.ID: agg(c.values...)}})
		for _, qs := range ps.Questions {
			if qs.Question.ID != q.ID {
				continue
			}
			lo, hi := 0.0, 1.0
			if q.Min != nil && q.Max != nil {
				lo, hi = float64(*q.Min), float64(*q.Max)
			}
			if iv := qs.Interval; iv == nil || !(lo <= iv.Low && iv.Low < iv.High && iv.High <= hi) {
				t.Errorf("%s %v: interval %+v outside [%g, %g] or of zero width", c.key, c.values, iv, lo, hi)
			}
			switch {
			case len(c.values) < 2 && (qs.Stable != nil || qs.Percentile != nil):
				t.Errorf("%s %v: stable %v, percentile %v below the minimum of answers", c.key, c.values, qs.Stable, qs.Percentile)
			case len(c.values) >= 2 && (qs.Stable == nil || *qs.Stable):
				t.Errorf("%s %v: stable %v, want false", c.key, c.values, qs.Stable)
			}
		}
	}
}
