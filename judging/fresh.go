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
// photo's aggregates moves its version on, under its lock) adds its
// deltas and the word rows its upsert returned to them (overlay) and has
// the photo's new aggregates without reading them; otherwise (another
// instance's votes, a refit, a merge, or a photo not seen yet) it reads
// them within its transaction.
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

// photoChanges are what one batch changed of one photo's aggregates: its
// statistics' and histograms' deltas, and the word rows its upsert
// returned.
type photoChanges struct {
	stats []statKey
	hist  []histKey
	words []int // indexes into written's words
}

// byPhoto groups d's deltas and w's rows by photo.
func byPhoto(d *deltas, w *written) map[uuid.UUID]*photoChanges {
	out := map[uuid.UUID]*photoChanges{}
	get := func(id uuid.UUID) *photoChanges {
		p := out[id]
		if p == nil {
			p = &photoChanges{}
			out[id] = p
		}
		return p
	}
	for k := range d.stats {
		get(k.photo).stats = append(get(k.photo).stats, k)
	}
	for k := range d.hist {
		get(k.photo).hist = append(get(k.photo).hist, k)
	}
	for i, r := range w.words {
		get(r.PhotoID).words = append(get(r.PhotoID).words, i)
	}
	return out
}

// overlay returns a copy of prev with a batch's changes ch laid over it:
// what loadAggregates would read after the batch, given that prev is what
// it read before (the same stats version: nothing else changed the
// aggregates since) and that the batch only added votes. The statistics
// and the histograms are prev's plus the deltas d; the words are the rows
// w returned. The weighted figures are prev's: only the refit writes
// them, and it moves the version on. prev is not modified.
func overlay(prev *Aggregates, d *deltas, w *written, ch *photoChanges) *Aggregates {
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
	if ch == nil {
		return a
	}
	for _, k := range ch.stats {
		sd := d.stats[k]
		agg := a.question(k.question)
		agg.Count += sd.count
		agg.Sum += sd.sum
		agg.SumSq += sd.sumSq
	}
	for _, k := range ch.hist {
		// The ingester only adds: n ≤ 0 would take a bar away, as
		// loadAggregates reads only bars above 0.
		agg := a.question(k.question)
		if n := agg.Histogram[k.value] + d.hist[k]; n > 0 {
			agg.Histogram[k.value] = n
		} else {
			delete(agg.Histogram, k.value)
		}
	}
	blocked := wordfilter.Default()
	changed := map[int]bool{}
	for _, i := range ch.words {
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
