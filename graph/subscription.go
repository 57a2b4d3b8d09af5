package graph

import (
	"context"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/live"
	"github.com/facestat/facestat/panics"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/relay"
)

// subscribePhoto checks that the viewer may see the photo (authz's View),
// subscribes to the hub before reading the current state (so no change
// between the two is missed), and streams: the current state, then every
// newer one, for as long as the viewer may still see it.
func (r *Resolver) subscribePhoto(ctx context.Context, gid string) (<-chan *judging.PhotoStats, error) {
	if snap := live.RenderingFrom(ctx); snap != nil { // a live.Feed renders an update for its members
		ch := make(chan *judging.PhotoStats, 1)
		ch <- r.Judging.BuildSnapshot(snap)
		close(ch)
		return ch, nil
	}
	id, err := relay.ParseTypedID(gid, typePhoto, "photoId")
	if err != nil {
		return nil, err
	}
	v := identity.FromContext(ctx)
	refused := facestat.Errorf(facestat.Forbidden, "you may not see this photo's results")
	p, err := r.Photos.Get(ctx, id)
	if facestat.ErrorCode(err) == facestat.NotFound {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	// canView says whether the viewer may see the photo as facts describe
	// it, asking whether the viewer voted on it when that matters, until
	// the answer is yes (a vote is never taken back).
	// (Atomic: on the fast path the feed's goroutine checks updates while
	// the resolver reads the current state.)
	var voted atomic.Bool
	votedOn := func(ctx context.Context) (bool, error) {
		if !voted.Load() {
			got, err := r.Judging.VotedOn(ctx, v.ID, []uuid.UUID{id})
			if err != nil {
				return false, err
			}
			if got[id] {
				voted.Store(true)
			}
		}
		return voted.Load(), nil
	}
	canView := func(ctx context.Context, facts authz.Photo) (bool, error) {
		a, err := authz.Decide(ctx, v, facts, votedOn)
		return a.View, err
	}
	if ok, err := canView(ctx, photos.FactsOf(p)); !ok || err != nil {
		if err != nil {
			return nil, err
		}
		return nil, refused
	}
	// Every update says who may see the photo now: when the viewer may no
	// longer (made private, hidden, deleted), the stream ends. (An update
	// that changes visibility is rare: the lookup it may cost is too.)
	decide := func(snap *judging.Snapshot) verdict {
		if snap.Deleted {
			return end
		}
		if ok, err := canView(ctx, snap.Facts()); !ok || err != nil {
			return end
		}
		return send
	}
	if f := live.FollowerFrom(ctx); f != nil {
		return r.follow(ctx, f, id, decide)
	}
	return r.stream(ctx, r.Live.SubscribePhoto(id), []uuid.UUID{id}, decide)
}

// follow hands the updates of a photoStats subscription to f (the
// WebSocket fast path, which shares them among the photo's subscribers)
// and returns the current state alone.
func (r *Resolver) follow(ctx context.Context, f live.Follower, id uuid.UUID, decide func(*judging.Snapshot) verdict) (<-chan *judging.PhotoStats, error) {
	f.Follow(id, func(snap *judging.Snapshot) bool { return decide(snap) == send })
	current, err := r.Judging.FreshSnapshots(ctx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	ch := make(chan *judging.PhotoStats, len(current))
	defer close(ch)
	for _, snap := range current {
		if decide(snap) != send {
			break
		}
		ch <- r.Judging.BuildSnapshot(snap)
		f.Current(snap.Version)
	}
	return ch, nil
}

// subscribeOwner streams the statistics of the viewer's photos; a photo
// deleted meanwhile simply stops sending.
func (r *Resolver) subscribeOwner(ctx context.Context) (<-chan *judging.PhotoStats, error) {
	v := identity.FromContext(ctx)
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	sub := r.Live.SubscribeOwner(v.ID)
	ids, err := r.Photos.OwnedBy(ctx, v.ID)
	if err != nil {
		sub.Close()
		return nil, err
	}
	return r.stream(ctx, sub, ids, func(snap *judging.Snapshot) verdict {
		if snap.Deleted {
			return skip
		}
		return send
	})
}

// verdict is what a stream does with an update.
type verdict int

const (
	send verdict = iota // send it to the client
	skip                // drop it, and go on
	end                 // end the stream
)

// stream sends the current statistics of photos, then the subscription's
// updates, as decide says, until ctx ends or decide ends it. The goroutine
// it starts owns and closes the channel, recovers its panics, and never
// blocks the hub: a slow client simply gets the newest state when it is
// ready for one.
func (r *Resolver) stream(ctx context.Context, sub *live.Subscription, photos []uuid.UUID, decide func(*judging.Snapshot) verdict) (<-chan *judging.PhotoStats, error) {
	current, err := r.Judging.FreshSnapshots(ctx, photos)
	if err != nil {
		sub.Close()
		return nil, err
	}
	ch := make(chan *judging.PhotoStats, 1)
	go func() {
		defer close(ch)
		defer sub.Close()
		defer panics.Recover(nil, "subscription", nil)
		// offer reports whether the stream goes on.
		offer := func(snap *judging.Snapshot) bool {
			switch decide(snap) {
			case skip:
				return true
			case end:
				return false
			}
			select {
			case ch <- r.Judging.BuildSnapshot(snap):
				return true
			case <-ctx.Done():
				return false
			}
		}
		for _, snap := range current {
			sub.MarkSeen(snap.PhotoID, snap.Version)
			if !offer(snap) {
				return
			}
		}
		for {
			snap := sub.Next(ctx)
			if snap == nil || !offer(snap) {
				return
			}
		}
	}()
	return ch, nil
}
