package judging

import (
	"cmp"
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect"
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

// written is what apply's upserts returned: the new totals of every
// aggregate row they wrote, so that the ingester knows the photos'
// aggregates after its commit without reading them again.
type written struct {
	stats []*ent.PhotoQuestionStat
	hist  []*ent.PhotoAnswerCount
	words []*ent.PhotoWord
}

// The vote path's upserts on PostgreSQL: one fixed text each, whatever
// the batch's size (the rows travel as arrays, in binary: uuids as
// [16]byte, which pgx encodes as they are, where uuid.UUID would go
// through its driver.Valuer's text), so that the
// driver's per-connection cache of prepared statements (pgx) reuses them. Each adds to the existing row
// and returns the new totals.
var (
	upsertStatsPG = `INSERT INTO ` + photoquestionstat.Table + ` AS t (` + photoquestionstat.FieldPhotoID + `, ` + photoquestionstat.FieldQuestionID + `, "` +
		photoquestionstat.FieldCount + `", "` + photoquestionstat.FieldSum + `", ` + photoquestionstat.FieldSumSq + `)
		SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
		ON CONFLICT (` + photoquestionstat.FieldPhotoID + `, ` + photoquestionstat.FieldQuestionID + `) DO UPDATE SET
		"count" = t."count" + EXCLUDED."count", "sum" = t."sum" + EXCLUDED."sum", sum_sq = t.sum_sq + EXCLUDED.sum_sq
		RETURNING ` + strings.Join(statColumns, ", ")
	upsertHistPG = `INSERT INTO ` + photoanswercount.Table + ` AS t (photo_id, question_id, "value", "count")
		SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[])
		ON CONFLICT (photo_id, question_id, "value") DO UPDATE SET "count" = t."count" + EXCLUDED."count"
		RETURNING ` + strings.Join(histColumns, ", ")
	upsertWordsPG = `INSERT INTO ` + photoword.Table + ` AS t (photo_id, question_id, word, "count")
		SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::bigint[])
		ON CONFLICT (photo_id, question_id, word) DO UPDATE SET "count" = t."count" + EXCLUDED."count"
		RETURNING ` + strings.Join(wordColumns, ", ")

	statColumns = []string{photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID, photoquestionstat.FieldCount,
		photoquestionstat.FieldSum, photoquestionstat.FieldSumSq, photoquestionstat.FieldWWeight, photoquestionstat.FieldWNeff,
		photoquestionstat.FieldWMean, photoquestionstat.FieldWMeanSq, photoquestionstat.FieldWAdjusted}
	histColumns = []string{photoanswercount.FieldPhotoID, photoanswercount.FieldQuestionID, photoanswercount.FieldValue, photoanswercount.FieldCount}
	wordColumns = []string{photoword.FieldPhotoID, photoword.FieldQuestionID, photoword.FieldWord, photoword.FieldCount}
)

// apply writes the deltas: upserts that add to the existing aggregates,
// each in a fixed (photo, question, value) order, then each photo's vote
// count and statistics version (photos.AddVotes). It returns the rows the
// upserts wrote, as they are after them.
func (d *deltas) apply(ctx context.Context, tx *ent.Tx, dialectName string, store *photos.Service, now time.Time) (*written, error) {
	pg := dialectName == dialect.Postgres
	var w written
	if len(d.stats) > 0 {
		keys := sortedKeys(d.stats, func(a, b statKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question))
		})
		var query string
		var args []any
		if pg {
			ids, qs, counts, sums, sqs := make([][16]byte, len(keys)), make([]int64, len(keys)), make([]int64, len(keys)), make([]int64, len(keys)), make([]int64, len(keys))
			for i, k := range keys {
				sd := d.stats[k]
				ids[i], qs[i], counts[i], sums[i], sqs[i] = k.photo, int64(k.question), sd.count, sd.sum, sd.sumSq
			}
			query, args = upsertStatsPG, []any{ids, qs, counts, sums, sqs}
		} else {
			ins := entsql.Dialect(dialectName).Insert(photoquestionstat.Table).Columns(photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID,
				photoquestionstat.FieldCount, photoquestionstat.FieldSum, photoquestionstat.FieldSumSq, photoquestionstat.FieldWWeight,
				photoquestionstat.FieldWNeff, photoquestionstat.FieldWMean, photoquestionstat.FieldWMeanSq)
			for _, k := range keys {
				sd := d.stats[k]
				ins.Values(k.photo, k.question, sd.count, sd.sum, sd.sumSq, 0.0, 0.0, 0.0, 0.0)
			}
			ins.OnConflict(entsql.ConflictColumns(photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID),
				entsql.ResolveWith(addExcluded(photoquestionstat.FieldCount, photoquestionstat.FieldSum, photoquestionstat.FieldSumSq))).
				Returning(statColumns...)
			query, args = ins.Query()
		}
		err := queryRows(ctx, tx, query, args, func(rows *stdsql.Rows) error {
			r := &ent.PhotoQuestionStat{}
			if err := rows.Scan(&r.PhotoID, &r.QuestionID, &r.Count, &r.Sum, &r.SumSq, &r.WWeight, &r.WNeff, &r.WMean, &r.WMeanSq, &r.WAdjusted); err != nil {
				return err
			}
			w.stats = append(w.stats, r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("updating statistics: %w", err)
		}
	}
	if len(d.hist) > 0 {
		keys := sortedKeys(d.hist, func(a, b histKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), cmp.Compare(a.value, b.value))
		})
		var query string
		var args []any
		if pg {
			ids, qs, values, counts := make([][16]byte, len(keys)), make([]int64, len(keys)), make([]int64, len(keys)), make([]int64, len(keys))
			for i, k := range keys {
				ids[i], qs[i], values[i], counts[i] = k.photo, int64(k.question), int64(k.value), d.hist[k]
			}
			query, args = upsertHistPG, []any{ids, qs, values, counts}
		} else {
			ins := entsql.Dialect(dialectName).Insert(photoanswercount.Table).Columns(photoanswercount.FieldPhotoID, photoanswercount.FieldQuestionID,
				photoanswercount.FieldValue, photoanswercount.FieldCount)
			for _, k := range keys {
				ins.Values(k.photo, k.question, k.value, d.hist[k])
			}
			ins.OnConflict(entsql.ConflictColumns(photoanswercount.FieldPhotoID, photoanswercount.FieldQuestionID, photoanswercount.FieldValue),
				entsql.ResolveWith(addExcluded(photoanswercount.FieldCount))).Returning(histColumns...)
			query, args = ins.Query()
		}
		err := queryRows(ctx, tx, query, args, func(rows *stdsql.Rows) error {
			r := &ent.PhotoAnswerCount{}
			if err := rows.Scan(&r.PhotoID, &r.QuestionID, &r.Value, &r.Count); err != nil {
				return err
			}
			w.hist = append(w.hist, r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("updating histograms: %w", err)
		}
	}
	if len(d.words) > 0 {
		keys := sortedKeys(d.words, func(a, b wordKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), strings.Compare(a.word, b.word))
		})
		var query string
		var args []any
		if pg {
			ids, qs, words, counts := make([][16]byte, len(keys)), make([]int64, len(keys)), make([]string, len(keys)), make([]int64, len(keys))
			for i, k := range keys {
				ids[i], qs[i], words[i], counts[i] = k.photo, int64(k.question), k.word, d.words[k]
			}
			query, args = upsertWordsPG, []any{ids, qs, words, counts}
		} else {
			ins := entsql.Dialect(dialectName).Insert(photoword.Table).Columns(photoword.FieldPhotoID, photoword.FieldQuestionID,
				photoword.FieldWord, photoword.FieldCount)
			for _, k := range keys {
				ins.Values(k.photo, k.question, k.word, d.words[k])
			}
			ins.OnConflict(entsql.ConflictColumns(photoword.FieldPhotoID, photoword.FieldQuestionID, photoword.FieldWord),
				entsql.ResolveWith(addExcluded(photoword.FieldCount))).Returning(wordColumns...)
			query, args = ins.Query()
		}
		err := queryRows(ctx, tx, query, args, func(rows *stdsql.Rows) error {
			r := &ent.PhotoWord{}
			if err := rows.Scan(&r.PhotoID, &r.QuestionID, &r.Word, &r.Count); err != nil {
				return err
			}
			w.words = append(w.words, r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("updating words: %w", err)
		}
	}
	if err := store.AddVotes(ctx, tx, d.votes, now); err != nil {
		return nil, err
	}
	return &w, nil
}

// queryRows runs query within tx and hands each row to scan.
func queryRows(ctx context.Context, tx *ent.Tx, query string, args []any, scan func(*stdsql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := scan(rows); err != nil {
			rows.Close()
			return err
		}
	}
	return errors.Join(rows.Err(), rows.Close())
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
