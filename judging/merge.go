package judging

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/panics"
)

// Merge moves what the anonymous judge from did to the account to, inside
// tx (identity calls it when a judge signs in): its votes, its skips
// (mergeSkips) and the karma it earned (mergeKarma). Votes that collide,
// on a photo the account judged already or owns, are dropped and their
// answers taken out of the photo's figures, so the aggregates still equal
// a recount of the votes. Once tx commits, the changed figures go where
// every change of statistics goes (statsChanged), before the commit
// returns.
func (s *Service) Merge(ctx context.Context, tx *ent.Tx, from, to uuid.UUID) error {
	if err := mergeSkips(ctx, tx, from, to); err != nil {
		return err
	}
	if err := mergeKarma(ctx, tx, from, to); err != nil {
		return err
	}
	return s.mergeVotes(ctx, tx, from, to)
}

// mergeVotes moves the votes of from to to (Merge).
func (s *Service) mergeVotes(ctx context.Context, tx *ent.Tx, from, to uuid.UUID) error {
	votes, err := tx.Vote.Query().Where(vote.JudgeID(from)).All(ctx)
	if err != nil || len(votes) == 0 {
		return err
	}
	photoIDs := make([]uuid.UUID, len(votes))
	for i, v := range votes {
		photoIDs[i] = v.PhotoID
	}
	// Lock every photo the judge voted on, in id order (as the ingester
	// does), before looking for collisions: the account cannot vote on one
	// of them meanwhile, nor can it be deleted under us.
	locked, err := s.photos.LockForCounts(ctx, tx, photoIDs)
	if err != nil {
		return err
	}
	var theirs []struct {
		PhotoID uuid.UUID `json:"photo_id"`
	}
	if err := tx.Vote.Query().Where(vote.JudgeID(to), vote.PhotoIDIn(photoIDs...)).
		Select(vote.FieldPhotoID).Scan(ctx, &theirs); err != nil {
		return err
	}
	collide := map[uuid.UUID]bool{}
	for _, t := range theirs {
		collide[t.PhotoID] = true
	}
	for id, p := range locked {
		if p.OwnerID == to {
			collide[id] = true
		}
	}
	if len(collide) > 0 {
		d := newDeltas()
		var drop []int64
		for _, v := range votes {
			if collide[v.PhotoID] {
				d.add(s.Survey, Ballot{Judge: from, Photo: v.PhotoID, Answers: v.Answers}, -1)
				drop = append(drop, v.ID)
			}
		}
		if _, err := tx.Vote.Delete().Where(vote.IDIn(drop...)).Exec(ctx); err != nil {
			return err
		}
		if _, err := d.apply(ctx, tx, s.dialect, s.photos, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		changed := d.photos()
		// On the committing goroutine, before the sign-in is answered: the
		// account's next read must find the merged figures in the cache,
		// not the figures from before (a few queries; signing in is rare).
		entx.AfterCommit(tx, func() {
			defer panics.Recover(s.log, "statistics after a merge", nil)
			s.statsChanged(context.WithoutCancel(ctx), changed)
		})
	}
	return tx.Vote.Update().Where(vote.JudgeID(from)).SetJudgeID(to).Exec(ctx)
}
