package judging

import (
	"context"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/photos"
)

// What happens once the statistics of photos have changed, whatever
// changed them: a commit of votes (the ingester's hook), a judge's votes
// merged into an account (Merge's after-commit), a photo made public or
// private or deleted (PhotoChanged). The photos' cached rows are the photo
// store's business (photos.AddVotes and its changes drop them).

// Aggregates reads photos' aggregates through the cache (the per-request
// loaders use it): those it holds, then the rest in three queries, which
// then fill it. The vote path writes fresh ones through (statsChanged).
func (s *Service) Aggregates(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*Aggregates, error) {
	return cache.Load(ctx, s.cache, ids, cache.StatsKey, s.LoadAggregates)
}

// statsChanged reads the fresh statistics of the photos ids, writes them
// through to the cache (each only if newer than what is there: the hooks
// of two commits may run out of order) and tells the observers. When they
// cannot be read, their cached statistics are dropped instead.
func (s *Service) statsChanged(ctx context.Context, ids []uuid.UUID) {
	if s.cache == nil && len(s.observers) == 0 {
		return // nobody to tell
	}
	fresh, err := s.FreshSnapshots(ctx, ids)
	if err != nil {
		s.log.Warn("reading statistics after a change", "photos", len(ids), "err", err)
		if s.cache != nil { // what is cached may be stale: read it again
			keys := make([]string, len(ids))
			for i, id := range ids {
				keys[i] = cache.StatsKey(id)
			}
			s.cache.Delete(ctx, keys...)
		}
		return
	}
	s.publish(ctx, fresh)
}

// publish writes fresh snapshots through to the cache and hands them to
// the observers: what statsChanged does once it has read them, and the
// ingester's commit hook with the snapshots its batch made.
//
// The write-through is one round trip per 128 photos (a script that
// writes them and publishes their invalidation), within
// publishCacheBudget: the ingester's hook runs before its batch's voters
// are answered, so a slow Redis must not hold a batch. What is not
// written in time stays as it was, as when Redis fails: the cache's
// breaker and TTL bound that.
func (s *Service) publish(ctx context.Context, fresh []*Snapshot) {
	if s.cache != nil && len(fresh) > 0 {
		items := make([]cache.Versioned, 0, len(fresh))
		for _, snap := range fresh {
			// MarshalJSON called, not json.Marshal, which would scan its
			// output again (about three times MarshalJSON's own cost on
			// the default survey's aggregates: BenchmarkAggregatesJSON).
			if raw, err := snap.Aggregates.MarshalJSON(); err == nil {
				items = append(items, cache.Versioned{Key: cache.StatsKey(snap.PhotoID), Version: snap.Version, Data: raw})
			}
		}
		wctx, cancel := context.WithTimeout(ctx, publishCacheBudget)
		s.cache.SetNewer(wctx, cache.TTL, items...)
		cancel()
	}
	s.notify(ctx, fresh)
}

// publishCacheBudget bounds publish's write-through to the cache.
const publishCacheBudget = 300 * time.Millisecond

// PhotoChanged implements photos.ChangeObserver: a photo made public or
// private goes to the observers with its new visibility (so live
// subscribers who may no longer see it lose their subscription); a deleted
// one leaves the cache and goes to the observers as a tombstone
// (Snapshot.Deleted), which ends every subscription to it.
func (s *Service) PhotoChanged(ctx context.Context, c photos.Change) {
	if !c.Deleted {
		s.statsChanged(ctx, []uuid.UUID{c.Photo.ID})
		return
	}
	if s.cache != nil {
		s.cache.Delete(ctx, cache.StatsKey(c.Photo.ID))
	}
	s.notify(ctx, []*Snapshot{tombstone(c.Photo.ID, c.Photo.OwnerID)})
}

// tombstone is the last snapshot of a deleted photo: newer than any
// other, whatever votes were counted meanwhile, so that it always ends its
// subscriptions.
func tombstone(id, owner uuid.UUID) *Snapshot {
	return &Snapshot{PhotoID: id, OwnerID: owner, Deleted: true, Version: math.MaxInt64}
}

// CurrentSnapshots is FreshSnapshots with a tombstone for each photo that
// is gone (live.Hub.Current: what a subscriber missed may be a deletion).
func (s *Service) CurrentSnapshots(ctx context.Context, ids []uuid.UUID) ([]*Snapshot, error) {
	fresh, err := s.FreshSnapshots(ctx, ids)
	if err != nil {
		return nil, err
	}
	found := make(map[uuid.UUID]bool, len(fresh))
	for _, snap := range fresh {
		found[snap.PhotoID] = true
	}
	for _, id := range ids {
		if !found[id] {
			fresh = append(fresh, tombstone(id, uuid.UUID{}))
		}
	}
	return fresh, nil
}

func (s *Service) notify(ctx context.Context, fresh []*Snapshot) {
	if len(fresh) == 0 {
		return
	}
	for _, o := range s.observers {
		o.PhotosChanged(ctx, fresh)
	}
}

// Access is authz.PhotoAccess for v and p, looking up whether v voted on
// p only when that can change the answer (one query). For one photo at a
// time; the GraphQL layer batches the same through its loaders.
func (s *Service) Access(ctx context.Context, v *identity.Viewer, p *ent.Photo) (authz.Access, error) {
	return authz.Decide(ctx, v, photos.FactsOf(p), func(ctx context.Context) (bool, error) {
		got, err := s.VotedOn(ctx, v.ID, []uuid.UUID{p.ID})
		return got[p.ID], err
	})
}

// CachedAggregates returns photo id's aggregates if the near cache holds
// them (see cache.Peek): what Aggregates would answer, at once.
func (s *Service) CachedAggregates(id uuid.UUID) (*Aggregates, bool) {
	return cache.Peek[*Aggregates](s.cache, cache.StatsKey(id))
}
