package photos

import (
	"context"
	"sync"
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
	var gone []*ent.Photo
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		var err error
		gone, err = s.DeleteIn(ctx, tx, v, []uuid.UUID{id})
		return err
	})
	if err != nil {
		return err
	}
	s.AfterDelete(ctx, gone)
	return nil
}

// DeleteIn deletes the photos ids within tx, with every row that refers to
// them (cascading foreign keys), and takes them off their owners' photo
// counts; it returns their rows as they were. Each must exist (NOT_FOUND
// otherwise) and v may delete it (authz.CanDelete). Once tx has
// committed, call AfterDelete with the rows: it drops the image files and
// tells the observers. Delete is DeleteIn for one photo in a transaction
// of its own; moderation deletes within the transaction that writes its
// log.
func (s *Service) DeleteIn(ctx context.Context, tx *ent.Tx, v *identity.Viewer, ids []uuid.UUID) ([]*ent.Photo, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// Locked as votes lock them: a vote committing meanwhile is either
	// before (and deleted with the photo) or refused.
	rows, err := s.Lock(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	gone := make([]*ent.Photo, 0, len(ids))
	perOwner := map[uuid.UUID]int{}
	for _, id := range ids {
		p := rows[id]
		if p == nil {
			return nil, errNoSuchPhoto()
		}
		if err := authz.CanDelete(v, FactsOf(p)); err != nil {
			return nil, err
		}
		gone = append(gone, p)
		perOwner[p.OwnerID]++
	}
	n, err := tx.Photo.Delete().Where(photo.IDIn(ids...)).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n != len(gone) { // a concurrent delete won
		return nil, errNoSuchPhoto()
	}
	for owner, k := range perOwner {
		if err := tx.User.UpdateOneID(owner).AddPhotoCount(-k).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return gone, nil
}

// AfterDelete finishes DeleteIn once its transaction has committed: the
// photos' image files go (they 404 from then on) and the observers are
// told (live subscriptions end, statistics leave the cache).
func (s *Service) AfterDelete(ctx context.Context, gone []*ent.Photo) {
	for _, p := range gone {
		s.dropBlobs(context.WithoutCancel(ctx), ImageKeys(p)...)
		s.changed(ctx, Change{Photo: p, Deleted: true})
	}
}

// changed drops the photo's cached row, then tells the observers, in the
// background. The row is dropped at once and again a second later: a
// reader that fetched the old row just before the change and writes it
// back just after the first delete is undone by the second.
func (s *Service) changed(ctx context.Context, c Change) {
	ctx = context.WithoutCancel(ctx)
	if !c.Deleted && c.Photo.Status == photo.StatusActive {
		s.head.stale() // it may be judgeable again (a pick checks the others)
	}
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
// later (see changed), or at Close if that comes first.
func (s *Service) forgetTwice(ctx context.Context, id uuid.UUID) {
	ctx = context.WithoutCancel(ctx)
	s.forget(ctx, id)
	if s.cfg.Cache == nil {
		return
	}
	again := func() {
		defer panics.Recover(s.log, "dropping a changed photo's row again", nil)
		s.forget(ctx, id)
	}
	s.again.schedule(time.Second, again)
}

// againDrops are the second drops forgetTwice scheduled and that have not
// run yet: Close runs them at once, while the cache is there, so that no
// drop (nor its log line) outlives the Service.
type againDrops struct {
	mu      sync.Mutex
	closed  bool
	pending map[*againDrop]struct{}
}

type againDrop struct {
	timer *time.Timer
	run   func()
}

// schedule runs f after d, unless close runs it first; after close, not
// at all.
func (a *againDrops) schedule(d time.Duration, f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	if a.pending == nil {
		a.pending = map[*againDrop]struct{}{}
	}
	w := &againDrop{run: f}
	w.timer = time.AfterFunc(d, func() {
		a.mu.Lock()
		_, ok := a.pending[w]
		delete(a.pending, w)
		a.mu.Unlock()
		if ok {
			w.run()
		}
	})
	a.pending[w] = struct{}{}
}

// close runs the drops still pending, at once, and schedules no more.
func (a *againDrops) close() {
	a.mu.Lock()
	pending := a.pending
	a.pending, a.closed = nil, true
	a.mu.Unlock()
	for w := range pending {
		w.timer.Stop()
		w.run()
	}
}

// Close runs at once the second drops of changed photos' rows still
// waiting (forgetTwice), while the cache is there, and schedules no more:
// the App calls it before closing Redis.
func (s *Service) Close() { s.again.close() }

// forget drops the cached rows of photos ids and what serving their
// images needs (imageAccess), best effort: an entry whose delete fails
// lives out its TTL.
func (s *Service) forget(ctx context.Context, ids ...uuid.UUID) {
	s.drop(ctx, ids, cache.PhotoKey, cache.PhotoAccessKey)
}

// forgetCounts drops the cached rows of photos ids after a change of
// their counts or statistics only (votes, the refit), which leaves their
// images' keys and visibility as they were: imageAccess stays.
func (s *Service) forgetCounts(ctx context.Context, ids ...uuid.UUID) {
	s.drop(ctx, ids, cache.PhotoKey)
}

// drop deletes, in one call, each of ids' entries named by keyOf.
func (s *Service) drop(ctx context.Context, ids []uuid.UUID, keyOf ...func(uuid.UUID) string) {
	if s.cfg.Cache == nil || len(ids) == 0 {
		return
	}
	keys := make([]string, 0, len(keyOf)*len(ids))
	for _, id := range ids {
		for _, k := range keyOf {
			keys = append(keys, k(id))
		}
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
