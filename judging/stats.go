package judging

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photoanswercount"
	"github.com/facestat/facestat/ent/photoquestionstat"
	"github.com/facestat/facestat/ent/photoword"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/stats"
	"github.com/facestat/facestat/wordfilter"
)

// MaxWords is how many of a question's words (most given first) are shown.
const MaxWords = 20

// MaxHistogram is how many buckets a histogram shows at most: all of them
// for a question whose range is narrower (the age question has 100), the
// lowest MaxHistogram for a NUMBER question an operator left unbounded.
const MaxHistogram = 200

// HistogramBound is the most buckets q's histogram can show: one per
// value of its range (answers outside it are refused, and a question's
// range never changes), 2 for YES_NO, none for WORD. The cost model
// (api/cost.go) prices histograms by it.
func HistogramBound(q *ent.Question) int {
	switch q.Kind {
	case question.KindWORD:
		return 0
	case question.KindYES_NO:
		return 2
	}
	if q.Min == nil || q.Max == nil || *q.Max < *q.Min {
		return MaxHistogram
	}
	return int(min(int64(*q.Max)-int64(*q.Min)+1, MaxHistogram))
}

// Aggregates is everything stored about one photo's answers.
type Aggregates struct {
	// Version is the photo's stats version these aggregates belong to when
	// they come with a snapshot (0 when read on their own), so that caches
	// keep the newest.
	Version   int64                    `json:"v,omitempty"`
	Questions map[int]*stats.Aggregate `json:"q"`
	Words     map[int][]WordCount      `json:"w,omitempty"` // by question, most given first, at most MaxWords

	// built is BuildShared's last result for these aggregates: aggregates
	// kept in the near cache (cache.Near) are built once for as long as
	// they live there, not once per read.
	built atomic.Pointer[builtStats]
}

// builtStats is the statistics Build made of a photo's row and aggregates.
type builtStats struct {
	photo *ent.Photo
	ps    *PhotoStats
}

// WordCount is a word and how often it was given.
type WordCount struct {
	Word  string `json:"w"`
	Count int64  `json:"n"`
}

// PhotoStats is a photo's statistics, as the API shows them.
type PhotoStats struct {
	PhotoID   uuid.UUID
	VoteCount int
	Version   int64
	UpdatedAt *time.Time
	Questions []QuestionStats // the active questions, in survey order
}

// QuestionStats is the statistics of one question's answers about a photo.
type QuestionStats struct {
	Question *ent.Question
	stats.Summary
	Words      []WordCount // WORD questions
	Percentile *float64    // against other photos; nil below MinVotes, for WORD, or before the first standings
	Stable     *bool       // nil below MinVotes
}

// LoadAggregates reads the aggregates of the given photos: three queries,
// whatever the number of photos or votes.
func (s *Service) LoadAggregates(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*Aggregates, error) {
	return loadAggregates(ctx, s.client, ids)
}

// loadAggregates is LoadAggregates through client (a transaction's, for
// the ingester).
func loadAggregates(ctx context.Context, client *ent.Client, ids []uuid.UUID) (map[uuid.UUID]*Aggregates, error) {
	out := make(map[uuid.UUID]*Aggregates, len(ids))
	get := func(id uuid.UUID) *Aggregates {
		a := out[id]
		if a == nil {
			a = &Aggregates{Questions: map[int]*stats.Aggregate{}, Words: map[int][]WordCount{}}
			out[id] = a
		}
		return a
	}
	for _, id := range ids {
		get(id)
	}
	qs, err := client.PhotoQuestionStat.Query().Where(photoquestionstat.PhotoIDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("judging: loading statistics: %w", err)
	}
	for _, r := range qs {
		a := get(r.PhotoID)
		agg := a.question(r.QuestionID)
		agg.Count, agg.Sum, agg.SumSq = r.Count, r.Sum, r.SumSq
		agg.Weighted = weightedOf(r)
	}
	hs, err := client.PhotoAnswerCount.Query().
		Where(photoanswercount.PhotoIDIn(ids...), photoanswercount.CountGT(0)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("judging: loading histograms: %w", err)
	}
	for _, r := range hs {
		get(r.PhotoID).question(r.QuestionID).Histogram[r.Value] = r.Count
	}
	ws, err := client.PhotoWord.Query().Where(photoword.PhotoIDIn(ids...), photoword.CountGT(0)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("judging: loading words: %w", err)
	}
	blocked := wordfilter.Default()
	for _, r := range ws {
		if blocked.Blocked(r.Word) {
			// Stored before the lists named it (they ship with the binary):
			// kept in the table, never shown.
			continue
		}
		a := get(r.PhotoID)
		a.Words[r.QuestionID] = append(a.Words[r.QuestionID], WordCount{Word: r.Word, Count: r.Count})
	}
	for _, a := range out {
		for q, words := range a.Words {
			a.Words[q] = topWords(words)
		}
	}
	return out, nil
}

// topWords sorts words most given first (then alphabetically) and keeps
// the first MaxWords.
func topWords(words []WordCount) []WordCount {
	sort.Slice(words, func(i, j int) bool {
		return words[i].Count > words[j].Count || (words[i].Count == words[j].Count && words[i].Word < words[j].Word)
	})
	return words[:min(len(words), MaxWords)]
}

// weightedOf is what the refit stored of a question's weighted figures,
// or nil before the photo's votes were first weighed (every figure still
// 0). A question whose every answer weighs nothing (say only the owner's
// network answered) has a zero weight and the raw mean, so it reads as
// weighed: its figures are the raw ones, and it is not ranked.
func weightedOf(r *ent.PhotoQuestionStat) *stats.Weighted {
	if r.WWeight == 0 && r.WNeff == 0 && r.WMean == 0 && r.WMeanSq == 0 && r.WAdjusted == nil {
		return nil
	}
	return &stats.Weighted{Weight: r.WWeight, NEff: r.WNeff, Mean: r.WMean, MeanSq: r.WMeanSq, Adjusted: r.WAdjusted}
}

func (a *Aggregates) question(id int) *stats.Aggregate {
	agg := a.Questions[id]
	if agg == nil {
		agg = &stats.Aggregate{Histogram: map[int]int64{}}
		a.Questions[id] = agg
	}
	return agg
}

// Snapshot is everything needed to show a photo's statistics, in a form
// that travels between instances (JSON over Redis pub/sub): the photo's
// counters and visibility, and its aggregates.
type Snapshot struct {
	PhotoID    uuid.UUID   `json:"photo"`
	OwnerID    uuid.UUID   `json:"owner"`
	Public     bool        `json:"public"`
	Active     bool        `json:"active"`
	VoteCount  int         `json:"votes"`
	Deleted    bool        `json:"deleted,omitempty"` // a tombstone: the photo is gone
	Version    int64       `json:"version"`
	UpdatedAt  *time.Time  `json:"updated,omitempty"`
	Aggregates *Aggregates `json:"aggregates"`

	// Photo is the row the snapshot was read from (on the instance that
	// read it; it does not travel).
	Photo *ent.Photo `json:"-"`

	built atomic.Pointer[PhotoStats] // BuildSnapshot's result, shared by every subscriber
}

// NewSnapshot pairs a photo row with its aggregates.
func NewSnapshot(p *ent.Photo, a *Aggregates) *Snapshot {
	f := photos.FactsOf(p)
	return &Snapshot{PhotoID: p.ID, OwnerID: f.Owner, Public: f.Public, Active: f.Active,
		VoteCount: p.VoteCount, Version: p.StatsVersion, UpdatedAt: p.StatsUpdatedAt, Aggregates: a, Photo: p}
}

// Facts is what the snapshot says to authz.PhotoAccess.
func (s *Snapshot) Facts() authz.Photo {
	return authz.Photo{Owner: s.OwnerID, Public: s.Public, Active: s.Active}
}

// Build turns a photo's aggregates into its statistics.
func (s *Service) Build(p *ent.Photo, a *Aggregates) *PhotoStats {
	return s.BuildSnapshot(NewSnapshot(p, a))
}

// BuildShared is Build for a row and aggregates that nobody modifies (as
// the near cache's, cache.Near): when p and a are the same values as last
// time, it returns the same statistics, built once, which callers must not
// modify either. Percentiles then move with the standings when the near
// cache lets go of p or a, within a second by default.
func (s *Service) BuildShared(p *ent.Photo, a *Aggregates) *PhotoStats {
	if a == nil {
		return s.Build(p, a)
	}
	if b := a.built.Load(); b != nil && b.photo == p {
		return b.ps
	}
	ps := s.Build(p, a)
	a.built.Store(&builtStats{photo: p, ps: ps})
	return ps
}

// BuildSnapshot turns a snapshot into the photo's statistics. It builds
// them once per snapshot: every subscriber the hub hands the same snapshot
// to shares the result, which callers must not modify.
func (s *Service) BuildSnapshot(snap *Snapshot) *PhotoStats {
	if ps := snap.built.Load(); ps != nil {
		return ps
	}
	ps := s.buildSnapshot(snap)
	snap.built.Store(ps)
	return ps
}

func (s *Service) buildSnapshot(snap *Snapshot) *PhotoStats {
	a := snap.Aggregates
	ps := &PhotoStats{PhotoID: snap.PhotoID, VoteCount: snap.VoteCount, Version: snap.Version, UpdatedAt: snap.UpdatedAt}
	for _, q := range s.Survey.Active() {
		agg := stats.Aggregate{Histogram: map[int]int64{}}
		if a != nil && a.Questions[q.ID] != nil {
			agg = *a.Questions[q.ID]
		}
		r := stats.RangeOf(q.Min, q.Max)
		qs := QuestionStats{Question: q, Summary: stats.Summarize(stats.Kind(q.Kind), agg, r)}
		qs.Histogram = qs.Histogram[:min(len(qs.Histogram), HistogramBound(q))]
		if a != nil {
			qs.Words = a.Words[q.ID]
		}
		if agg.Count >= int64(s.cfg.MinVotes) {
			stable := s.stable(q, qs.Summary)
			qs.Stable = &stable
			if score, ok := stats.Rank(stats.Kind(q.Kind), qs.Summary, r); ok {
				qs.Percentile = s.Standings.Percentile(q.ID, score)
			}
		}
		ps.Questions = append(ps.Questions, qs)
	}
	return ps
}

// stable reports whether the answers agree enough for the result to be
// shown as settled: the 95% credible interval's half-width is at most a
// tenth of the answer range (means) or 0.1 (yes shares). The interval is
// wide when answers are few (two answers on a 1-10 scale give a half-width
// of about 2.4), so few answers are never stable, whatever MinVotes. WORD results are stable once
// they have MinVotes answers.
func (s *Service) stable(q *ent.Question, sum stats.Summary) bool {
	if sum.Interval == nil {
		return q.Kind == question.KindWORD
	}
	half := (sum.Interval.High - sum.Interval.Low) / 2
	if q.Kind == question.KindYES_NO {
		return half <= 0.1
	}
	span := float64(deref(q.Max) - deref(q.Min))
	return span > 0 && half <= span/10
}
