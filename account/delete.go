package account

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/dataexport"
	"github.com/facestat/facestat/ent/moderationentry"
	"github.com/facestat/facestat/ent/photoserving"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/photos"
)

// tombstoneSpace is the namespace of tombstone ids (Tombstone).
var tombstoneSpace = uuid.MustParse("6d1c3f0e-2b0a-4c52-9e53-7d1f0b7a4e11")

// Tombstone is the id that stands for a deleted account where a record
// outlives it (the moderation log): stable per account, and telling
// nothing of the account's id.
func Tombstone(account uuid.UUID) uuid.UUID { return uuid.NewSHA1(tombstoneSpace, account[:]) }

// Delete erases v's account once password proves it is theirs, as
// docs/PRIVACY.md lists: in one transaction, its photos (with every row
// derived from them: others' votes on them, their figures, reports,
// servings), its sessions, exports, password resets, skips, servings and
// judge profile, and the account's row; the votes it cast on others'
// photos move to a fresh anonymous judge (judging.Anonymise), reports it
// filed lose their reporter, and its moderation-log entries take its
// Tombstone. Once committed: the photos' caches and live subscribers are
// told (photos.Erased), the blobs (images, export files) are deleted
// (those that fail are retried by the sweeper from the journal), the
// outbox messages to its address are removed, and the session cookie is
// cleared. Errors: UNAUTHENTICATED for anonymous judges, and with reason
// BAD_CREDENTIALS for a wrong password; RATE_LIMITED as changePassword is
// (per client address with sign-ins, then on the account's own budget):
// not on the e-mail's sign-in budget, which strangers guessing at signIn
// can use up, locking the owner out of deleting the account.
func (s *Service) Delete(ctx context.Context, v *identity.Viewer, password string) error {
	if err := authz.RequireAccount(v); err != nil {
		return err
	}
	u, err := s.client.User.Query().Where(user.ID(v.ID), user.Anonymous(false)).Only(ctx)
	if ent.IsNotFound(err) {
		return facestat.Errorf(facestat.Unauthenticated, "sign in first")
	}
	if err != nil {
		return fmt.Errorf("account: delete: %w", err)
	}
	email := ""
	if u.Email != nil {
		email = *u.Email
	}
	if err := s.cfg.RateLimits.ChangePassword(ctx, u.ID); err != nil {
		return err
	}
	bad := &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonBadCredentials, Message: "wrong password"}
	if len(password) > 256 { // no password is longer (identity's rule): not worth hashing
		return bad
	}
	ok, err := identity.VerifyPassword(password, u.PasswordHash)
	if err != nil {
		return fmt.Errorf("account: delete: %w", err)
	}
	if !ok {
		return bad
	}
	var (
		deleted []*ent.Photo
		keys    []string
		journal string
	)
	err = entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		var err error
		deleted, keys, err = s.erase(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		// Recorded before the commit: once the rows are gone, nothing
		// else would name these files.
		journal, err = s.journal.write(keys)
		return err
	})
	if err != nil {
		if journal != "" {
			s.journal.done(journal)
		}
		return err
	}
	after := context.WithoutCancel(ctx)
	s.photos.Erased(after, deleted)
	if failed := s.deleteBlobs(after, keys); len(failed) == 0 {
		s.journal.done(journal)
	}
	s.removeOutbox(after, email)
	s.removeLateServings(after, u.ID)
	identity.CookiesFromContext(ctx).ClearSession()
	return nil
}

// removeLateServings deletes the account's servings that the servings
// writer, which works in the background, wrote after the deletion
// committed (what nextPhoto served it just before), once it has written
// what it had queued.
func (s *Service) removeLateServings(ctx context.Context, id uuid.UUID) {
	if s.cfg.Servings == nil {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s.cfg.Servings.Flush(fctx)
	if _, err := s.client.PhotoServing.Delete().Where(photoserving.JudgeID(id)).Exec(ctx); err != nil {
		s.log.ErrorContext(ctx, "deleting the servings of a deleted account", "err", err)
	}
}

// erase deletes the account's rows within tx (Delete) and returns its
// photos' rows and the blob keys to delete once tx commits.
func (s *Service) erase(ctx context.Context, tx *ent.Tx, id uuid.UUID) ([]*ent.Photo, []string, error) {
	// The account's row first, locked (the vote path's order: judge, then
	// photos): a vote of its being written meanwhile commits before
	// (and is moved or deleted) or fails.
	q := tx.User.Query().Where(user.ID(id), user.Anonymous(false))
	if s.cfg.LockRows {
		q = q.ForUpdate()
	}
	if _, err := q.OnlyID(ctx); err != nil {
		if ent.IsNotFound(err) { // deleted meanwhile
			return nil, nil, facestat.Errorf(facestat.Unauthenticated, "sign in first")
		}
		return nil, nil, err
	}
	exports, err := tx.DataExport.Query().Where(dataexport.UserID(id)).IDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	deleted, err := s.photos.DeleteAllOf(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.judging.Anonymise(ctx, tx, id); err != nil {
		return nil, nil, err
	}
	if _, err := tx.PhotoServing.Delete().Where(photoserving.JudgeID(id)).Exec(ctx); err != nil {
		return nil, nil, err
	}
	if err := s.identity.EraseSessions(ctx, tx, id); err != nil {
		return nil, nil, err
	}
	tomb := Tombstone(id)
	if err := tx.ModerationEntry.Update().Where(moderationentry.ActorID(id)).SetActorID(tomb).ClearActorHandle().Exec(ctx); err != nil {
		return nil, nil, err
	}
	if err := tx.ModerationEntry.Update().Where(moderationentry.OwnerID(id)).SetOwnerID(tomb).Exec(ctx); err != nil {
		return nil, nil, err
	}
	// Anonymous judges that signed in to the account stay retired (their
	// tokens must not vote again), pointing to the tombstone.
	if err := tx.User.Update().Where(user.MergedIntoID(id)).SetMergedIntoID(tomb).Exec(ctx); err != nil {
		return nil, nil, err
	}
	// The rest goes with the row, by cascading foreign keys: skips, judge
	// profile, password resets, exports; reports filed keep no reporter.
	if err := tx.User.DeleteOneID(id).Exec(ctx); err != nil {
		return nil, nil, err
	}
	// An anonymous token naming the id (the account began as that judge)
	// must not vote again under it.
	if err := identity.RetireJudge(ctx, tx, id, tomb); err != nil {
		return nil, nil, err
	}
	var keys []string
	for _, p := range deleted {
		keys = append(keys, photos.ImageKeys(p)...)
	}
	for _, e := range exports {
		keys = append(keys, exportKey(e))
	}
	return deleted, keys, nil
}

// removeOutbox deletes the local outbox's messages to email.
func (s *Service) removeOutbox(ctx context.Context, email string) {
	if email == "" || s.cfg.Outbox == nil {
		return
	}
	if _, err := s.cfg.Outbox.RemoveFor(email); err != nil {
		s.log.ErrorContext(ctx, "removing the outbox messages of a deleted account", "err", err)
	}
}
