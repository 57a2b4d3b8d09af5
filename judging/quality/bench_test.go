package quality_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/judging/quality"
)

// benchCrowd is one photo's votes as the refit reads them in bench/votes:
// n judges from n networks, each answering the scale and the yes/no
// question, every judge profiled.
func benchCrowd(n int) ([]quality.Vote, func(uuid.UUID) *quality.Judge) {
	votes := make([]quality.Vote, n)
	judges := make(map[uuid.UUID]*quality.Judge, n)
	for i := range votes {
		j := id(fmt.Sprint("judge", i))
		votes[i] = quality.Vote{Judge: j, Photo: id("a"), Image: "a", Network: fmt.Sprintf("198.51.%d.0/24", i%250),
			At:      t0.Add(time.Duration(i) * time.Minute),
			Answers: []quality.Answer{{Question: beauty, Value: float64(1 + i%10)}, {Question: yesQ.ID, Value: float64(i % 2)}}}
		judges[j] = &quality.Judge{Votes: 30, Weight: 0.8, Care: 1, Offsets: map[int]float64{beauty: 0.5, yesQ.ID: -0.2}}
	}
	return votes, func(j uuid.UUID) *quality.Judge { return judges[j] }
}

// BenchmarkWeighPhoto weighs a photo of 2,000 votes: the refit does it
// for every photo with new votes, every round.
func BenchmarkWeighPhoto(b *testing.B) {
	votes, judges := benchCrowd(2000)
	b.ReportAllocs()
	for b.Loop() {
		quality.WeighPhoto(qs, votes, judges, quality.Config{})
	}
}

// BenchmarkProfileJudge profiles a judge of 100 votes.
func BenchmarkProfileJudge(b *testing.B) {
	votes := ballot{judge: "j", net: "198.51.100.0/24", gap: 20 * time.Second}.cast(photoNames(100), values(100))
	center := func(uuid.UUID, int) (float64, bool) { return 5, true }
	b.ReportAllocs()
	for b.Loop() {
		quality.ProfileJudge(qs, votes, center, quality.Config{})
	}
}

func photoNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("p", i)
	}
	return out
}

func values(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(1 + i%10)
	}
	return out
}
