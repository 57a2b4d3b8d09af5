package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/passwordreset"
	"github.com/facestat/facestat/ent/session"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
)

// Accounts people control: changing the password, listing the account's
// sessions and ending the others.

// MaxSessionsListed bounds Sessions (api/cost.go prices that many).
const MaxSessionsListed = 50

// maxUserAgent bounds the User-Agent kept with a session, in bytes.
const maxUserAgent = 200

type userAgentKey struct{}

// WithUserAgent returns ctx carrying the client's User-Agent, which a
// session created under it keeps (shortened to 200 bytes of valid UTF-8)
// so that viewer.sessions can tell devices apart. The HTTP layer sets it.
func WithUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey{}, ua)
}

type startKey struct{}

// carryOver returns ctx carrying what a refresh keeps of the session it
// replaces: when it began (viewer.sessions' createdAt is the sign-in's)
// and its User-Agent.
func carryOver(ctx context.Context, old *ent.Session) context.Context {
	return context.WithValue(WithUserAgent(ctx, old.UserAgent), startKey{}, old.CreatedAt)
}

// carriedStart is the start of the session a refresh replaces, if any.
func carriedStart(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(startKey{}).(time.Time)
	return t, ok
}

// userAgent is the User-Agent ctx carries, shortened: invalid UTF-8 and
// control characters dropped, then cut to at most 200 bytes on a
// character boundary.
func userAgent(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey{}).(string)
	ua = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(ua, ""))
	for len(ua) > maxUserAgent {
		_, size := utf8.DecodeLastRuneInString(ua[:maxUserAgent+1])
		ua = ua[:maxUserAgent+1-size]
	}
	return strings.TrimSpace(ua)
}

// badCredentials is the refusal of a wrong password.
func badCredentials() error {
	return &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonBadCredentials, Message: "wrong password"}
}

// checkNewPassword is checkPassword for the argument at field.
func checkNewPassword(field, p string) error {
	err := checkPassword(p)
	var fe *facestat.Error
	if errors.As(err, &fe) {
		fe.Field = field
	}
	return err
}

// ChangePassword sets the password of v's account after checking the
// current one, and ends every other session of the account (their rows
// and cache entries; their sockets close at the next session check) and
// every outstanding reset link; v's session goes on. It returns how many
// sessions ended. Errors: UNAUTHENTICATED without an account session;
// BAD_USER_INPUT (input.newPassword: WEAK_PASSWORD, TOO_LONG);
// RATE_LIMITED per client address and per account (ratelimit
// Policy.ChangePassword); UNAUTHENTICATED, reason BAD_CREDENTIALS, for a
// wrong current password.
func (s *Service) ChangePassword(ctx context.Context, v *Viewer, current, next string) (int, error) {
	if !v.IsAccount() || v.SessionID == 0 {
		return 0, facestat.Errorf(facestat.Unauthenticated, "this needs an account: sign in")
	}
	if err := checkNewPassword("input.newPassword", next); err != nil {
		return 0, err
	}
	if err := s.cfg.RateLimits.ChangePassword(ctx, v.ID); err != nil {
		return 0, err
	}
	if len(current) > 256 {
		return 0, badCredentials()
	}
	u, err := s.client.User.Query().Where(user.ID(v.ID), user.Anonymous(false)).Only(ctx)
	if ent.IsNotFound(err) {
		return 0, facestat.Errorf(facestat.Unauthenticated, "this account no longer exists")
	}
	if err != nil {
		return 0, fmt.Errorf("identity: change password: %w", err)
	}
	ok, err := VerifyPassword(current, u.PasswordHash)
	if err != nil {
		return 0, fmt.Errorf("identity: change password: %w", err)
	}
	if !ok {
		return 0, badCredentials()
	}
	hash := HashPassword(next, s.cfg.Argon2)
	var ended int
	err = entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// Only if the hash checked is still the account's: of two changes
		// at once with the same current password, one wins.
		n, err := tx.User.Update().Where(user.ID(v.ID), user.PasswordHash(u.PasswordHash)).SetPasswordHash(hash).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return badCredentials()
		}
		if err := s.retireResets(ctx, tx, v.ID); err != nil {
			return err
		}
		ended, err = s.endSessions(ctx, tx, v.ID, v.SessionID)
		return err
	})
	if err != nil {
		return 0, err
	}
	return ended, nil
}

// Sessions returns the live sessions of v's account (refresh token not
// expired), newest first, at most MaxSessionsListed; none for an anonymous
// judge.
func (s *Service) Sessions(ctx context.Context, v *Viewer) ([]*ent.Session, error) {
	if !v.IsAccount() {
		return []*ent.Session{}, nil
	}
	rows, err := s.client.Session.Query().
		Where(session.UserID(v.ID), session.RefreshExpiresAtGT(s.now())).
		Order(ent.Desc(session.FieldCreatedAt), ent.Desc(session.FieldID)).
		Limit(MaxSessionsListed).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: sessions: %w", err)
	}
	return rows, nil
}

// SignOutOtherSessions ends every session of v's account but v's own and
// returns how many ended. UNAUTHENTICATED without an account session.
func (s *Service) SignOutOtherSessions(ctx context.Context, v *Viewer) (int, error) {
	if !v.IsAccount() || v.SessionID == 0 {
		return 0, facestat.Errorf(facestat.Unauthenticated, "this needs an account: sign in")
	}
	return s.endSessionsNow(ctx, v.ID, v.SessionID)
}

// EndAllSessions ends every session of the account (rows and cache
// entries; sockets close at the next session check) and returns how many
// it ended: for a ban or an erasure.
func (s *Service) EndAllSessions(ctx context.Context, account uuid.UUID) (int, error) {
	return s.endSessionsNow(ctx, account, 0)
}

// endSessionsNow is endSessions in a transaction of its own.
func (s *Service) endSessionsNow(ctx context.Context, account uuid.UUID, keep int) (int, error) {
	var ended int
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		var err error
		ended, err = s.endSessions(ctx, tx, account, keep)
		return err
	})
	return ended, err
}

// endSessions deletes, inside tx, every session of the account but keep
// (0: all of them), and drops those it read from the session cache once
// tx commits (as Refresh does, so a request in between cannot cache one
// again). Sockets of ended sessions close at the next session check
// (api/sessionwatch.go). It returns how many rows it deleted.
func (s *Service) endSessions(ctx context.Context, tx *ent.Tx, account uuid.UUID, keep int) (int, error) {
	q := tx.Session.Query().Where(session.UserID(account))
	del := tx.Session.Delete().Where(session.UserID(account))
	if keep != 0 {
		q = q.Where(session.IDNEQ(keep))
		del = del.Where(session.IDNEQ(keep))
	}
	others, err := q.Select(session.FieldTokenHash).All(ctx)
	if err != nil {
		return 0, err
	}
	// Deleting by account rather than by the ids read also ends a
	// session a refresh created meanwhile.
	n, err := del.Exec(ctx)
	if err != nil {
		return 0, err
	}
	hashes := make([]string, len(others))
	for i, o := range others {
		hashes[i] = o.TokenHash
	}
	if len(hashes) > 0 {
		entx.AfterCommit(tx, func() { s.forgetSessions(context.WithoutCancel(ctx), hashes...) })
	}
	return n, nil
}

// retireResets marks every outstanding reset link of the account used.
func (s *Service) retireResets(ctx context.Context, tx *ent.Tx, account uuid.UUID) error {
	return tx.PasswordReset.Update().
		Where(passwordreset.UserID(account), passwordreset.UsedAtIsNil()).
		SetUsedAt(s.now()).Exec(ctx)
}
