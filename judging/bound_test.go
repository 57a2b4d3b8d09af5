package judging_test

import (
	"testing"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/judging"
)

// TestHistogramBound checks the bound the cost model prices histograms by:
// one bucket per value of a question's range, capped; 2 for yes/no; none
// for words.
func TestHistogramBound(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, c := range []struct {
		name string
		q    ent.Question
		want int
	}{
		{"Age", ent.Question{Kind: question.KindNUMBER, Min: n(1), Max: n(100)}, 100},
		{"Scale", ent.Question{Kind: question.KindSCALE, Min: n(1), Max: n(10)}, 10},
		{"OneValue", ent.Question{Kind: question.KindSCALE, Min: n(3), Max: n(3)}, 1},
		{"YesNo", ent.Question{Kind: question.KindYES_NO}, 2},
		{"Word", ent.Question{Kind: question.KindWORD}, 0},
		{"Unbounded", ent.Question{Kind: question.KindNUMBER}, judging.MaxHistogram},
		{"HugeRange", ent.Question{Kind: question.KindNUMBER, Min: n(-1 << 31), Max: n(1<<31 - 1)}, judging.MaxHistogram},
		{"Inverted", ent.Question{Kind: question.KindNUMBER, Min: n(10), Max: n(1)}, judging.MaxHistogram},
	} {
		if got := judging.HistogramBound(&c.q); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	total := 0
	for _, q := range judging.DefaultQuestions {
		total += judging.HistogramBound(&q)
	}
	if total != 120 { // api/cost.go's table says so
		t.Errorf("the default survey's histograms hold %d buckets, not 120", total)
	}
}
