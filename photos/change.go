package photos

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/panics"
)

// Change is what happened to a photo: its row after a change of who may
// see it, or as it was before it was deleted.
type Change struct {
	Photo   *ent.Photo
	Deleted bool
}

// ChangeObserver is told about every committed change of a photo's
// visibility and every deletion, after this package has dropped the
// photo's cached row, in the background (the change has been answered
// already). judging implements it: its live subscribers get the change
// (those who may no longer see it lose their subscription), and a deleted
// photo's statistics leave the cache.
type ChangeObserver interface {
	PhotoChanged(ctx context.Context, c Change)
}

// Observe adds observers of photo changes. Call it while wiring, before
// the service is used.
func (s *Service) Observe(o ...ChangeObserver) { s.observers = append(s.observers, o...) }

// SetVisibility makes the photo public or private. Owner only: FORBIDDEN
// for others who can see it, NOT_FOUND for those who cannot. The photo's
// stats version grows, so that live subscribers receive the change.
func (s *Service) SetVisibility(ctx context.Context, v *identity.Viewer, id uuid.UUID, public bool) (*ent.Photo, error) {
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := authz.CanChangeVisibility(v, FactsOf(p)); err != nil {
		return nil, err
	}
	p, err = p.Update().SetIsPublic(public).AddStatsVersion(1).Save(ctx)
	if ent.IsNotFound(err) { // deleted meanwhile
		return nil, errNoSuchPhoto()
	}
	if err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Photo: p})
	// Its images move to the keys of its new class (the old URL stops
	// working); a failure is left to the sweep, which retries.
	if err := s.SyncImageKeys(context.WithoutCancel(ctx), id); err != nil {
		s.log.ErrorContext(ctx, "moving a photo's images after a change of visibility", "photo", id, "err", err)
	} else if p2, err := s.client.Photo.Get(ctx, id); err == nil {
		p = p2 // with its new keys, for the answer's URLs
	}
	return p, nil
}

// Delete removes the photo, every row that refers to it (by cascading
// foreign keys) and then its image files, which 404 from then on. Owner or
// moderator.
func (s *Service) Delete(ctx context.Context, v *identity.Viewer, id uuid.UUID) error {
	if err := authz.RequireAccount(v); err != nil {
		return err
	}
	var p *ent.Photo
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// Locked as votes lock it: a vote committing meanwhile is either
		// before (and deleted with the photo) or refused.
		rows, err := s.Lock(ctx, tx, []uuid.UUID{id})
		if err != nil {
			return err
		}
		if p = rows[id]; p == nil {
			return errNoSuchPhoto()
		}
		if err := authz.CanDelete(v, FactsOf(p)); err != nil {
			return err
		}
		n, err := tx.Photo.Delete().Where(photo.ID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 { // a concurrent delete won
			return errNoSuchPhoto()
		}
		return tx.User.UpdateOneID(p.OwnerID).AddPhotoCount(-1).Exec(ctx)
	})
	if err != nil {
		return err
	}
	s.dropBlobs(context.WithoutCancel(ctx), p.ImageKey, p.ThumbKey)
	s.changed(ctx, Change{Photo: p, Deleted: true})
	return nil
}

// changed drops the photo's cached row, then tells the observers, in the
// background. The row is dropped at once and again a second later: a
// reader that fetched the old row just before the change and writes it
// back just after the first delete is undone by the second.
func (s *Service) changed(ctx context.Context, c Change) {
	ctx = context.WithoutCancel(ctx)
	s.forgetTwice(ctx, c.Photo.ID)
	if len(s.observers) > 0 {
		panics.Go(s.log, "telling of a photo's change", func() {
			for _, o := range s.observers {
				o.PhotoChanged(ctx, c)
			}
		})
	}
}

// forgetTwice drops the photo's cached row at once and again a second
// later (see changed).
func (s *Service) forgetTwice(ctx context.Context, id uuid.UUID) {
	ctx = context.WithoutCancel(ctx)
	s.forget(ctx, id)
	if s.cfg.Cache != nil {
		time.AfterFunc(time.Second, func() {
			defer panics.Recover(s.log, "dropping a changed photo's row again", nil)
			s.forget(ctx, id)
		})
	}
}

// forget drops the cached rows of photos ids (best effort: an entry whose
// delete fails lives out its TTL).
func (s *Service) forget(ctx context.Context, ids ...uuid.UUID) {
	if s.cfg.Cache == nil || len(ids) == 0 {
		return
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = cache.PhotoKey(id)
	}
	s.cfg.Cache.Delete(ctx, keys...)
}

// dropBlobs deletes the blobs at keys, which belong to one photo only.
// Failures are logged: the rows are gone already, and a leftover file is
// unreachable without them.
func (s *Service) dropBlobs(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			s.log.ErrorContext(ctx, "dropping blob", "key", k, "err", err)
		}
	}
}

func errNoSuchPhoto() error { return facestat.Errorf(facestat.NotFound, "no such photo") }
