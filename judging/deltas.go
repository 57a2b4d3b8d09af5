package judging

import (
	"cmp"
	"context"
	stdsql "database/sql"
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
	"github.com/facestat/facestat/entx"
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
				// No histogram row: its buckets are count - sum and sum
				// (stats.Summarize).
				sd.sum += sign * int64(v)
				sd.sumSq += sign * int64(v)
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

// written is what apply's upserts returned: the new totals of the word
// rows they wrote. The statistics' and histograms' new totals are the
// aggregates read before plus the deltas (overlay); a photo's words are
// kept only in part (its MaxWords most given), so a word's total comes
// from its row.
type written struct {
	words []*ent.PhotoWord
}

// upsertPG is the vote path's writes on PostgreSQL in one statement of
// one fixed text, whatever the batch's size: one round trip for the three
// aggregate tables and the photos' counts (photos.AddVotesSQL, whose rows
// the batch locked before; data-modifying CTEs on four tables, which do
// not see each other's rows and need not; PostgreSQL runs each to
// completion whether the query reads it or not). The rows travel as arrays, in
// binary (uuids as [16]byte, which pgx encodes as they are, where
// uuid.UUID would go through its driver.Valuer's text), so that the
// driver's per-connection cache of prepared statements (pgx) reuses the
// text. Each upsert adds to the existing row, in the arrays' (photo,
// question, value) order; the statement returns the new totals of the
// word rows only (see written).
var (
	upsertPG = `WITH counts AS (` + photos.AddVotesSQL(14) + `
	), s AS (
		INSERT INTO ` + photoquestionstat.Table + ` AS t (photo_id, question_id, "count", "sum", sum_sq)
		SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
		ON CONFLICT (photo_id, question_id) DO UPDATE SET
		"count" = t."count" + EXCLUDED."count", "sum" = t."sum" + EXCLUDED."sum", sum_sq = t.sum_sq + EXCLUDED.sum_sq
	), h AS (
		INSERT INTO ` + photoanswercount.Table + ` AS t (photo_id, question_id, "value", "count")
		SELECT * FROM unnest($6::uuid[], $7::bigint[], $8::bigint[], $9::bigint[])
		ON CONFLICT (photo_id, question_id, "value") DO UPDATE SET "count" = t."count" + EXCLUDED."count"
	)
	INSERT INTO ` + photoword.Table + ` AS t (photo_id, question_id, word, "count")
	SELECT * FROM unnest($10::uuid[], $11::bigint[], $12::text[], $13::bigint[])
	ON CONFLICT (photo_id, question_id, word) DO UPDATE SET "count" = t."count" + EXCLUDED."count"
	RETURNING ` + strings.Join(wordColumns, ", ")

	wordColumns = []string{photoword.FieldPhotoID, photoword.FieldQuestionID, photoword.FieldWord, photoword.FieldCount}
)

// apply writes the deltas: upserts that add to the existing aggregates,
// each in a fixed (photo, question, value) order, and each photo's vote
// count and statistics version (photos.AddVotes; on PostgreSQL all in
// one statement, upsertPG). It returns the word rows the upserts wrote,
// as they are after them (see written).
func (d *deltas) apply(ctx context.Context, tx *ent.Tx, dialectName string, store *photos.Service, now time.Time) (*written, error) {
	if dialectName == dialect.Postgres {
		if len(d.stats)+len(d.hist)+len(d.words) == 0 {
			return &written{}, store.AddVotes(ctx, tx, d.votes, now)
		}
		counts := store.AddVotesArgs(tx, d.votes, now)
		if counts == nil { // no photo's count changes: the CTE updates none
			counts = []any{[][16]byte{}, []int64{}, now}
		}
		return d.upsertPG(ctx, tx, counts)
	}
	var w written
	if len(d.stats) > 0 {
		keys := sortedKeys(d.stats, func(a, b statKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question))
		})
		ins := entsql.Dialect(dialectName).Insert(photoquestionstat.Table).Columns(photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID,
			photoquestionstat.FieldCount, photoquestionstat.FieldSum, photoquestionstat.FieldSumSq, photoquestionstat.FieldWWeight,
			photoquestionstat.FieldWNeff, photoquestionstat.FieldWMean, photoquestionstat.FieldWMeanSq)
		for _, k := range keys {
			sd := d.stats[k]
			ins.Values(k.photo, k.question, sd.count, sd.sum, sd.sumSq, 0.0, 0.0, 0.0, 0.0)
		}
		ins.OnConflict(entsql.ConflictColumns(photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID),
			entsql.ResolveWith(addExcluded(photoquestionstat.FieldCount, photoquestionstat.FieldSum, photoquestionstat.FieldSumSq)))
		query, args := ins.Query()
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return nil, fmt.Errorf("updating statistics: %w", err)
		}
	}
	if len(d.hist) > 0 {
		keys := sortedKeys(d.hist, func(a, b histKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), cmp.Compare(a.value, b.value))
		})
		ins := entsql.Dialect(dialectName).Insert(photoanswercount.Table).Columns(photoanswercount.FieldPhotoID, photoanswercount.FieldQuestionID,
			photoanswercount.FieldValue, photoanswercount.FieldCount)
		for _, k := range keys {
			ins.Values(k.photo, k.question, k.value, d.hist[k])
		}
		ins.OnConflict(entsql.ConflictColumns(photoanswercount.FieldPhotoID, photoanswercount.FieldQuestionID, photoanswercount.FieldValue),
			entsql.ResolveWith(addExcluded(photoanswercount.FieldCount)))
		query, args := ins.Query()
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return nil, fmt.Errorf("updating histograms: %w", err)
		}
	}
	if len(d.words) > 0 {
		keys := sortedKeys(d.words, func(a, b wordKey) int {
			return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), strings.Compare(a.word, b.word))
		})
		ins := entsql.Dialect(dialectName).Insert(photoword.Table).Columns(photoword.FieldPhotoID, photoword.FieldQuestionID,
			photoword.FieldWord, photoword.FieldCount)
		for _, k := range keys {
			ins.Values(k.photo, k.question, k.word, d.words[k])
		}
		ins.OnConflict(entsql.ConflictColumns(photoword.FieldPhotoID, photoword.FieldQuestionID, photoword.FieldWord),
			entsql.ResolveWith(addExcluded(photoword.FieldCount))).Returning(wordColumns...)
		err := upsertReturning(ctx, tx, ins, &w.words, func(rows *stdsql.Rows, r *ent.PhotoWord) error {
			return rows.Scan(&r.PhotoID, &r.QuestionID, &r.Word, &r.Count)
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

// upsertPG writes the deltas and the photos' counts (counts: what
// photos.AddVotesArgs returned) on PostgreSQL in one statement (upsertPG)
// and returns the word rows it wrote, as they are after it.
func (d *deltas) upsertPG(ctx context.Context, tx *ent.Tx, counts []any) (*written, error) {
	var w written
	statKeys := sortedKeys(d.stats, func(a, b statKey) int {
		return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question))
	})
	sIDs, sQs, sCounts, sSums, sSqs := make([][16]byte, len(statKeys)), make([]int64, len(statKeys)), make([]int64, len(statKeys)), make([]int64, len(statKeys)), make([]int64, len(statKeys))
	for i, k := range statKeys {
		sd := d.stats[k]
		sIDs[i], sQs[i], sCounts[i], sSums[i], sSqs[i] = k.photo, int64(k.question), sd.count, sd.sum, sd.sumSq
	}
	histKeys := sortedKeys(d.hist, func(a, b histKey) int {
		return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), cmp.Compare(a.value, b.value))
	})
	hIDs, hQs, hValues, hCounts := make([][16]byte, len(histKeys)), make([]int64, len(histKeys)), make([]int64, len(histKeys)), make([]int64, len(histKeys))
	for i, k := range histKeys {
		hIDs[i], hQs[i], hValues[i], hCounts[i] = k.photo, int64(k.question), int64(k.value), d.hist[k]
	}
	wordKeys := sortedKeys(d.words, func(a, b wordKey) int {
		return cmp.Or(compareUUID(a.photo, b.photo), cmp.Compare(a.question, b.question), strings.Compare(a.word, b.word))
	})
	wIDs, wQs, wWords, wCounts := make([][16]byte, len(wordKeys)), make([]int64, len(wordKeys)), make([]string, len(wordKeys)), make([]int64, len(wordKeys))
	for i, k := range wordKeys {
		wIDs[i], wQs[i], wWords[i], wCounts[i] = k.photo, int64(k.question), k.word, d.words[k]
	}
	args := append([]any{sIDs, sQs, sCounts, sSums, sSqs, hIDs, hQs, hValues, hCounts, wIDs, wQs, wWords, wCounts}, counts...)
	err := entx.QueryRows(ctx, tx, upsertPG, args, func(rows *stdsql.Rows) error {
		r := new(ent.PhotoWord)
		if err := rows.Scan(&r.PhotoID, &r.QuestionID, &r.Word, &r.Count); err != nil {
			return err
		}
		w.words = append(w.words, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("updating statistics: %w", err)
	}
	return &w, nil
}

// upsertReturning runs ins, an upsert with RETURNING, and appends each
// row it returns, scanned by scan into a new T, to out.
func upsertReturning[T any](ctx context.Context, tx *ent.Tx, ins *entsql.InsertBuilder, out *[]*T, scan func(*stdsql.Rows, *T) error) error {
	query, args := ins.Query()
	return entx.QueryRows(ctx, tx, query, args, func(rows *stdsql.Rows) error {
		r := new(T)
		if err := scan(rows, r); err != nil {
			return err
		}
		*out = append(*out, r)
		return nil
	})
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
