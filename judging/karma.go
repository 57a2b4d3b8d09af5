package judging

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/user"
)

// Karma returns a judge's karma balance: 0 for a judge without a row yet
// (an anonymous judge that never voted).
func (s *Service) Karma(ctx context.Context, judge uuid.UUID) (int, error) {
	u, err := s.client.User.Query().Where(user.ID(judge)).Select(user.FieldKarma).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("judging: karma: %w", err)
	}
	return int(u.Karma), nil
}
