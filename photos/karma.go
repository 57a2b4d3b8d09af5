package photos

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
)

// The karma statements on the photos table (judging's settleKarma calls
// them in the transaction in which it settles balances, after a refit
// round's).

// Spent returns, by owner, what the votes received on the owners' photos
// spent: Σ max(0, vote_count − free) over their photos. Owners who spent
// nothing are absent. One query.
func Spent(ctx context.Context, tx *ent.Tx, owners []uuid.UUID, free int) (map[uuid.UUID]int64, error) {
	if len(owners) == 0 {
		return map[uuid.UUID]int64{}, nil
	}
	var rows []struct {
		OwnerID uuid.UUID `json:"owner_id"`
		Sum     int64     `json:"sum"`
		Count   int64     `json:"count"`
	}
	err := tx.Photo.Query().Where(photo.OwnerIDIn(owners...), photo.VoteCountGT(free)).
		GroupBy(photo.FieldOwnerID).Aggregate(ent.As(ent.Sum(photo.FieldVoteCount), "sum"), ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("photos: karma spent: %w", err)
	}
	out := make(map[uuid.UUID]int64, len(rows))
	for _, r := range rows {
		out[r.OwnerID] = r.Sum - int64(free)*r.Count
	}
	return out, nil
}

// SetJudgeQueue sets judge_queue of the photos of owners: 1 (served after
// the others) for those of the owners in broke (out of karma) that have
// at least free votes, 0 for the rest. Only the photos whose queue changes
// are written, locked first in id order on PostgreSQL (as Lock does, so
// that it never deadlocks with the vote path): one query and at most two
// updates.
func SetJudgeQueue(ctx context.Context, tx *ent.Tx, owners, broke []uuid.UUID, free int) error {
	if len(owners) == 0 {
		return nil
	}
	last := photo.And(photo.OwnerIDIn(broke...), photo.VoteCountGTE(free)) // none when broke is empty
	var rows []struct {
		ID         uuid.UUID `json:"id"`
		JudgeQueue int       `json:"judge_queue"`
	}
	err := tx.Photo.Query().
		Where(photo.OwnerIDIn(owners...), photo.Or(
			photo.And(last, photo.JudgeQueueNEQ(1)),
			photo.And(photo.Not(last), photo.JudgeQueueNEQ(0)))).
		Order(photo.ByID()).
		Select(photo.FieldID, photo.FieldJudgeQueue).
		Modify(func(s *entsql.Selector) {
			if s.Dialect() == dialect.Postgres {
				// NO KEY UPDATE: the queue is a counter, not a key (see
				// LockForCounts); rows referring to the photos go on.
				s.For(entsql.LockNoKeyUpdate)
			}
		}).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("photos: judge queue: %w", err)
	}
	var back, front []uuid.UUID
	for _, r := range rows {
		if r.JudgeQueue == 0 {
			back = append(back, r.ID)
		} else {
			front = append(front, r.ID)
		}
	}
	for queue, ids := range map[int][]uuid.UUID{1: back, 0: front} {
		if len(ids) == 0 {
			continue
		}
		if err := tx.Photo.Update().Where(photo.IDIn(ids...)).SetJudgeQueue(queue).Exec(ctx); err != nil {
			return fmt.Errorf("photos: judge queue: %w", err)
		}
	}
	return nil
}
