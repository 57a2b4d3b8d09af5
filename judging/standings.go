package judging

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photoquestionstat"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/stats"
)

// Standings are the cross-photo figures: for each question, the scores of
// every photo with enough votes (for percentiles) and the ranking of public
// photos (for topPhotos). A background job recomputes them; requests only
// read the latest snapshot.
type Standings struct {
	client   *ent.Client
	survey   *Survey
	minVotes int
	topSize  int
	snap     atomic.Pointer[standingsSnapshot]
}

type standingsSnapshot struct {
	at        time.Time
	questions map[int]*questionStanding
}

type questionStanding struct {
	scores []float64 // every photo's score, sorted
	top    []Ranked  // public photos, best first
}

// Ranked is a photo's place in a top list.
type Ranked struct {
	Photo uuid.UUID
	Score float64 // stats.Rank: the low end of the credible interval around the adjusted figure
	Count int64
}

// CompareRank orders places in a top list: negative when (score a, photo
// pa) ranks before (b, pb), best score first, then by photo id. A top list
// is sorted by it, so a position (score, id) can be found again in a list
// recomputed since.
func CompareRank(a float64, pa uuid.UUID, b float64, pb uuid.UUID) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return compareUUID(pa, pb)
}

// NewStandings returns standings that are empty until the first Refresh.
func NewStandings(client *ent.Client, survey *Survey, minVotes, topSize int) *Standings {
	return &Standings{client: client, survey: survey, minVotes: minVotes, topSize: topSize}
}

// Refresh recomputes the standings from the aggregates: one query over the
// photos with at least minVotes answers per question.
func (s *Standings) Refresh(ctx context.Context) error {
	type row struct {
		Photo    uuid.UUID `sql:"photo_id"`
		Question int       `sql:"question_id"`
		Count    int64     `sql:"count"`
		Sum      int64     `sql:"sum"`
		SumSq    int64     `sql:"sum_sq"`
		WWeight  float64   `sql:"w_weight"`
		WNeff    float64   `sql:"w_neff"`
		WMean    float64   `sql:"w_mean"`
		WMeanSq  float64   `sql:"w_mean_sq"`
		WAdj     *float64  `sql:"w_adjusted"`
		Public   bool      `sql:"photo_public"` // selected by photos.JoinVisibility
		Status   string    `sql:"photo_status"`
	}
	var rows []row
	err := s.client.PhotoQuestionStat.Query().
		Where(photoquestionstat.CountGTE(int64(s.minVotes))).
		Modify(func(sel *entsql.Selector) {
			sel.Select(sel.C(photoquestionstat.FieldPhotoID), sel.C(photoquestionstat.FieldQuestionID),
				sel.C(photoquestionstat.FieldCount), sel.C(photoquestionstat.FieldSum), sel.C(photoquestionstat.FieldSumSq),
				sel.C(photoquestionstat.FieldWWeight), sel.C(photoquestionstat.FieldWNeff), sel.C(photoquestionstat.FieldWMean),
				sel.C(photoquestionstat.FieldWMeanSq), sel.C(photoquestionstat.FieldWAdjusted))
			photos.JoinVisibility(sel, sel.C(photoquestionstat.FieldPhotoID))
		}).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("judging: refreshing standings: %w", err)
	}
	snap := &standingsSnapshot{at: time.Now(), questions: map[int]*questionStanding{}}
	byQuestion := map[int][]row{}
	for _, r := range rows {
		byQuestion[r.Question] = append(byQuestion[r.Question], r)
	}
	for qid, rs := range byQuestion {
		q, ok := s.survey.ByID(qid)
		if !ok || q.Kind == question.KindWORD {
			continue
		}
		st := &questionStanding{}
		rng := stats.RangeOf(q.Min, q.Max)
		for _, r := range rs {
			agg := stats.Aggregate{Count: r.Count, Sum: r.Sum, SumSq: r.SumSq}
			agg.Weighted = weightedOf(&ent.PhotoQuestionStat{WWeight: r.WWeight, WNeff: r.WNeff, WMean: r.WMean, WMeanSq: r.WMeanSq, WAdjusted: r.WAdj})
			rank, ok := stats.Rank(stats.Kind(q.Kind), stats.Summarize(stats.Kind(q.Kind), agg, rng), rng)
			if !ok {
				continue
			}
			st.scores = append(st.scores, rank)
			if photos.ListedBy(r.Public, r.Status) {
				st.top = append(st.top, Ranked{Photo: r.Photo, Score: rank, Count: r.Count})
			}
		}
		sort.Float64s(st.scores)
		slices.SortFunc(st.top, func(a, b Ranked) int { return CompareRank(a.Score, a.Photo, b.Score, b.Photo) })
		st.top = st.top[:min(len(st.top), s.topSize)]
		snap.questions[qid] = st
	}
	s.snap.Store(snap)
	return nil
}

// Run refreshes the standings every interval until ctx ends, skipping the
// refreshes for which paused (may be nil) reports true: the standings are
// then served as last computed. The first refresh always runs.
func (s *Standings) Run(ctx context.Context, interval time.Duration, paused func() bool, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for first := true; ; first = false {
		if first || paused == nil || !paused() {
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Percentile returns where score stands among the photos' scores for the
// question (0 to 100), or nil before the first refresh.
func (s *Standings) Percentile(questionID int, score float64) *float64 {
	snap := s.snap.Load()
	if snap == nil {
		return nil
	}
	st := snap.questions[questionID]
	if st == nil || len(st.scores) == 0 {
		return nil
	}
	p := stats.Percentile(st.scores, score)
	return &p
}

// Top returns the ranking of public photos for the question, best first.
func (s *Standings) Top(questionID int) []Ranked {
	snap := s.snap.Load()
	if snap == nil || snap.questions[questionID] == nil {
		return nil
	}
	return snap.questions[questionID].top
}
