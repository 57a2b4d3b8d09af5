package judging

import (
	"context"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photoskip"
	"github.com/facestat/facestat/ent/predicate"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/photos"
)

// SkipPhoto records that v skipped a photo: NextPhoto never offers it to v
// again (the skip moves with v's votes when an anonymous judge signs in).
// Skipping twice, or a photo v has voted on, is harmless. Errors:
// UNAUTHENTICATED without a session, or with the token of an anonymous
// judge that has since become or joined an account; RATE_LIMITED on the
// votes' budget (ratelimit.Policy.Skip); NOT_FOUND for a missing or hidden
// photo; FORBIDDEN for one's own (as castVote).
func (s *Service) SkipPhoto(ctx context.Context, v *identity.Viewer, photoID uuid.UUID) error {
	if v == nil {
		return facestat.Errorf(facestat.Unauthenticated, "start a session first (startAnonymousSession needs no account)")
	}
	if err := s.limits.Skip(ctx, v.ID); err != nil {
		return err
	}
	p, err := s.photos.Get(ctx, photoID)
	if err != nil {
		return err
	}
	facts := photos.FactsOf(p)
	switch {
	case authz.PhotoAccess(v, facts, false).Judge:
	case facts.Active: // active, yet not theirs to judge: their own
		return facestat.Errorf(facestat.Forbidden, "you cannot judge your own photo")
	default:
		return facestat.Errorf(facestat.NotFound, "no such photo")
	}
	if v.Anonymous {
		if err := s.admitJudge(ctx, v.ID); err != nil {
			return err
		}
	}
	err = s.client.PhotoSkip.Create().SetJudgeID(v.ID).SetPhotoID(photoID).
		OnConflictColumns(photoskip.FieldJudgeID, photoskip.FieldPhotoID).DoNothing().Exec(ctx)
	switch {
	case err == nil, isNoRows(err): // stored, or skipped already
		s.photos.Judged(v.ID, photoID)
		return nil
	case ent.IsConstraintError(err): // the photo was deleted meanwhile
		return facestat.Errorf(facestat.NotFound, "no such photo")
	}
	return fmt.Errorf("judging: skipping a photo: %w", err)
}

// SkipIn records within tx that judge skipped photo (as SkipPhoto does,
// without its checks and limits): reportPhoto skips the photo reported.
func (s *Service) SkipIn(ctx context.Context, tx *ent.Tx, judge, photoID uuid.UUID) error {
	err := tx.PhotoSkip.Create().SetJudgeID(judge).SetPhotoID(photoID).
		OnConflictColumns(photoskip.FieldJudgeID, photoskip.FieldPhotoID).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("judging: skipping a photo: %w", err)
	}
	return nil
}

// AdmitJudge creates the row of an anonymous judge that never voted and
// refuses a retired judge token (see admitJudge): reportPhoto stores a
// report under the judge's row.
func (s *Service) AdmitJudge(ctx context.Context, judge uuid.UUID) error {
	return s.admitJudge(ctx, judge)
}

// admitJudge creates the row of an anonymous judge that never voted (as
// the ingester's admitJudges does) and refuses the token of one that has
// since become, or merged into, an account: its skips would land where
// nothing reads them.
func (s *Service) admitJudge(ctx context.Context, judge uuid.UUID) error {
	err := s.client.User.Create().SetID(judge).SetAnonymous(true).OnConflictColumns(user.FieldID).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("judging: creating a judge: %w", err)
	}
	u, err := s.client.User.Query().Where(user.ID(judge)).Select(user.FieldAnonymous, user.FieldMergedIntoID).Only(ctx)
	if err != nil {
		return fmt.Errorf("judging: reading a judge: %w", err)
	}
	if !u.Anonymous || u.MergedIntoID != nil {
		return &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonTokenInvalid,
			Message: "this judge token was retired when its judge signed up or in; use the account's token"}
	}
	return nil
}

// mergeSkips moves the skips of the anonymous judge from to the account
// to, inside tx (Merge): those of photos the account skipped too are
// dropped, the rest change hands. Two statements.
func mergeSkips(ctx context.Context, tx *ent.Tx, from, to uuid.UUID) error {
	skippedByTo := predicate.PhotoSkip(func(s *entsql.Selector) {
		t := entsql.Table(photoskip.Table).As("theirs")
		s.Where(entsql.In(s.C(photoskip.FieldPhotoID),
			entsql.Select(t.C(photoskip.FieldPhotoID)).From(t).Where(entsql.EQ(t.C(photoskip.FieldJudgeID), to))))
	})
	if _, err := tx.PhotoSkip.Delete().Where(photoskip.JudgeID(from), skippedByTo).Exec(ctx); err != nil {
		return fmt.Errorf("dropping skips: %w", err)
	}
	err := tx.PhotoSkip.Update().Where(photoskip.JudgeID(from)).
		Modify(func(u *entsql.UpdateBuilder) { u.Set(photoskip.FieldJudgeID, to) }).Exec(ctx)
	if err != nil {
		return fmt.Errorf("moving skips: %w", err)
	}
	return nil
}
