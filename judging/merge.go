package judging

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/vote"
)

// Merge moves the votes of the anonymous judge from to the account to,
// inside tx (identity calls it when a judge signs in). Votes that collide,
// on a photo the account judged already or owns, are dropped and their
// answers taken out of the photo's figures, so the aggregates still equal
// a recount of the votes. It returns the photos whose figures changed.
func (s *Service) Merge(ctx context.Context, tx *ent.Tx, from, to uuid.UUID) ([]uuid.UUID, error) {
	votes, err := tx.Vote.Query().Where(vote.JudgeID(from)).All(ctx)
	if err != nil || len(votes) == 0 {
		return nil, err
	}
	photoIDs := make([]uuid.UUID, len(votes))
	for i, v := range votes {
		photoIDs[i] = v.PhotoID
	}
	// Lock every photo the judge voted on, in id order (as the ingester
	// does), before looking for collisions: the account cannot vote on one
	// of them meanwhile, nor can it be deleted under us.
	slices.SortFunc(photoIDs, compareUUID)
	lock := tx.Photo.Query().Where(photo.IDIn(photoIDs...)).Order(photo.ByID())
	if s.dialect == dialect.Postgres {
		lock = lock.ForUpdate()
	}
	if _, err := lock.IDs(ctx); err != nil {
		return nil, fmt.Errorf("locking photos: %w", err)
	}
	var theirs []struct {
		PhotoID uuid.UUID `json:"photo_id"`
	}
	if err := tx.Vote.Query().Where(vote.JudgeID(to), vote.PhotoIDIn(photoIDs...)).
		Select(vote.FieldPhotoID).Scan(ctx, &theirs); err != nil {
		return nil, err
	}
	owned, err := tx.Photo.Query().Where(photo.IDIn(photoIDs...), photo.OwnerID(to)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	collide := map[uuid.UUID]bool{}
	for _, t := range theirs {
		collide[t.PhotoID] = true
	}
	for _, id := range owned {
		collide[id] = true
	}
	var ids []uuid.UUID
	if len(collide) > 0 {
		ids = make([]uuid.UUID, 0, len(collide))
		for id := range collide {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, compareUUID)
		d := newDeltas()
		var drop []int64
		for _, v := range votes {
			if collide[v.PhotoID] {
				d.add(s.Survey, Ballot{Judge: from, Photo: v.PhotoID, Answers: v.Answers}, -1)
				drop = append(drop, v.ID)
			}
		}
		if _, err := tx.Vote.Delete().Where(vote.IDIn(drop...)).Exec(ctx); err != nil {
			return nil, err
		}
		if err := d.apply(ctx, tx, s.dialect, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return nil, err
		}
	}
	return ids, tx.Vote.Update().Where(vote.JudgeID(from)).SetJudgeID(to).Exec(ctx)
}
