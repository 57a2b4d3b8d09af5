package identity

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/session"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/ratelimit"
)

// Config holds the costs and lifetimes the Service works with.
type Config struct {
	LockRows   bool // the database takes row locks (PostgreSQL; SQLite locks the whole database)
	Argon2     Argon2Params
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	AnonTTL    time.Duration
	DeviceTTL  time.Duration // how long a device token is trusted (see issueDevice)
	// RateLimits bound anonymous sessions, sign-ups and sign-ins (nil: no
	// limits).
	RateLimits *ratelimit.Policy
	// Resets configures password resets by e-mail (reset.go).
	Resets ResetConfig
}

// MergeFunc moves what an anonymous judge did (its votes) to an account,
// inside tx, dropping what collides and correcting the figures (and,
// once tx commits, whatever is derived from them). The judging package
// provides it; it runs before the anonymous row is retired.
type MergeFunc func(ctx context.Context, tx *ent.Tx, from, to uuid.UUID) error

// Service signs judges up, in and out.
type Service struct {
	client *ent.Client
	// Cache, when set, holds authenticated sessions (keyed by token hash)
	// so that a request costs no query (signing out, refreshing or a
	// change of role removes the entry at once; an entry never outlives
	// its token nor cache.GrantTTL), and users' rows (Users).
	Cache  cache.Store
	cfg    Config
	signer anonSigner
	merge  MergeFunc
	dummy  string // a hash to check against when an email is unknown, so timing does not tell
	Now    func() time.Time

	signingUp inFlight // emails a sign-up is under way for
	resets    resetQueue
	keyUses   keyUses // when this instance last noted each API key's use
}

// NewService returns a Service signing anonymous tokens with key. merge may
// be nil while nothing needs moving. It adds a hook to client's users: a
// change of role drops the user's cached sessions once committed.
func NewService(client *ent.Client, key []byte, cfg Config, merge MergeFunc) *Service {
	s := &Service{
		client: client,
		cfg:    cfg,
		signer: anonSigner{signer{key: key}},
		merge:  merge,
		dummy:  HashPassword("not a password", cfg.Argon2),
		Now:    time.Now,
	}
	client.User.Use(s.forgetSessionsOnRoleChange)
	return s
}

// now is the current time in UTC: every time the service stores or signs
// is UTC, so SQLite's text timestamps compare correctly.
func (s *Service) now() time.Time { return s.Now().UTC() }

// Session is what signing up, in or refreshing hands the client.
type Session struct {
	Token            string
	ExpiresAt        time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
	Viewer           *Viewer
	// DeviceToken, from signing up or in, lets later sign-ins of this
	// client to the account be judged on its own budget (see
	// issueDevice); it is trusted until DeviceExpiresAt.
	DeviceToken     string
	DeviceExpiresAt time.Time
}

// StartAnonymous returns a token for a new anonymous judge. It writes
// nothing: the judge's row is created by its first vote. Errors:
// RATE_LIMITED per client address.
func (s *Service) StartAnonymous(ctx context.Context) (token string, v *Viewer, err error) {
	if err := s.cfg.RateLimits.StartAnonymous(ctx); err != nil {
		return "", nil, err
	}
	exp := s.now().Add(s.cfg.AnonTTL).Truncate(time.Second)
	id := uuid.New()
	return s.signer.sign(id, exp), &Viewer{ID: id, Anonymous: true, Role: RoleUser, ExpiresAt: exp}, nil
}

// Users reads users' rows, accounts and judges, through the cache: those
// it holds, then the rest in one query. Missing ones are absent.
func (s *Service) Users(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.User, error) {
	return cache.Load(ctx, s.Cache, ids, cache.UserKey, func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.User, error) {
		rows, err := s.client.User.Query().Where(user.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("identity: users: %w", err)
		}
		return entx.ByID(rows, func(u *ent.User) uuid.UUID { return u.ID }), nil
	})
}

// Authenticate returns the viewer a bearer or cookie token proves. It
// returns UNAUTHENTICATED (reason TOKEN_EXPIRED or TOKEN_INVALID) for any
// token that is malformed, unknown, revoked or expired.
func (s *Service) Authenticate(ctx context.Context, token string) (*Viewer, error) {
	now := s.now()
	if len(token) > maxTokenLen {
		return nil, tokenError(errTokenMalformed)
	}
	switch {
	case strings.HasPrefix(token, anonPrefix):
		id, exp, err := s.signer.verify(token, now)
		if err != nil {
			return nil, tokenError(err)
		}
		return &Viewer{ID: id, Anonymous: true, Role: RoleUser, ExpiresAt: exp}, nil
	case strings.HasPrefix(token, accessPrefix):
		hash := hashToken(token)
		if v := s.cachedSession(ctx, hash, now); v != nil {
			return v, nil
		}
		ses, err := s.client.Session.Query().
			Where(session.TokenHash(hash)).
			WithUser(func(q *ent.UserQuery) { q.Select(user.FieldRole) }).
			Only(ctx)
		if ent.IsNotFound(err) {
			return nil, tokenError(errTokenMalformed)
		}
		if err != nil {
			return nil, fmt.Errorf("identity: authenticate: %w", err)
		}
		if !now.Before(ses.ExpiresAt) {
			return nil, tokenError(errTokenExpired)
		}
		v := &Viewer{ID: ses.UserID, Role: Role(ses.Edges.User.Role), SessionID: ses.ID, ExpiresAt: ses.ExpiresAt, tokenHash: hash}
		if s.Cache != nil {
			cache.Put(ctx, s.Cache, map[string]*Viewer{hash: v}, cache.SessionKey, min(cache.GrantTTL, ses.ExpiresAt.Sub(now)))
		}
		return v, nil
	default:
		return nil, tokenError(errTokenMalformed)
	}
}

// cachedSession returns the cached viewer of a token hash, or nil.
func (s *Service) cachedSession(ctx context.Context, hash string, now time.Time) *Viewer {
	if s.Cache == nil {
		return nil
	}
	key := cache.SessionKey(hash)
	// The near cache first (issue 16: no round trip), as cache.Load does;
	// callers get a copy (they set Key on it).
	near := cache.NearOf(s.Cache)
	if !near.Enabled() {
		near = nil
	}
	var gen uint64
	if near != nil {
		if v, ok := cache.Peek[Viewer](s.Cache, key); ok {
			if !now.Before(v.ExpiresAt) {
				return nil
			}
			v.tokenHash = hash
			return &v
		}
		gen = near.Gen(key)
	}
	hit, err := s.Cache.GetMulti(ctx, []string{key})
	if err != nil || hit[key] == nil {
		return nil
	}
	var v Viewer
	if json.Unmarshal(hit[key], &v) != nil || !now.Before(v.ExpiresAt) {
		return nil
	}
	if near != nil {
		near.Put(key, gen, v, min(cache.GrantTTL, v.ExpiresAt.Sub(now)))
	}
	v.tokenHash = hash
	return &v
}

// forgetSessions removes sessions from the cache.
func (s *Service) forgetSessions(ctx context.Context, hashes ...string) {
	if s.Cache == nil {
		return
	}
	keys := make([]string, len(hashes))
	for i, h := range hashes {
		keys[i] = cache.SessionKey(h)
	}
	s.Cache.Delete(ctx, keys...)
}

func tokenError(err error) error {
	if errors.Is(err, errTokenExpired) {
		return &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonTokenExpired, Message: "the token has expired"}
	}
	return &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonTokenInvalid, Message: "the token is not valid"}
}

var handleRE = regexp.MustCompile(`^[a-z0-9_]{3,30}$`)

// NormaliseHandle folds case and checks the handle's shape.
func NormaliseHandle(h string) (string, error) {
	h = strings.ToLower(strings.TrimSpace(h))
	if !handleRE.MatchString(h) {
		return "", facestat.InputError("input.handle", facestat.ReasonInvalid, "a handle is 3 to 30 of a-z, 0-9 and _")
	}
	return h, nil
}

// NormaliseEmail trims, lower-cases and checks an email address.
func NormaliseEmail(e string) (string, error) {
	e = strings.ToLower(strings.TrimSpace(e))
	a, err := mail.ParseAddress(e)
	if len(e) > 254 || err != nil || a.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", facestat.InputError("input.email", facestat.ReasonInvalid, "that is not an email address")
	}
	return e, nil
}

func checkPassword(p string) error {
	n := utf8.RuneCountInString(p)
	if n < 10 {
		return facestat.InputError("input.password", facestat.ReasonWeakPassword, "a password needs at least 10 characters")
	}
	if len(p) > 256 {
		return facestat.InputError("input.password", facestat.ReasonTooLong, "a password has at most 256 bytes")
	}
	return nil
}

// SignUp creates an account and a session for it, and a device token of
// the account (see issueDevice). When current is an anonymous judge, the
// account takes over its id, so its votes stay its own; one judge becomes
// at most one account. Errors: RATE_LIMITED per client address;
// BAD_USER_INPUT for a malformed field or a taken handle or email;
// CONFLICT when another sign-up for the email runs at the same time (one
// of them makes the account), when current's judge has already become an
// account (another sign-up with its token won, at once or before) or the
// sign-up collided with another change of the judge (retrying settles it).
func (s *Service) SignUp(ctx context.Context, handle, email, password string, current *Viewer) (*Session, error) {
	if err := s.cfg.RateLimits.SignUp(ctx); err != nil {
		return nil, err
	}
	handle, err := NormaliseHandle(handle)
	if err != nil {
		return nil, err
	}
	if email, err = NormaliseEmail(email); err != nil {
		return nil, err
	}
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	if err := s.refuseBannedEmail(ctx, email); err != nil {
		return nil, err
	}
	release, ok := s.signingUp.claim(email)
	if !ok {
		return nil, emailCollided()
	}
	defer release()
	hash := HashPassword(password, s.cfg.Argon2)
	var out *Session
	err = entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		id, upgrade, err := accountID(ctx, tx, current)
		if err != nil {
			return err
		}
		if err := s.checkFree(ctx, tx.User, handle, email); err != nil {
			return err
		}
		if upgrade {
			// Only a judge still anonymous and unmerged becomes the account:
			// of two sign-ups of one judge at once, the second finds it
			// changed (on PostgreSQL once the first commits) and writes
			// nothing.
			n, err := tx.User.Update().Where(user.ID(id), user.Anonymous(true), user.MergedIntoIDIsNil()).
				SetHandle(handle).SetEmail(email).SetPasswordHash(hash).SetAnonymous(false).Save(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				return errJudgeChanged
			}
		} else if err := tx.User.Create().SetID(id).SetHandle(handle).SetEmail(email).SetPasswordHash(hash).Exec(ctx); err != nil {
			return err
		}
		out, err = s.newSession(ctx, tx, id, RoleUser)
		return err
	})
	var fe *facestat.Error
	if ent.IsConstraintError(err) || errors.Is(err, errJudgeChanged) || errors.As(err, &fe) && fe.Reason == facestat.ReasonTaken {
		// Lost a race, or found the handle or email taken, maybe by a
		// concurrent sign-up of the same judge: say to whom.
		return nil, s.lostSignUp(ctx, handle, email, current, ent.IsConstraintError(err))
	}
	if err != nil {
		return nil, err
	}
	out.DeviceToken, out.DeviceExpiresAt = s.issueDevice(out.Viewer.ID, email)
	return out, nil
}

// errJudgeChanged says the judge signing up was turned into an account or
// merged into one after it was read: lostSignUp tells the client which.
var errJudgeChanged = errors.New("identity: the judge changed while signing up")

// emailCollided is the answer to a sign-up for an email another sign-up
// was making an account for at the same time.
func emailCollided() error {
	return facestat.Errorf(facestat.Conflict, "another sign-up for this email ran at the same time; sign in instead, or try again")
}

// judgeUpgraded is the answer to a sign-up of an anonymous judge that is
// already an account.
func judgeUpgraded() error {
	return facestat.Errorf(facestat.Conflict, "this anonymous judge has already become an account; sign in to it")
}

// accountID returns the id a new account takes: an anonymous judge's own,
// with upgrade true when the judge's row exists (it has voted) and is to
// become the account; a new id for anyone else, and for a judge whose
// votes went to an account it signed in to. A judge whose row is already an
// account is refused with CONFLICT.
func accountID(ctx context.Context, tx *ent.Tx, current *Viewer) (id uuid.UUID, upgrade bool, err error) {
	if current == nil || !current.Anonymous {
		return uuid.New(), false, nil
	}
	judge, err := tx.User.Get(ctx, current.ID)
	switch {
	case ent.IsNotFound(err): // never voted: the account simply takes its id
		return current.ID, false, nil
	case err != nil:
		return uuid.Nil, false, err
	case !judge.Anonymous:
		return uuid.Nil, false, judgeUpgraded()
	case judge.MergedIntoID != nil:
		return uuid.New(), false, nil
	}
	return current.ID, true, nil
}

// lostSignUp explains a sign-up that lost a race (its write hit a unique
// constraint, its judge changed under it, or it found the handle or email
// taken): the judge became an account by another sign-up of the same judge
// (CONFLICT; asked first, as a sign-up may have read the judge before the
// winner committed and the email after); the email was free when checked
// but its write collided (collided) with a sign-up committed meanwhile, on
// another instance (CONFLICT, as for two at once on this one); the handle
// or email is taken (BAD_USER_INPUT, TAKEN); or else a collision with a
// concurrent first vote or sign-in of the judge (CONFLICT; retrying settles
// it).
func (s *Service) lostSignUp(ctx context.Context, handle, email string, current *Viewer, collided bool) error {
	if current != nil && current.Anonymous {
		upgraded, err := s.client.User.Query().Where(user.ID(current.ID), user.Anonymous(false)).Exist(ctx)
		if err != nil {
			return err
		}
		if upgraded {
			return judgeUpgraded()
		}
	}
	err := s.checkFree(ctx, s.client.User, handle, email)
	var fe *facestat.Error
	if collided && errors.As(err, &fe) && fe.Field == "input.email" {
		return emailCollided()
	}
	if err != nil {
		return err
	}
	return facestat.Errorf(facestat.Conflict, "signing up collided with another request; try again")
}

func (s *Service) checkFree(ctx context.Context, users *ent.UserClient, handle, email string) error {
	taken, err := users.Query().Where(user.Handle(handle)).Exist(ctx)
	if err != nil || taken {
		if err != nil {
			return err
		}
		return facestat.InputError("input.handle", facestat.ReasonTaken, "that handle is already taken")
	}
	taken, err = users.Query().Where(user.Email(email)).Exist(ctx)
	if err != nil || taken {
		if err != nil {
			return err
		}
		return facestat.InputError("input.email", facestat.ReasonTaken, "an account with that email exists; sign in instead")
	}
	return nil
}

// SignIn checks an account's password and opens a session, and hands out a
// new device token of the account (see issueDevice). When current is an
// anonymous judge that has voted, its votes move to the account and its
// token stops voting. deviceToken is one this client got from an earlier
// sign-in, or "": a valid one of this account has the attempt counted on
// the device's own budget, anything else on the account's budget for
// untrusted clients. Errors: BAD_USER_INPUT (input.deviceToken, TOO_LONG)
// for a device token over 256 bytes; RATE_LIMITED per client address and
// per device or email; UNAUTHENTICATED (reason BAD_CREDENTIALS) for an
// unknown email or a wrong password, without telling which.
func (s *Service) SignIn(ctx context.Context, email, password, deviceToken string, current *Viewer) (*Session, error) {
	if len(deviceToken) > maxTokenLen {
		return nil, facestat.InputError("input.deviceToken", facestat.ReasonTooLong, "a device token has at most %d bytes", maxTokenLen)
	}
	bad := &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonBadCredentials, Message: "wrong email or password"}
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 || len(password) > 256 {
		return nil, bad
	}
	dev, trusted := s.trustedDevice(deviceToken, email)
	if err := s.signInLimits(ctx, email, dev, trusted); err != nil {
		return nil, err
	}
	u, err := s.client.User.Query().Where(user.Email(email), user.Anonymous(false)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("identity: sign in: %w", err)
	}
	if trusted && (u == nil || u.ID != dev.account) {
		// The email has changed hands since the device signed in to it:
		// the device is not one of this account's, so the attempt counts
		// as untrusted too (and on the address once more).
		if err := s.cfg.RateLimits.SignIn(ctx, email); err != nil {
			return nil, err
		}
	}
	hash := s.dummy
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := VerifyPassword(password, hash)
	if err != nil {
		return nil, fmt.Errorf("identity: sign in: %w", err)
	}
	if u == nil || !ok {
		return nil, bad
	}
	if err := refuseBanned(u); err != nil {
		return nil, err
	}
	var out *Session
	err = entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if current != nil && current.Anonymous && current.ID != u.ID {
			if err := s.mergeJudge(ctx, tx, current.ID, u.ID); err != nil {
				return err
			}
		}
		var err error
		out, err = s.newSession(ctx, tx, u.ID, Role(u.Role))
		return err
	})
	if err != nil {
		return nil, err
	}
	out.DeviceToken, out.DeviceExpiresAt = s.issueDevice(u.ID, email)
	return out, nil
}

// signInLimits counts a sign-in attempt to email per client address, then
// on the budget of dev when it is trusted, else on the email's budget for
// untrusted clients.
func (s *Service) signInLimits(ctx context.Context, email string, dev device, trusted bool) error {
	if trusted {
		return s.cfg.RateLimits.SignInDevice(ctx, dev.nonce)
	}
	return s.cfg.RateLimits.SignIn(ctx, email)
}

// mergeJudge moves an anonymous judge's work to an account and retires the
// judge, so its still-valid token cannot vote a second time.
//
// The judge's row is created if it has none yet and locked before anything
// moves: a vote of the judge being written concurrently either commits
// first (and is moved) or finds the judge retired (and is refused), never
// lands unmerged. The lock order, judge then photos, is the ingester's;
// the judge's row and the account's are locked in id order (the account's
// FOR NO KEY UPDATE, the lock the merge's update of its karma takes), as
// the refit locks users when it writes their karma, so the two never
// deadlock.
func (s *Service) mergeJudge(ctx context.Context, tx *ent.Tx, from, to uuid.UUID) error {
	err := tx.User.Create().SetID(from).SetAnonymous(true).OnConflictColumns(user.FieldID).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if s.cfg.LockRows && bytes.Compare(to[:], from[:]) < 0 {
		_, err := tx.User.Query().Where(user.ID(to)).
			Modify(func(s *entsql.Selector) { s.For(entsql.LockNoKeyUpdate) }).Select(user.FieldID).Strings(ctx)
		if err != nil {
			return err
		}
	}
	q := tx.User.Query().Where(user.ID(from))
	if s.cfg.LockRows {
		q = q.ForUpdate()
	}
	judge, err := q.Only(ctx)
	if err != nil {
		return err
	}
	if !judge.Anonymous || judge.MergedIntoID != nil {
		return nil
	}
	if s.merge != nil {
		if err := s.merge(ctx, tx, from, to); err != nil {
			return fmt.Errorf("identity: merging judge: %w", err)
		}
	}
	return tx.User.UpdateOneID(from).SetMergedIntoID(to).Exec(ctx)
}

// Refresh swaps a refresh token for a new session pair; the old pair stops
// working. Errors: RATE_LIMITED per client address (with sign-ins);
// UNAUTHENTICATED for an unknown or expired refresh token.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*Session, error) {
	if err := s.cfg.RateLimits.Refresh(ctx); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(refreshToken, refreshPrefix) || len(refreshToken) > maxTokenLen {
		return nil, tokenError(errTokenMalformed)
	}
	var out *Session
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		ses, err := tx.Session.Query().Where(session.RefreshHash(hashToken(refreshToken))).
			WithUser(func(q *ent.UserQuery) { q.Select(user.FieldRole) }).Only(ctx)
		if ent.IsNotFound(err) {
			return tokenError(errTokenMalformed)
		}
		if err != nil {
			return err
		}
		if !s.now().Before(ses.RefreshExpiresAt) {
			return tokenError(errTokenExpired)
		}
		if s.cfg.LockRows {
			// The account's row, shared, before the swap: a ban, a
			// password change or reset, which update the row before
			// ending the account's sessions, either waits for this
			// refresh and then ends the session it makes too, or has
			// committed, and the old session is gone (the delete below
			// finds nothing). Without it, a refresh committing between
			// their reading and deleting of the sessions (PostgreSQL's
			// READ COMMITTED) left a session they never saw.
			_, err := tx.User.Query().Where(user.ID(ses.UserID)).
				Modify(func(s *entsql.Selector) { s.For(entsql.LockShare) }).Select(user.FieldID).Strings(ctx)
			if err != nil {
				return err
			}
		}
		// Deleting by the old hash makes the swap single-use: of two
		// concurrent refreshes with one token, only one deletes a row.
		n, err := tx.Session.Delete().Where(session.ID(ses.ID), session.RefreshHash(ses.RefreshHash)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return tokenError(errTokenMalformed)
		}
		// Dropped from the cache once the deletion has committed: a
		// request with the old token that ran between a drop and the
		// commit would find the session still there and cache it again.
		entx.AfterCommit(tx, func() { s.forgetSessions(context.WithoutCancel(ctx), ses.TokenHash) })
		// The new pair is the same sign-in: it keeps the session's start
		// and device (account.go).
		out, err = s.newSession(carryOver(ctx, ses), tx, ses.UserID, Role(ses.Edges.User.Role))
		return err
	})
	return out, err
}

// SignOut ends v's account session. For an anonymous judge there is
// nothing stored to end; its client forgets the token.
func (s *Service) SignOut(ctx context.Context, v *Viewer) error {
	if v == nil || v.SessionID == 0 {
		return nil
	}
	_, err := s.client.Session.Delete().Where(session.ID(v.SessionID)).Exec(ctx)
	if v.tokenHash != "" {
		s.forgetSessions(ctx, v.tokenHash)
	}
	return err
}

// SweepExpired deletes sessions whose refresh token has expired,
// password-reset links past their expiry (reset.go) and retired judges
// whose tokens have all expired (RetireJudge); it returns how many
// sessions it deleted.
func (s *Service) SweepExpired(ctx context.Context) (int, error) {
	n, err := s.client.Session.Delete().Where(session.RefreshExpiresAtLT(s.now())).Exec(ctx)
	if err != nil {
		return n, err
	}
	if err := s.sweepRetired(ctx); err != nil {
		return n, err
	}
	return n, s.sweepResets(ctx)
}

// RetireJudge keeps, within tx, the id of a deleted account as a retired
// judge: a row with no other field than the id, marked merged into
// tombstone, so that an anonymous token naming the id (the account began
// as that anonymous judge) is refused as every retired judge's token is,
// instead of voting again under the deleted account's id. The row goes
// once every token naming it has expired (sweepRetired).
func RetireJudge(ctx context.Context, tx *ent.Tx, id, tombstone uuid.UUID) error {
	return tx.User.Create().SetID(id).SetAnonymous(true).SetMergedIntoID(tombstone).Exec(ctx)
}

// sweepRetired deletes the rows of retired judges (merged into an account,
// or kept by RetireJudge) whose tokens have all expired: a judge's token
// is issued before its row is made, so none outlives created_at plus the
// anonymous tokens' lifetime. Rows still holding votes are left alone.
func (s *Service) sweepRetired(ctx context.Context) error {
	_, err := s.client.User.Delete().Where(user.Anonymous(true), user.MergedIntoIDNotNil(),
		user.CreatedAtLT(s.now().Add(-s.cfg.AnonTTL)), user.Not(user.HasVotes())).Exec(ctx)
	return err
}

func (s *Service) newSession(ctx context.Context, tx *ent.Tx, userID uuid.UUID, role Role) (*Session, error) {
	now := s.now()
	out := &Session{
		Token:            randomToken(accessPrefix),
		ExpiresAt:        now.Add(s.cfg.AccessTTL).Truncate(time.Second),
		RefreshToken:     randomToken(refreshPrefix),
		RefreshExpiresAt: now.Add(s.cfg.RefreshTTL).Truncate(time.Second),
	}
	create := tx.Session.Create().SetUserID(userID).
		SetTokenHash(hashToken(out.Token)).SetRefreshHash(hashToken(out.RefreshToken)).
		SetExpiresAt(out.ExpiresAt).SetRefreshExpiresAt(out.RefreshExpiresAt)
	if ua := userAgent(ctx); ua != "" {
		create.SetUserAgent(ua)
	}
	if since, ok := carriedStart(ctx); ok {
		create.SetCreatedAt(since.UTC()) // UTC, as every time stored (SQLite compares text)
	}
	ses, err := create.Save(ctx)
	if err != nil {
		return nil, err
	}
	out.Viewer = &Viewer{ID: userID, Role: role, SessionID: ses.ID, ExpiresAt: out.ExpiresAt}
	return out, nil
}

// SessionRoles returns, for each of the given account sessions that
// still exists (not signed out, refreshed away or swept), its account's
// role now: a session missing has ended, one whose role differs from the
// one a socket was opened with has had its role changed.
func (s *Service) SessionRoles(ctx context.Context, ids []int) (map[int]Role, error) {
	rows, err := s.client.Session.Query().Where(session.IDIn(ids...), session.ExpiresAtGT(s.now())).
		WithUser(func(q *ent.UserQuery) { q.Select(user.FieldRole) }).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: session roles: %w", err)
	}
	out := make(map[int]Role, len(rows))
	for _, r := range rows {
		out[r.ID] = Role(r.Edges.User.Role)
	}
	return out, nil
}

// CachedUser returns user id's row if the near cache holds it (see
// cache.Peek): what Users would answer, at once.
func (s *Service) CachedUser(id uuid.UUID) (*ent.User, bool) {
	return cache.Peek[*ent.User](s.Cache, cache.UserKey(id))
}
