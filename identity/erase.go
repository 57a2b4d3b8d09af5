package identity

import (
	"context"

	"github.com/google/uuid"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/session"
	"github.com/facestat/facestat/entx"
)

// EraseSessions deletes every session and API key of the account within tx, for the
// deletion of the account; once tx commits, their cached entries and the
// account's cached row are dropped, so that its tokens are refused at once
// on every instance sharing the cache (open sockets close at their next
// session check).
func (s *Service) EraseSessions(ctx context.Context, tx *ent.Tx, account uuid.UUID) error {
	hashes, err := tx.Session.Query().Where(session.UserID(account)).Select(session.FieldTokenHash).Strings(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.Session.Delete().Where(session.UserID(account)).Exec(ctx); err != nil {
		return err
	}
	if err := s.eraseKeysIn(ctx, tx, account); err != nil {
		return err
	}
	entx.AfterCommit(tx, func() {
		ctx := context.WithoutCancel(ctx)
		s.forgetSessions(ctx, hashes...)
		if s.Cache != nil {
			s.Cache.Delete(ctx, cache.UserKey(account))
		}
	})
	return nil
}
