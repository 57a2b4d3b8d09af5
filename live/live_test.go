package live_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/live"
)

func snap(photo, owner uuid.UUID, version int64) *judging.Snapshot {
	return &judging.Snapshot{PhotoID: photo, OwnerID: owner, Version: version, VoteCount: int(version)}
}

func TestHubLatestWins(t *testing.T) {
	h := live.NewHub(0)
	photo, owner := uuid.New(), uuid.New()
	sub := h.SubscribePhoto(photo)
	defer sub.Close()
	for v := int64(1); v <= 100; v++ { // nobody reads: Deliver must not block
		h.Deliver(snap(photo, owner, v))
	}
	h.Deliver(snap(photo, owner, 50)) // a late, older message from another instance
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if got := sub.Next(ctx); got == nil || got.Version != 100 {
		t.Fatalf("got %+v, want version 100", got)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if got := sub.Next(short); got != nil {
		t.Fatalf("a second snapshot without a new version: %+v", got)
	}
}

// TestHubFollows: a photo is followed while a subscription to it or to
// its owner is open, and no longer once they are closed.
func TestHubFollows(t *testing.T) {
	h := live.NewHub(0)
	photo, owner, other := uuid.New(), uuid.New(), uuid.New()
	if h.Follows(photo, owner) {
		t.Fatal("followed with no subscription")
	}
	byPhoto, byOwner := h.SubscribePhoto(photo), h.SubscribeOwner(owner)
	if !h.Follows(photo, other) || !h.Follows(other, owner) || h.Follows(other, other) {
		t.Fatal("Follows does not tell the photo's and the owner's subscriptions from none")
	}
	byPhoto.Close()
	byOwner.Close()
	if h.Follows(photo, owner) {
		t.Fatal("still followed after the subscriptions closed")
	}
}

func TestHubMarkSeenDropsOlder(t *testing.T) {
	h := live.NewHub(0)
	photo, owner := uuid.New(), uuid.New()
	sub := h.SubscribePhoto(photo)
	defer sub.Close()
	h.Deliver(snap(photo, owner, 3))
	sub.MarkSeen(photo, 5) // the current state sent at subscription was newer
	h.Deliver(snap(photo, owner, 4))
	h.Deliver(snap(photo, owner, 6))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if got := sub.Next(ctx); got == nil || got.Version != 6 {
		t.Fatalf("got %+v, want version 6", got)
	}
}

func TestHubOwnerAndRate(t *testing.T) {
	h := live.NewHub(100 * time.Millisecond)
	owner := uuid.New()
	a, b := uuid.New(), uuid.New()
	sub := h.SubscribeOwner(owner)
	h.Deliver(snap(a, owner, 1))
	h.Deliver(snap(b, owner, 1))
	h.Deliver(snap(uuid.New(), uuid.New(), 1)) // someone else's photo
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	first, second := sub.Next(ctx), sub.Next(ctx)
	if first == nil || second == nil || first.PhotoID == second.PhotoID {
		t.Fatalf("owner subscription got %+v and %+v", first, second)
	}
	if gap := time.Since(start); gap < 90*time.Millisecond {
		t.Fatalf("two updates %v apart, want at least the 100ms interval", gap)
	}
	if h.Subscribers() != 1 {
		t.Fatalf("%d subscribers", h.Subscribers())
	}
	sub.Close()
	if h.Subscribers() != 0 {
		t.Fatalf("%d subscribers after Close", h.Subscribers())
	}
}

// fakeBus records what is published (a seam: the real buses have tests of
// their own through the server).
type fakeBus struct {
	mu    sync.Mutex
	got   []*judging.Snapshot
	times []time.Time
}

func (b *fakeBus) Publish(_ context.Context, snaps []*judging.Snapshot) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range snaps {
		b.got = append(b.got, s)
		b.times = append(b.times, time.Now())
	}
	return nil
}

var _ live.Bus = (*fakeBus)(nil)

func TestCoalescerBoundsMessages(t *testing.T) {
	bus := &fakeBus{}
	const interval = 100 * time.Millisecond
	c := live.NewCoalescer(bus, interval, slog.New(slog.NewTextHandler(io.Discard, nil)))
	photo, owner := uuid.New(), uuid.New()
	start := time.Now()
	for v := int64(1); v <= 500; v++ { // 500 updates over about half a second
		c.PhotosChanged(context.Background(), []*judging.Snapshot{snap(photo, owner, v)})
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	c.Close()
	bus.mu.Lock()
	defer bus.mu.Unlock()
	maxMsgs := int(elapsed/interval) + 2
	if n := len(bus.got); n < 2 || n > maxMsgs {
		t.Fatalf("%d messages for %v of updates, want 2..%d", n, elapsed, maxMsgs)
	}
	if bus.got[0].Version != 1 || bus.times[0].Sub(start) > 50*time.Millisecond {
		t.Fatalf("the first update went out late or was not the first: version %d after %v", bus.got[0].Version, bus.times[0].Sub(start))
	}
	if last := bus.got[len(bus.got)-1]; last.Version != 500 {
		t.Fatalf("the last message has version %d, want 500", last.Version)
	}
	for i := 1; i < len(bus.got); i++ {
		if bus.got[i].Version <= bus.got[i-1].Version {
			t.Fatalf("versions out of order: %d after %d", bus.got[i].Version, bus.got[i-1].Version)
		}
	}
}

// TestFeedRendersOnce: the members of a feed share each update's
// rendering; one whose subscriber may no longer see the photo is ended and
// leaves; the last to leave stops the feed.
func TestFeedRendersOnce(t *testing.T) {
	h := live.NewHub(0)
	fs := live.NewFeeds(h)
	photo, owner := uuid.New(), uuid.New()
	var mu sync.Mutex
	renders := 0
	render := func(_ context.Context, s *judging.Snapshot) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		renders++
		return []byte{byte(s.Version)}, nil
	}
	const n = 50
	got := make(chan int64, 2*n)
	ended := make(chan struct{}, 1)
	var members []*live.Member
	for i := range n {
		keep := func(s *judging.Snapshot) bool { return i != 0 || s.Version < 2 } // member 0 loses sight at version 2
		m := fs.Join(photo, "doc", render, keep, func(ev *live.Event) { got <- ev.Version }, func() { ended <- struct{}{} })
		m.Start(0)
		members = append(members, m)
	}
	if fs.Len() != 1 || h.Subscribers() != 1 {
		t.Fatalf("%d feeds, %d hub subscriptions for one photo and document, want 1 and 1", fs.Len(), h.Subscribers())
	}
	h.Deliver(snap(photo, owner, 1))
	for range n {
		if v := <-got; v != 1 {
			t.Fatalf("got version %d, want 1", v)
		}
	}
	h.Deliver(snap(photo, owner, 2))
	<-ended
	for range n - 1 {
		if v := <-got; v != 2 {
			t.Fatalf("got version %d, want 2", v)
		}
	}
	mu.Lock()
	if renders != 2 || fs.Renders() != 2 {
		t.Fatalf("2 updates to %d members rendered %d times (counted %d), want 2", n, renders, fs.Renders())
	}
	mu.Unlock()
	for _, m := range members {
		m.Leave()
	}
	if fs.Len() != 0 || h.Subscribers() != 0 {
		t.Fatalf("after every member left: %d feeds, %d hub subscriptions", fs.Len(), h.Subscribers())
	}
}

// TestFeedMemberStartsAfterCurrent: an update that arrives between a
// member's joining and its current state going out is sent right after,
// unless the current state was newer.
func TestFeedMemberStartsAfterCurrent(t *testing.T) {
	h := live.NewHub(0)
	fs := live.NewFeeds(h)
	photo, owner := uuid.New(), uuid.New()
	render := func(_ context.Context, s *judging.Snapshot) ([]byte, error) { return nil, nil }
	got := make(chan int64, 4)
	keep := func(*judging.Snapshot) bool { return true }
	a := fs.Join(photo, "doc", render, keep, func(ev *live.Event) { got <- ev.Version }, func() {})
	b := fs.Join(photo, "doc", render, keep, func(ev *live.Event) { got <- 100 + ev.Version }, func() {})
	defer a.Leave()
	defer b.Leave()
	h.Deliver(snap(photo, owner, 3))
	for fs.Renders() < 1 { // the feed's goroutine takes it
		time.Sleep(time.Millisecond)
	}
	a.Start(2) // its current state was version 2: 3 follows
	b.Start(3) // its current state was version 3 already: nothing
	if v := <-got; v != 3 {
		t.Fatalf("got %d, want 3 for the member whose current state was older", v)
	}
	select {
	case v := <-got:
		t.Fatalf("got %d: an update no newer than the current state", v)
	default:
	}
}

// TestFeedPanicEndsMembers: a panic in the feed's goroutine (here a
// member's Keep) ends every member, and the feed and its hub subscription
// go; the next subscriber starts a new feed.
func TestFeedPanicEndsMembers(t *testing.T) {
	h := live.NewHub(0)
	fs := live.NewFeeds(h)
	photo, owner := uuid.New(), uuid.New()
	render := func(_ context.Context, s *judging.Snapshot) ([]byte, error) { return nil, nil }
	ended := make(chan int, 3)
	var members []*live.Member
	for i := range 3 {
		keep := func(*judging.Snapshot) bool {
			if i == 1 {
				panic("keep")
			}
			return true
		}
		m := fs.Join(photo, "doc", render, keep, func(*live.Event) {}, func() { ended <- i })
		m.Start(0)
		members = append(members, m)
	}
	h.Deliver(snap(photo, owner, 1))
	got := map[int]bool{}
	for range 3 { // a failure guard only: each end comes, or the test times out
		got[<-ended] = true
	}
	if len(got) != 3 {
		t.Fatalf("ended %v, want every member", got)
	}
	if fs.Len() != 0 || h.Subscribers() != 0 {
		t.Fatalf("after the panic: %d feeds, %d hub subscriptions, want none", fs.Len(), h.Subscribers())
	}
	for _, m := range members {
		m.Leave() // idempotent after the end
	}
	m := fs.Join(photo, "doc", render, func(*judging.Snapshot) bool { return true }, func(*live.Event) {}, func() {})
	defer m.Leave()
	if fs.Len() != 1 || h.Subscribers() != 1 {
		t.Fatalf("a new subscriber: %d feeds, %d hub subscriptions, want 1 and 1", fs.Len(), h.Subscribers())
	}
}
