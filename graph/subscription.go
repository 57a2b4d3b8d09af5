package graph

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/live"
	"github.com/facestat/facestat/relay"
)

// subscribePhoto checks that the viewer may see the photo's statistics,
// subscribes to the hub before reading the current state (so no change
// between the two is missed), and streams: the current state, then every
// newer one.
func (r *Resolver) subscribePhoto(ctx context.Context, gid string) (<-chan *judging.PhotoStats, error) {
	id, err := relay.ParseTypedID(gid, typePhoto, "photoId")
	if err != nil {
		return nil, err
	}
	v := identity.FromContext(ctx)
	p, err := r.Client.Photo.Get(ctx, id)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	voted := false
	if p != nil && v != nil {
		got, err := r.Judging.VotedOn(ctx, v.ID, []uuid.UUID{id})
		if err != nil {
			return nil, err
		}
		voted = got[id]
	}
	if p == nil || !authz.CanSeeStats(v, p, voted) {
		return nil, facestat.Errorf(facestat.Forbidden, "you may not see this photo's results")
	}
	// Owners and moderators may always see the photo's results; judges
	// who voted while it stays active; anyone else while it stays public
	// and active. When that ends, so does the stream (authz's rules, on
	// each update).
	always := authz.IsOwner(v, p) || v.IsModerator()
	visible := func(snap *judging.Snapshot) bool {
		return always || (snap.Active && (voted || snap.Public))
	}
	return r.stream(ctx, r.Live.SubscribePhoto(id), []uuid.UUID{id}, visible)
}

// subscribeOwner streams the statistics of the viewer's photos.
func (r *Resolver) subscribeOwner(ctx context.Context) (<-chan *judging.PhotoStats, error) {
	v := identity.FromContext(ctx)
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	sub := r.Live.SubscribeOwner(v.ID)
	ids, err := r.Client.Photo.Query().Where(photo.OwnerID(v.ID)).IDs(ctx)
	if err != nil {
		sub.Close()
		return nil, err
	}
	return r.stream(ctx, sub, ids, func(*judging.Snapshot) bool { return true })
}

// stream sends the current statistics of photos, then the subscription's
// updates, until ctx ends or an update is no longer visible to the viewer
// (which ends the subscription). The goroutine it starts owns and closes
// the channel, recovers its panics, and never blocks the hub: a slow client
// simply gets the newest state when it is ready for one.
func (r *Resolver) stream(ctx context.Context, sub *live.Subscription, photos []uuid.UUID, visible func(*judging.Snapshot) bool) (<-chan *judging.PhotoStats, error) {
	current, err := r.Judging.FreshSnapshots(ctx, photos)
	if err != nil {
		sub.Close()
		return nil, err
	}
	ch := make(chan *judging.PhotoStats, 1)
	go func() {
		defer close(ch)
		defer sub.Close()
		defer func() {
			if v := recover(); v != nil {
				slog.ErrorContext(ctx, "panic in subscription", "panic", fmt.Sprint(v))
			}
		}()
		send := func(snap *judging.Snapshot) bool {
			if !visible(snap) {
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
			if !send(snap) {
				return
			}
		}
		for {
			snap := sub.Next(ctx)
			if snap == nil || !send(snap) {
				return
			}
		}
	}()
	return ch, nil
}
