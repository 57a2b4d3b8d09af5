package judging

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photoanswercount"
	"github.com/facestat/facestat/ent/photoquestionstat"
	"github.com/facestat/facestat/ent/photoword"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/photos"
)

// deltas are the changes a set of votes makes to the aggregates, summed
// per row, so each aggregate row is written once per transaction.
type deltas struct {
	stats map[statKey]*statDelta
	hist  map[histKey]int64
	words map[wordKey]int64
	votes map[uuid.UUID]int
}

type statKey struct {
	photo    uuid.UUID
	question int
}

type statDelta struct{ count, sum, sumSq int64 }

type histKey struct {
	photo    uuid.UUID
	question int
	value    int
}

type wordKey struct {
	photo    uuid.UUID
	question int
	word     string
}

func newDeltas() *deltas {
	return &deltas{stats: map[statKey]*statDelta{}, hist: map[histKey]int64{}, words: map[wordKey]int64{}, votes: map[uuid.UUID]int{}}
}

// add counts one vote, with sign +1 when it is stored and -1 when it is
// taken back.
func (d *deltas) add(s *Survey, b Ballot, sign int64) {
	d.votes[b.Photo] += int(sign)
	for _, a := range b.Answers {
		q, ok := s.ByID(a.Question)
		if !ok {
			continue // a question deleted from the database by hand
		}
		k := statKey{b.Photo, q.ID}
		sd := d.stats[k]
		if sd == nil {
			sd = &statDelta{}
			d.stats[k] = sd
		}
		sd.count += sign
		switch q.Kind {
		case question.KindNUMBER, question.KindSCALE:
			if a.Number != nil {
				v := int64(*a.Number)
				sd.sum += sign * v
				sd.sumSq += sign * v * v
				d.hist[histKey{b.Photo, q.ID, *a.Number}] += sign
			}
		case question.KindYES_NO:
			if a.Yes != nil {
				v := 0
				if *a.Yes {
					v = 1
				}
				sd.sum += sign * int64(v)
				sd.sumSq += sign * int64(v)
				d.hist[histKey{b.Photo, q.ID, v}] += sign
			}
		case question.KindWORD:
			if a.Word != nil {
				d.words[wordKey{b.Photo, q.ID, *a.Word}] += sign
			}
		}
	}
}

// photos returns the photos the deltas touch, in id order.
func (d *deltas) photos() []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(d.votes))
	for id, n := range d.votes {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareUUID)
	return ids
}

// apply writes the deltas: multi-row upserts that add to the existing
// aggregates, each in a fixed (photo, question, value) order, then each
// photo's vote count and statistics version (photos.AddVotes).
func (d *deltas) apply(ctx context.Context, tx *ent.Tx, store *photos.Service, now time.Time) error {
	if len(d.stats) > 0 {
		keys := sortedKeys(d.stats, func(a, b statKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question))
		})
		rows := make([]*ent.PhotoQuestionStatCreate, len(keys))
		for i, k := range keys {
			sd := d.stats[k]
			rows[i] = tx.PhotoQuestionStat.Create().SetPhotoID(k.photo).SetQuestionID(k.question).
				SetCount(sd.count).SetSum(sd.sum).SetSumSq(sd.sumSq)
		}
		err := tx.PhotoQuestionStat.CreateBulk(rows...).OnConflict(
			entsql.ConflictColumns(photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID),
			entsql.ResolveWith(addExcluded(photoquestionstat.FieldCount, photoquestionstat.FieldSum, photoquestionstat.FieldSumSq)),
		).Exec(ctx)
		if err != nil {
			return fmt.Errorf("updating statistics: %w", err)
		}
	}
	if len(d.hist) > 0 {
		keys := sortedKeys(d.hist, func(a, b histKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), cmp.Compare(a.value, b.value))
		})
		rows := make([]*ent.PhotoAnswerCountCreate, len(keys))
		for i, k := range keys {
			rows[i] = tx.PhotoAnswerCount.Create().SetPhotoID(k.photo).SetQuestionID(k.question).SetValue(k.value).SetCount(d.hist[k])
		}
		err := tx.PhotoAnswerCount.CreateBulk(rows...).OnConflict(
			entsql.ConflictColumns(photoanswercount.FieldPhotoID, photoanswercount.FieldQuestionID, photoanswercount.FieldValue),
			entsql.ResolveWith(addExcluded(photoanswercount.FieldCount)),
		).Exec(ctx)
		if err != nil {
			return fmt.Errorf("updating histograms: %w", err)
		}
	}
	if len(d.words) > 0 {
		keys := sortedKeys(d.words, func(a, b wordKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), strings.Compare(a.word, b.word))
		})
		rows := make([]*ent.PhotoWordCreate, len(keys))
		for i, k := range keys {
			rows[i] = tx.PhotoWord.Create().SetPhotoID(k.photo).SetQuestionID(k.question).SetWord(k.word).SetCount(d.words[k])
		}
		err := tx.PhotoWord.CreateBulk(rows...).OnConflict(
			entsql.ConflictColumns(photoword.FieldPhotoID, photoword.FieldQuestionID, photoword.FieldWord),
			entsql.ResolveWith(addExcluded(photoword.FieldCount)),
		).Exec(ctx)
		if err != nil {
			return fmt.Errorf("updating words: %w", err)
		}
	}
	return store.AddVotes(ctx, tx, d.votes, now)
}

// addExcluded makes an upsert add the inserted values to the existing
// row's columns: col = table.col + excluded.col.
func addExcluded(cols ...string) func(*entsql.UpdateSet) {
	return func(u *entsql.UpdateSet) {
		excluded := entsql.Dialect(u.UpdateBuilder.Dialect()).Table("excluded")
		for _, c := range cols {
			u.Set(c, entsql.Expr(u.Table().C(c)+" + "+excluded.C(c)))
		}
	}
}

func sortedKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}
