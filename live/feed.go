package live

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/panics"
)

// Feeds share the work of live results among the subscribers who asked
// the same thing: one Feed per photo and rendering (the same document and
// variables), holding one hub subscription and one goroutine, renders each
// update once and hands the rendered bytes to every member. A member costs
// no goroutine and no channel of its own: it is a record with the
// subscriber's visibility check and a function that writes to its socket.
type Feeds struct {
	hub *Hub

	mu    sync.Mutex
	feeds map[feedKey]*Feed

	renders atomic.Int64
}

type feedKey struct {
	photo uuid.UUID
	key   string
}

// NewFeeds returns feeds fed by hub.
func NewFeeds(hub *Hub) *Feeds {
	return &Feeds{hub: hub, feeds: map[feedKey]*Feed{}}
}

// Renders counts the updates rendered so far, all feeds together (one per
// update and feed, however many members it has).
func (fs *Feeds) Renders() int64 { return fs.renders.Load() }

// Len returns how many feeds run.
func (fs *Feeds) Len() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.feeds)
}

// Render turns a snapshot into the bytes every member of a feed gets.
type Render func(ctx context.Context, snap *judging.Snapshot) ([]byte, error)

// Event is one rendered update of a feed, shared by its members.
type Event struct {
	Version int64
	Payload []byte

	mu     sync.Mutex
	frames map[string]any
}

// Frame returns what build makes for key, building it once per event: the
// message that members with the same operation id share.
func (e *Event) Frame(key string, build func() any) any {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, ok := e.frames[key]; ok {
		return f
	}
	if e.frames == nil {
		e.frames = map[string]any{}
	}
	f := build()
	e.frames[key] = f
	return f
}

// Member is one subscriber of a feed.
type Member struct {
	feed *Feed
	// Keep says whether the subscriber may still see the photo as snap
	// describes it; when not, End is called and the member leaves.
	keep func(*judging.Snapshot) bool
	send func(*Event)
	end  func()

	mu      sync.Mutex
	started bool   // the current state went out: updates may follow
	left    bool   // no more sends
	seen    int64  // version the subscriber has
	missed  *Event // newest update that came before the start
}

// Join adds a member to the feed of photo and key, starting the feed if it
// is the first. keep is the subscriber's visibility check, send writes an
// update to it, end tells it the subscription ended (keep said no). The
// member gets nothing until Start.
func (fs *Feeds) Join(photo uuid.UUID, key string, render Render, keep func(*judging.Snapshot) bool, send func(*Event), end func()) *Member {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k := feedKey{photo, key}
	f := fs.feeds[k]
	if f == nil {
		ctx, cancel := context.WithCancel(context.Background())
		f = &Feed{feeds: fs, key: k, render: render, sub: fs.hub.SubscribePhoto(photo), cancel: cancel, members: map[*Member]struct{}{}}
		fs.feeds[k] = f
		go f.run(ctx)
	}
	m := &Member{feed: f, keep: keep, send: send, end: end}
	f.mu.Lock()
	f.members[m] = struct{}{}
	f.mu.Unlock()
	return m
}

// Start lets updates newer than version (the state the subscriber was
// sent) through, beginning with one that arrived meanwhile. It reports
// false when the member left before (Keep said no meanwhile: its end
// found nothing to end yet, so the caller ends the subscription).
func (m *Member) Start(version int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.started = true
	if version > m.seen {
		m.seen = version
	}
	if ev := m.missed; ev != nil && ev.Version > m.seen && !m.left {
		m.seen = ev.Version
		m.send(ev)
	}
	m.missed = nil
	return !m.left
}

// Leave removes the member; the last one out stops its feed. Idempotent.
func (m *Member) Leave() {
	m.mu.Lock()
	if m.left {
		m.mu.Unlock()
		return
	}
	m.left = true
	m.missed = nil
	m.mu.Unlock()
	f := m.feed
	fs := f.feeds
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.mu.Lock()
	delete(f.members, m)
	empty := len(f.members) == 0
	f.mu.Unlock()
	if empty && fs.feeds[f.key] == f {
		delete(fs.feeds, f.key)
		f.cancel()
		f.sub.Close()
	}
}

// offer hands ev (of snap) to the member, or ends it when it may no longer
// see the photo.
func (m *Member) offer(snap *judging.Snapshot, ev *Event) {
	if !m.keep(snap) {
		m.mu.Lock()
		left := m.left
		m.mu.Unlock()
		if !left {
			m.Leave()
			m.end()
		}
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.left || ev.Version <= m.seen:
	case !m.started:
		if m.missed == nil || m.missed.Version < ev.Version {
			m.missed = ev
		}
	default:
		m.seen = ev.Version
		m.send(ev)
	}
}

// Feed is the updates of one photo, rendered one way, and who gets them.
type Feed struct {
	feeds  *Feeds
	key    feedKey
	render Render
	sub    *Subscription
	cancel context.CancelFunc

	mu      sync.Mutex
	members map[*Member]struct{}
}

func (f *Feed) run(ctx context.Context) {
	defer panics.Recover(nil, "live feed", func(any) { f.fail() })
	var members []*Member
	for {
		snap := f.sub.Next(ctx)
		if snap == nil {
			return
		}
		payload, err := f.render(ctx, snap)
		f.feeds.renders.Add(1)
		if err != nil {
			continue // the next update tries again
		}
		ev := &Event{Version: snap.Version, Payload: payload}
		f.mu.Lock()
		members = members[:0]
		for m := range f.members {
			members = append(members, m)
		}
		f.mu.Unlock()
		for _, m := range members {
			m.offer(snap, ev)
		}
		clear(members)
	}
}

// fail ends the feed after a panic of its goroutine (in a render, a
// member's Keep or send): it stops, and its members are ended (end: their
// subscriptions complete), rather than waiting for updates that no longer
// come. The next subscriber of the photo starts a new feed.
func (f *Feed) fail() {
	fs := f.feeds
	fs.mu.Lock()
	if fs.feeds[f.key] == f {
		delete(fs.feeds, f.key)
	}
	f.mu.Lock()
	members := f.members
	f.members = map[*Member]struct{}{}
	f.mu.Unlock()
	fs.mu.Unlock()
	f.cancel()
	f.sub.Close()
	for m := range members {
		m.mu.Lock()
		left := m.left
		m.left = true
		m.missed = nil
		m.mu.Unlock()
		if !left {
			endAfterPanic(m)
		}
	}
}

// endAfterPanic ends m, a member of a feed that failed; a panic of its end
// does not keep the others from theirs.
func endAfterPanic(m *Member) {
	defer panics.Recover(nil, "live feed's end", nil)
	m.end()
}

// Follower takes a photoStats subscription over from its resolver on the
// WebSocket fast path (api): instead of a stream of its own, the resolver
// sends the current state alone and the follower joins a Feed.
type Follower interface {
	// Follow is called before the current state is read (so no update
	// between the two is lost) with the photo and the subscriber's
	// visibility check.
	Follow(photo uuid.UUID, keep func(*judging.Snapshot) bool)
	// Current is called with the version of the current state the
	// resolver sends.
	Current(version int64)
}

type followerKey struct{}
type renderKey struct{}

// WithFollower returns ctx in which a photoStats resolver hands its
// updates to f.
func WithFollower(ctx context.Context, f Follower) context.Context {
	return context.WithValue(ctx, followerKey{}, f)
}

// FollowerFrom returns the follower of ctx, or nil.
func FollowerFrom(ctx context.Context) Follower {
	f, _ := ctx.Value(followerKey{}).(Follower)
	return f
}

// WithRendering returns ctx in which a photoStats resolver yields snap
// alone, with no check: a Feed rendering an update for members who were
// checked when they joined, and are checked again by Keep.
func WithRendering(ctx context.Context, snap *judging.Snapshot) context.Context {
	return context.WithValue(ctx, renderKey{}, snap)
}

// RenderingFrom returns the snapshot being rendered in ctx, or nil.
func RenderingFrom(ctx context.Context) *judging.Snapshot {
	s, _ := ctx.Value(renderKey{}).(*judging.Snapshot)
	return s
}
