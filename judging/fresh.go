package judging

import (
	"maps"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/facestat/facestat/stats"
	"github.com/facestat/facestat/wordfilter"
)

// recentMax bounds how many photos' aggregates the ingester keeps.
const recentMax = 4096

// recent holds the aggregates of the photos the ingester wrote last, each
// with the stats version it belongs to. A batch that finds a photo here at
// the version its lock read (nothing changed it since: every change of a
// photo's aggregates moves its version on, under its lock) lays the rows
// its upserts returned over them and has the photo's new aggregates
// without reading them; otherwise (another instance's votes, a refit, a
// merge, or a photo not seen yet) it reads them within its transaction.
type recent struct {
	mu sync.Mutex
	m  map[uuid.UUID]*Aggregates
}

// get returns the aggregates of photo id at version, or nil. The caller
// must not modify them.
func (r *recent) get(id uuid.UUID, version int64) *Aggregates {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a := r.m[id]; a != nil && a.Version == version {
		return a
	}
	return nil
}

// put keeps aggs (by photo; each with its Version), newer over older.
func (r *recent) put(aggs map[uuid.UUID]*Aggregates) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[uuid.UUID]*Aggregates, len(aggs))
	}
	for id, a := range aggs {
		if old := r.m[id]; old != nil && old.Version > a.Version {
			continue
		}
		if _, ok := r.m[id]; !ok && len(r.m) >= recentMax {
			for k := range r.m { // drop one at random (map order)
				delete(r.m, k)
				break
			}
		}
		r.m[id] = a
	}
}

// photoRows are the rows one photo's upserts returned.
type photoRows struct {
	stats []int // indexes into written's slices
	hist  []int
	words []int
}

// byPhoto groups w's rows by photo.
func (w *written) byPhoto() map[uuid.UUID]*photoRows {
	out := map[uuid.UUID]*photoRows{}
	get := func(id uuid.UUID) *photoRows {
		p := out[id]
		if p == nil {
			p = &photoRows{}
			out[id] = p
		}
		return p
	}
	for i, r := range w.stats {
		get(r.PhotoID).stats = append(get(r.PhotoID).stats, i)
	}
	for i, r := range w.hist {
		get(r.PhotoID).hist = append(get(r.PhotoID).hist, i)
	}
	for i, r := range w.words {
		get(r.PhotoID).words = append(get(r.PhotoID).words, i)
	}
	return out
}

// overlay returns a copy of prev with the rows rows of w laid over it:
// what loadAggregates would read after them, given that prev is what it
// read before and that the rows' counts only grew (votes added). prev is
// not modified.
func overlay(prev *Aggregates, w *written, rows *photoRows) *Aggregates {
	a := &Aggregates{Questions: make(map[int]*stats.Aggregate, len(prev.Questions)), Words: maps.Clone(prev.Words)}
	if a.Words == nil {
		a.Words = map[int][]WordCount{}
	}
	for q, agg := range prev.Questions {
		cp := *agg
		cp.Histogram = maps.Clone(agg.Histogram)
		if cp.Histogram == nil {
			cp.Histogram = map[int]int64{}
		}
		a.Questions[q] = &cp
	}
	if rows == nil {
		return a
	}
	for _, i := range rows.stats {
		r := w.stats[i]
		agg := a.question(r.QuestionID)
		agg.Count, agg.Sum, agg.SumSq = r.Count, r.Sum, r.SumSq
		agg.Weighted = weightedOf(r)
	}
	for _, i := range rows.hist {
		r := w.hist[i]
		if r.Count > 0 {
			a.question(r.QuestionID).Histogram[r.Value] = r.Count
		} else if agg := a.Questions[r.QuestionID]; agg != nil {
			delete(agg.Histogram, r.Value)
		}
	}
	blocked := wordfilter.Default()
	changed := map[int]bool{}
	for _, i := range rows.words {
		r := w.words[i]
		if blocked.Blocked(r.Word) {
			continue
		}
		if !changed[r.QuestionID] {
			changed[r.QuestionID] = true
			a.Words[r.QuestionID] = slices.Clone(a.Words[r.QuestionID])
		}
		list := a.Words[r.QuestionID]
		j := slices.IndexFunc(list, func(wc WordCount) bool { return wc.Word == r.Word })
		switch {
		case j >= 0 && r.Count > 0:
			list[j].Count = r.Count
		case j >= 0:
			list = slices.Delete(list, j, j+1)
		case r.Count > 0:
			list = append(list, WordCount{Word: r.Word, Count: r.Count})
		}
		a.Words[r.QuestionID] = list
	}
	for q := range changed {
		if len(a.Words[q]) == 0 {
			delete(a.Words, q)
		} else {
			a.Words[q] = topWords(a.Words[q])
		}
	}
	return a
}
