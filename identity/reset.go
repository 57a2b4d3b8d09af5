package identity

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/passwordreset"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/mail"
	"github.com/facestat/facestat/panics"
)

// Password resets by e-mail, after OWASP's forgot-password rules: the
// request answers the same, in the same time, whatever the address (the
// lookup, the token and the mail happen in the background, off the
// request's path); the token is 256 random bits, stored as its SHA-256,
// single-use and short-lived; the link is built from the configured public
// URL, never from the request.

// resetPrefix marks a password-reset token (random, stored hashed).
const resetPrefix = "fsp_"

// MaxResetTTL is the longest a reset link may live.
const MaxResetTTL = 30 * time.Minute

// resetQueueSize bounds the reset requests waiting for the background
// worker; beyond, a request is dropped (and logged), still answered ok.
const resetQueueSize = 256

// Mailer delivers a message (mail.Postman: retried, counted).
type Mailer interface {
	Deliver(ctx context.Context, m mail.Message) error
}

// ResetConfig configures password resets.
type ResetConfig struct {
	TTL time.Duration // a link's lifetime, at most MaxResetTTL (the default)
	// Link returns the URL the mail carries for token: the public URL's
	// /reset-password?token=...
	Link func(token string) string
	Mail Mailer       // nil: resets are requested but no mail goes out
	Log  *slog.Logger // nil: no log
}

// resetQueue holds the addresses that asked for a reset, for the one
// background worker, which starts with the first request and stops with
// Close.
type resetQueue struct {
	mu      sync.Mutex
	ch      chan string
	started bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// RequestPasswordReset answers a request to e-mail a reset link to email:
// nil (ok) whether or not an account has the address, having only queued
// the address for the background worker (see resetWorker). A request over
// the per-address limit is answered nil too, and nothing is sent. Errors:
// BAD_USER_INPUT (input.email: TOO_LONG over 254 bytes, INVALID when not an
// address); RATE_LIMITED per client address.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	if len(email) > 254 {
		return facestat.InputError("input.email", facestat.ReasonTooLong, "an email address has at most 254 bytes")
	}
	if err := s.cfg.RateLimits.ResetRequest(ctx); err != nil {
		return err
	}
	email, err := NormaliseEmail(email)
	if err != nil {
		return err
	}
	if err := s.cfg.RateLimits.ResetEmail(ctx, email); err != nil {
		if facestat.ErrorCode(err) == facestat.RateLimited {
			return nil // enough mail to that address for now; say nothing
		}
		return err
	}
	s.enqueueReset(email)
	return nil
}

// enqueueReset hands email to the worker without waiting, starting the
// worker on first use.
func (s *Service) enqueueReset(email string) {
	q := &s.resets
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if !q.started {
		q.started = true
		q.ch = make(chan string, resetQueueSize)
		q.done = make(chan struct{})
		var ctx context.Context
		ctx, q.cancel = context.WithCancel(context.Background())
		go s.resetWorker(ctx)
	}
	select {
	case q.ch <- email:
	default:
		s.resetLog().Warn("password reset requests queue full: a request was dropped")
	}
}

// resetWorker sends the queued resets one at a time until Close.
func (s *Service) resetWorker(ctx context.Context) {
	q := &s.resets
	defer close(q.done)
	for {
		select {
		case <-ctx.Done():
			return
		case email := <-q.ch:
			s.resetOne(ctx, email)
		}
	}
}

// resetOne sends one reset, logging its failure (never the address) and
// recovering its panic, so that the worker goes on with the next.
func (s *Service) resetOne(ctx context.Context, email string) {
	defer panics.Recover(s.resetLog(), "password reset worker", nil)
	if err := s.sendReset(ctx, email); err != nil && ctx.Err() == nil {
		s.resetLog().Error("password reset failed", "err", err)
	}
}

// Close stops the password-reset worker and waits for it; resets still
// queued are dropped (their requesters may ask again).
func (s *Service) Close() {
	q := &s.resets
	q.mu.Lock()
	q.closed = true
	started := q.started
	q.mu.Unlock()
	if started {
		q.cancel()
		<-q.done
	}
}

func (s *Service) resetLog() *slog.Logger {
	if l := s.cfg.Resets.Log; l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) resetTTL() time.Duration {
	if ttl := s.cfg.Resets.TTL; ttl > 0 && ttl <= MaxResetTTL {
		return ttl
	}
	return MaxResetTTL
}

// sendReset mails a reset link to the account of email, if there is one
// and it is not banned; else it does nothing.
func (s *Service) sendReset(ctx context.Context, email string) error {
	u, err := s.client.User.Query().
		Where(user.Email(email), user.Anonymous(false), user.BannedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("identity: reset: %w", err)
	}
	token := randomToken(resetPrefix)
	ttl := s.resetTTL()
	expires := s.now().Add(ttl).Truncate(time.Second)
	err = s.client.PasswordReset.Create().SetUserID(u.ID).SetTokenHash(hashToken(token)).SetExpiresAt(expires).Exec(ctx)
	if err != nil {
		return fmt.Errorf("identity: reset: %w", err)
	}
	if s.cfg.Resets.Mail == nil || s.cfg.Resets.Link == nil {
		return nil
	}
	return s.cfg.Resets.Mail.Deliver(ctx, resetMessage(email, derefHandle(u), s.cfg.Resets.Link(token), ttl, expires))
}

func derefHandle(u *ent.User) string {
	if u.Handle == nil {
		return ""
	}
	return *u.Handle
}

// resetMessage is the reset e-mail, in plain words.
func resetMessage(to, handle, link string, ttl time.Duration, expires time.Time) mail.Message {
	greeting := "Hello,"
	if handle != "" {
		greeting = "Hello " + handle + ","
	}
	body := greeting + "\n\n" +
		"Someone, we hope you, asked to reset the password of your FaceStat account.\n" +
		"To choose a new password, open this link:\n\n" +
		link + "\n\n" +
		fmt.Sprintf("The link works once and only for %s, until %s UTC.\n", minutes(ttl), expires.UTC().Format("15:04 on 2 January 2006")) +
		"Setting a new password signs you out everywhere.\n\n" +
		"If you did not ask for this, ignore this message: your password stays as it is.\n\n" +
		"FaceStat\n"
	return mail.Message{To: to, Subject: "Reset your FaceStat password", Body: body}
}

// minutes says d in whole minutes, in words: "1 minute", "30 minutes".
func minutes(d time.Duration) string {
	if n := int(d.Minutes()); n != 1 {
		return fmt.Sprintf("%d minutes", n)
	}
	return "1 minute"
}

// invalidToken is the refusal of a used, expired or unknown reset token.
func invalidToken() error {
	return facestat.InputError("input.token", facestat.ReasonInvalidToken, "this reset link is used, expired or unknown: ask for a new one")
}

// ResetPassword sets the password of the account a reset token was
// mailed for, once: it marks the token used (only if still unused and
// unexpired, so of two at once exactly one wins), retires the account's
// other reset links and ends every session of the account. Errors:
// BAD_USER_INPUT (input.token: TOO_LONG over 256 bytes, INVALID_TOKEN for a
// used, expired or unknown token, or one of a banned account;
// input.newPassword: WEAK_PASSWORD, TOO_LONG); RATE_LIMITED per client
// address, on the sign-in budget (a guessed token is a guessed password).
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	if len(token) > maxTokenLen {
		return facestat.InputError("input.token", facestat.ReasonTooLong, "a token has at most %d bytes", maxTokenLen)
	}
	if err := checkNewPassword("input.newPassword", newPassword); err != nil {
		return err
	}
	if err := s.cfg.RateLimits.Refresh(ctx); err != nil {
		return err
	}
	if !strings.HasPrefix(token, resetPrefix) {
		return invalidToken()
	}
	reset, err := s.client.PasswordReset.Query().Where(passwordreset.TokenHash(hashToken(token))).
		WithUser(func(q *ent.UserQuery) { q.Select(user.FieldBannedAt) }).Only(ctx)
	if ent.IsNotFound(err) {
		return invalidToken()
	}
	if err != nil {
		return fmt.Errorf("identity: reset password: %w", err)
	}
	now := s.now()
	if reset.UsedAt != nil || !now.Before(reset.ExpiresAt) || reset.Edges.User.BannedAt != nil {
		return invalidToken()
	}
	hash := HashPassword(newPassword, s.cfg.Argon2)
	return entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.PasswordReset.Update().
			Where(passwordreset.ID(reset.ID), passwordreset.UsedAtIsNil(), passwordreset.ExpiresAtGT(now)).
			SetUsedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return invalidToken() // used by a concurrent reset
		}
		if err := tx.User.UpdateOneID(reset.UserID).SetPasswordHash(hash).Exec(ctx); err != nil {
			return err
		}
		if err := s.retireResets(ctx, tx, reset.UserID); err != nil {
			return err
		}
		_, err = s.endSessions(ctx, tx, reset.UserID, 0)
		return err
	})
}

// sweepResets deletes reset links past their expiry, used or not: nothing
// reads them any more.
func (s *Service) sweepResets(ctx context.Context) error {
	_, err := s.client.PasswordReset.Delete().Where(passwordreset.ExpiresAtLT(s.now())).Exec(ctx)
	return err
}
