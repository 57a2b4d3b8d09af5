package identity

import (
	"context"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/hook"
	"github.com/facestat/facestat/ent/session"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/panics"
)

// forgetSessionsOnRoleChange is the hook on users' mutations that makes a
// change of role apply at once on every instance sharing the cache: once
// the change has committed, the cached sessions of the users it touched
// are dropped, so their next request reads the role from the database. A
// role changed in the database by other means applies within
// cache.GrantTTL.
func (s *Service) forgetSessionsOnRoleChange(next ent.Mutator) ent.Mutator {
	return hook.UserFunc(func(ctx context.Context, m *ent.UserMutation) (ent.Value, error) {
		if _, set := m.Role(); !set || !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) || s.Cache == nil {
			return next.Mutate(ctx, m)
		}
		ids, err := m.IDs(ctx)
		if err != nil {
			return nil, err
		}
		v, err := next.Mutate(ctx, m)
		if err != nil || len(ids) == 0 {
			return v, err
		}
		ctx = context.WithoutCancel(ctx)
		if tx, err := m.Tx(); err == nil {
			entx.AfterCommit(tx, func() {
				panics.Go(nil, "dropping the sessions of users whose role changed", func() { s.forgetUsersSessions(ctx, ids) })
			})
		} else {
			s.forgetUsersSessions(ctx, ids)
		}
		return v, nil
	})
}

// forgetUsersSessions drops the cached sessions of users ids. When their
// sessions cannot be read, the entries expire within cache.GrantTTL.
func (s *Service) forgetUsersSessions(ctx context.Context, ids []uuid.UUID) {
	hashes, err := s.client.Session.Query().Where(session.UserIDIn(ids...)).Select(session.FieldTokenHash).Strings(ctx)
	if err == nil && len(hashes) > 0 {
		s.forgetSessions(ctx, hashes...)
	}
}
