package live

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/judging"
)

// Hub fans statistics out to this instance's subscribers. Each subscriber
// holds only the latest snapshot it has not yet taken (a slow one skips
// intermediate states instead of queueing them), and takes at most one
// snapshot per MinInterval. Deliver never blocks.
type Hub struct {
	MinInterval time.Duration // between two updates to one subscriber
	// Current reads the present state of photos, a tombstone
	// (Snapshot.Deleted) for each that is gone (judging.CurrentSnapshots),
	// for Resync. Set it before the hub is used.
	Current func(ctx context.Context, photos []uuid.UUID) ([]*judging.Snapshot, error)

	mu      sync.Mutex
	byPhoto map[uuid.UUID]map[*Subscription]struct{}
	byOwner map[uuid.UUID]map[*Subscription]struct{}
	count   int
}

// NewHub returns a hub sending each subscriber at most one update per
// minInterval.
func NewHub(minInterval time.Duration) *Hub {
	return &Hub{MinInterval: minInterval, byPhoto: map[uuid.UUID]map[*Subscription]struct{}{},
		byOwner: map[uuid.UUID]map[*Subscription]struct{}{}}
}

// Subscription receives the snapshots of one photo, or of all the photos
// of one owner, newest only.
type Subscription struct {
	hub    *Hub
	photo  uuid.UUID // or
	owner  uuid.UUID
	notify chan struct{} // signalled (never blocking) when latest changes
	timer  *time.Timer   // Next's rate wait, reused
	mu     sync.Mutex
	latest map[uuid.UUID]*judging.Snapshot // by photo: per-photo latest wins
	seen   map[uuid.UUID]int64             // last version handed out, by photo
	last   time.Time                       // when the last snapshot was handed out
}

// SubscribePhoto subscribes to one photo's snapshots.
func (h *Hub) SubscribePhoto(id uuid.UUID) *Subscription {
	s := h.newSubscription()
	s.photo = id
	h.add(h.byPhoto, id, s)
	return s
}

// SubscribeOwner subscribes to the snapshots of every photo of owner.
func (h *Hub) SubscribeOwner(owner uuid.UUID) *Subscription {
	s := h.newSubscription()
	s.owner = owner
	h.add(h.byOwner, owner, s)
	return s
}

func (h *Hub) newSubscription() *Subscription {
	return &Subscription{hub: h, notify: make(chan struct{}, 1), latest: map[uuid.UUID]*judging.Snapshot{}, seen: map[uuid.UUID]int64{}}
}

func (h *Hub) add(index map[uuid.UUID]map[*Subscription]struct{}, key uuid.UUID, s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := index[key]
	if set == nil {
		set = map[*Subscription]struct{}{}
		index[key] = set
	}
	set[s] = struct{}{}
	h.count++
}

// Close ends the subscription.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, idx := range []struct {
		index map[uuid.UUID]map[*Subscription]struct{}
		key   uuid.UUID
	}{{h.byPhoto, s.photo}, {h.byOwner, s.owner}} {
		if set, ok := idx.index[idx.key]; ok {
			if _, ok := set[s]; ok {
				delete(set, s)
				h.count--
				if len(set) == 0 {
					delete(idx.index, idx.key)
				}
			}
		}
	}
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// Follows reports whether anyone here subscribes to photo or to owner's
// photos: a snapshot of photo that nobody follows, Deliver would drop.
func (h *Hub) Follows(photo, owner uuid.UUID) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byPhoto[photo]) > 0 || len(h.byOwner[owner]) > 0
}

// Photos returns the photos someone here subscribes to directly.
func (h *Hub) Photos() []uuid.UUID {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]uuid.UUID, 0, len(h.byPhoto))
	for id := range h.byPhoto {
		ids = append(ids, id)
	}
	return ids
}

// Resync delivers the present state of every photo this hub has
// subscribers for: after a reconnection of the bus (Redis pub/sub is at
// most once), the changes published meanwhile were lost, deletions
// included.
func (h *Hub) Resync(ctx context.Context) error {
	ids := h.Photos()
	if len(ids) == 0 || h.Current == nil {
		return nil
	}
	snaps, err := h.Current(ctx, ids)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		h.Deliver(s)
	}
	return nil
}

// Deliver hands snap to the photo's and its owner's subscribers. It never
// blocks: each subscriber's slot keeps the newest snapshot per photo.
func (h *Hub) Deliver(snap *judging.Snapshot) {
	h.mu.Lock()
	var subs []*Subscription
	for s := range h.byPhoto[snap.PhotoID] {
		subs = append(subs, s)
	}
	for s := range h.byOwner[snap.OwnerID] {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		s.offer(snap)
	}
}

func (s *Subscription) offer(snap *judging.Snapshot) {
	s.mu.Lock()
	if snap.Version <= s.seen[snap.PhotoID] {
		s.mu.Unlock()
		return // older than what the subscriber has: a late message from another instance
	}
	if cur := s.latest[snap.PhotoID]; cur == nil || cur.Version < snap.Version {
		s.latest[snap.PhotoID] = snap
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Next waits for the next snapshot newer than those already handed out,
// no sooner than MinInterval after the previous one, and returns it; nil
// when ctx ends. Call it from one goroutine.
func (s *Subscription) Next(ctx context.Context) *judging.Snapshot {
	for {
		if wait := time.Until(s.last.Add(s.hub.MinInterval)); wait > 0 {
			if s.timer == nil {
				s.timer = time.NewTimer(wait)
			} else {
				s.timer.Reset(wait)
			}
			select {
			case <-ctx.Done():
				s.timer.Stop()
				return nil
			case <-s.timer.C:
			}
		}
		if snap := s.take(); snap != nil {
			s.last = time.Now()
			return snap
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.notify:
		}
	}
}

// MarkSeen records that the subscriber already shows version of photo
// (the current state sent when it subscribed), so older updates are dropped.
func (s *Subscription) MarkSeen(photo uuid.UUID, version int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if version > s.seen[photo] {
		s.seen[photo] = version
	}
	if cur := s.latest[photo]; cur != nil && cur.Version <= version {
		delete(s.latest, photo)
	}
}

// take removes and returns the pending snapshot that has waited longest
// (any, for a one-photo subscription), or nil.
func (s *Subscription) take() *judging.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pick *judging.Snapshot
	for id, snap := range s.latest {
		if snap.Version <= s.seen[id] {
			delete(s.latest, id)
			continue
		}
		if pick == nil || (snap.UpdatedAt != nil && pick.UpdatedAt != nil && snap.UpdatedAt.Before(*pick.UpdatedAt)) {
			pick = snap
		}
	}
	if pick != nil {
		delete(s.latest, pick.PhotoID)
		s.seen[pick.PhotoID] = pick.Version
	}
	return pick
}
