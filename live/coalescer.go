package live

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/panics"
)

// Coalescer publishes each photo's snapshots at most once per Interval:
// the first change goes out at once, later ones within the interval are
// folded into one (the newest wins) that goes out when the interval ends.
// So a busy photo costs a few messages a second, and the last message
// always carries the final state. PhotosChanged never blocks the vote path.
type Coalescer struct {
	bus      Bus
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	pending map[uuid.UUID]*judging.Snapshot
	sent    map[uuid.UUID]time.Time // last publication, per photo
	closed  bool                    // under mu: wake is closed
	wake    chan struct{}
	done    chan struct{}
}

// NewCoalescer starts the goroutine that publishes to bus; Close stops it
// after publishing what is pending.
func NewCoalescer(bus Bus, interval time.Duration, log *slog.Logger) *Coalescer {
	c := &Coalescer{bus: bus, interval: interval, log: log, pending: map[uuid.UUID]*judging.Snapshot{},
		sent: map[uuid.UUID]time.Time{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run()
	return c
}

// PhotosChanged implements judging.Observer: it queues snapshots for
// publication. After Close it drops them: the process is shutting down.
func (c *Coalescer) PhotosChanged(_ context.Context, snaps []*judging.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	for _, s := range snaps {
		if cur := c.pending[s.PhotoID]; cur == nil || cur.Version < s.Version {
			c.pending[s.PhotoID] = s
		}
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close publishes what is pending and stops.
func (c *Coalescer) Close() {
	c.mu.Lock()
	c.closed = true
	close(c.wake)
	c.mu.Unlock()
	<-c.done
}

func (c *Coalescer) run() {
	defer close(c.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, batch := c.due(time.Now(), false)
		c.publish(batch)
		if next.IsZero() {
			next = time.Now().Add(time.Hour)
		}
		timer.Reset(time.Until(next))
		select {
		case _, ok := <-c.wake:
			if !ok {
				_, batch := c.due(time.Now(), true)
				c.publish(batch)
				return
			}
		case <-timer.C:
		}
	}
}

// due takes the pending snapshots whose photo's interval has passed (all
// of them with flush) and returns when the next one falls due.
func (c *Coalescer) due(now time.Time, flush bool) (time.Time, []*judging.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	var batch []*judging.Snapshot
	for id, s := range c.pending {
		at := c.sent[id].Add(c.interval)
		if flush || !now.Before(at) {
			batch = append(batch, s)
			delete(c.pending, id)
			c.sent[id] = now
			continue
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	for id, t := range c.sent { // forget photos that went quiet
		if now.Sub(t) > 2*c.interval {
			if _, waiting := c.pending[id]; !waiting {
				delete(c.sent, id)
			}
		}
	}
	return next, batch
}

func (c *Coalescer) publish(batch []*judging.Snapshot) {
	if len(batch) == 0 {
		return
	}
	defer panics.Recover(c.log, "publishing statistics", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.bus.Publish(ctx, batch); err != nil {
		c.log.Warn("publishing statistics", "photos", len(batch), "err", err)
	}
}
