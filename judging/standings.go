package judging

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/photoquestionstat"
	"github.com/facestat/facestat/ent/phototally"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/ent/schema"
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

// Refresh recomputes the standings from the aggregates, over photos with
// at least minVotes answers per question: the tallies (with their
// visibility) of the photos with at least minVotes votes, then the
// weighted figures of those with enough answers, 1,000 photos a query.
func (s *Standings) Refresh(ctx context.Context) error {
	type tallyRow struct {
		Photo   uuid.UUID `sql:"photo_id"`
		Tallies []byte    `sql:"tallies"`
		Public  bool      `sql:"photo_public"` // selected by photos.JoinVisibility
		Status  string    `sql:"photo_status"`
	}
	var tallies []tallyRow
	err := s.client.PhotoTally.Query().
		Modify(func(sel *entsql.Selector) {
			sel.Select(sel.C(phototally.FieldPhotoID), sel.C(phototally.FieldTallies))
			p := photos.JoinVisibility(sel, sel.C(phototally.FieldPhotoID))
			// A question's answers are at most the photo's votes.
			sel.Where(entsql.GTE(p.C(photo.FieldVoteCount), s.minVotes))
		}).Scan(ctx, &tallies)
	if err != nil {
		return fmt.Errorf("judging: refreshing standings: %w", err)
	}
	type row struct {
		Photo    uuid.UUID
		Question int
		Count    int64
		Sum      int64
		SumSq    int64
		Weighted *stats.Weighted
		Public   bool
		Status   string
	}
	type key struct {
		photo    uuid.UUID
		question int
	}
	var rows []row
	at := map[key]int{} // index in rows
	var ids []uuid.UUID
	for _, t := range tallies {
		var ts schema.Tallies
		if err := json.Unmarshal(t.Tallies, &ts); err != nil {
			return fmt.Errorf("judging: refreshing standings: photo %s's tallies: %w", t.Photo, err)
		}
		enough := false
		for q, x := range ts {
			if x[0] >= int64(s.minVotes) {
				at[key{t.Photo, q}] = len(rows)
				rows = append(rows, row{Photo: t.Photo, Question: q, Count: x[0], Sum: x[1], SumSq: x[2], Public: t.Public, Status: t.Status})
				enough = true
			}
		}
		if enough {
			ids = append(ids, t.Photo)
		}
	}
	for chunk := range slices.Chunk(ids, 1000) {
		figures, err := s.client.PhotoQuestionStat.Query().Where(photoquestionstat.PhotoIDIn(chunk...)).
			Select(photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID,
				photoquestionstat.FieldWWeight, photoquestionstat.FieldWNeff, photoquestionstat.FieldWMean,
				photoquestionstat.FieldWMeanSq, photoquestionstat.FieldWAdjusted).All(ctx)
		if err != nil {
			return fmt.Errorf("judging: refreshing standings: %w", err)
		}
		for _, f := range figures {
			if i, ok := at[key{f.PhotoID, f.QuestionID}]; ok {
				rows[i].Weighted = weightedOf(f)
			}
		}
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
			agg := stats.Aggregate{Count: r.Count, Sum: r.Sum, SumSq: r.SumSq, Weighted: r.Weighted}
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
