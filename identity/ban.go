package identity

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/bannedemail"
	"github.com/facestat/facestat/ent/session"
	"github.com/facestat/facestat/entx"
)

// Bans (a moderator's BAN_OWNER, docs/MODERATION.md): the account keeps
// its row, marked banned_at, and can no longer sign in; its sessions end;
// the hash of its e-mail address goes to banned_emails, so that the
// address cannot sign up again, even once the account is deleted.

// EmailHash is how banned_emails keeps an address: the lower-case hex
// SHA-256 of the normalised address (trimmed, lower case, as
// NormaliseEmail leaves it).
func EmailHash(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// BanIn bans the account id within tx: banned_at is set, its e-mail's hash
// is kept, every session of it ends and every API key of it is revoked (its session rows go with their refresh
// tokens; once tx commits, their cached entries are dropped, so no
// instance sharing the cache lets the tokens in). Open WebSockets of those
// sessions close within the API's session-watch interval. Banning an
// account twice keeps the first time.
func (s *Service) BanIn(ctx context.Context, tx *ent.Tx, id uuid.UUID, now time.Time) error {
	u, err := tx.User.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("identity: banning: %w", err)
	}
	if u.BannedAt == nil {
		if err := tx.User.UpdateOne(u).SetBannedAt(now).Exec(ctx); err != nil {
			return fmt.Errorf("identity: banning: %w", err)
		}
	}
	if u.Email != nil && *u.Email != "" {
		err := tx.BannedEmail.Create().SetEmailHash(EmailHash(*u.Email)).SetCreatedAt(now).
			OnConflictColumns(bannedemail.FieldEmailHash).DoNothing().Exec(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) { // DoNothing's empty result: kept already
			return fmt.Errorf("identity: keeping a banned e-mail: %w", err)
		}
	}
	hashes, err := tx.Session.Query().Where(session.UserID(id)).Select(session.FieldTokenHash).Strings(ctx)
	if err != nil {
		return fmt.Errorf("identity: ending a banned account's sessions: %w", err)
	}
	if _, err := tx.Session.Delete().Where(session.UserID(id)).Exec(ctx); err != nil {
		return fmt.Errorf("identity: ending a banned account's sessions: %w", err)
	}
	if len(hashes) > 0 {
		ctx := context.WithoutCancel(ctx)
		entx.AfterCommit(tx, func() { go s.forgetSessions(ctx, hashes...) })
	}
	if err := s.revokeKeysIn(ctx, tx, id, now); err != nil {
		return fmt.Errorf("identity: revoking a banned account's API keys: %w", err)
	}
	return nil
}

// refuseBanned answers the sign-in of a banned account, once its password
// was right (so that it tells nothing to those who guess): FORBIDDEN,
// reason BANNED.
func refuseBanned(u *ent.User) error {
	if u.BannedAt == nil {
		return nil
	}
	return &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonBanned,
		Message: "this account was banned by a moderator"}
}

// refuseBannedEmail answers a sign-up with a banned e-mail address:
// BAD_USER_INPUT on input.email, reason BANNED.
func (s *Service) refuseBannedEmail(ctx context.Context, email string) error {
	banned, err := s.client.BannedEmail.Query().Where(bannedemail.EmailHash(EmailHash(email))).Exist(ctx)
	if err != nil {
		return fmt.Errorf("identity: checking banned e-mails: %w", err)
	}
	if banned {
		return facestat.InputError("input.email", facestat.ReasonBanned, "this e-mail address was banned and cannot sign up")
	}
	return nil
}
