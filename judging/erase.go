package judging

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/judgeprofile"
	"github.com/facestat/facestat/ent/vote"
)

// Anonymise moves what the judge from did to a fresh anonymous judge,
// inside tx, for the deletion of from's account: its votes (on photos that
// are not its own: delete those first) and a copy of its judge profile,
// so that every photo's figures, raw and weighted, stay exactly as they
// were, now and at later refits, and nothing points to the person. The
// new judge has no handle, no e-mail, no password and no karma: no token
// proves it, so it never votes again. It returns the new judge's id, or
// uuid.Nil when from had cast no vote (then nothing is created). The
// caller deletes from's profile (with its row).
func (s *Service) Anonymise(ctx context.Context, tx *ent.Tx, from uuid.UUID) (uuid.UUID, error) {
	n, err := tx.Vote.Query().Where(vote.JudgeID(from)).Count(ctx)
	if err != nil || n == 0 {
		return uuid.Nil, err
	}
	to := uuid.New()
	if err := tx.User.Create().SetID(to).SetAnonymous(true).Exec(ctx); err != nil {
		return uuid.Nil, fmt.Errorf("judging: anonymising: %w", err)
	}
	if err := tx.Vote.Update().Where(vote.JudgeID(from)).SetJudgeID(to).Exec(ctx); err != nil {
		return uuid.Nil, fmt.Errorf("judging: anonymising votes: %w", err)
	}
	p, err := tx.JudgeProfile.Query().Where(judgeprofile.JudgeID(from)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return to, nil
	case err != nil:
		return uuid.Nil, fmt.Errorf("judging: anonymising profile: %w", err)
	}
	err = tx.JudgeProfile.Create().SetJudgeID(to).SetVotes(p.Votes).SetCare(p.Care).SetWeight(p.Weight).
		SetOffsets(p.Offsets).SetUpdatedAt(p.UpdatedAt).Exec(ctx)
	if err != nil {
		return uuid.Nil, fmt.Errorf("judging: anonymising profile: %w", err)
	}
	return to, nil
}
