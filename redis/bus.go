package redis

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/live"
	"github.com/facestat/facestat/panics"
)

// Bus carries statistics snapshots between instances over one Redis
// pub/sub channel. Each instance holds one subscription (Run) and hands
// what arrives to its hub.
type Bus struct {
	rdb     *goredis.Client
	channel string
	hub     *live.Hub
	resync  func(context.Context) error
	log     *slog.Logger
}

var _ live.Bus = (*Bus)(nil)

// NewBus returns a bus on channel prefix+"stats". resync is called each
// time the subscription is (re)established: messages published while it was
// down are lost (pub/sub is at most once), so subscribers get fresh state.
func NewBus(rdb *goredis.Client, prefix string, hub *live.Hub, resync func(context.Context) error, log *slog.Logger) *Bus {
	return &Bus{rdb: rdb, channel: prefix + "stats", hub: hub, resync: resync, log: log}
}

// Publish implements live.Bus: one pipelined round trip for the batch.
func (b *Bus) Publish(ctx context.Context, snaps []*judging.Snapshot) error {
	pipe := b.rdb.Pipeline()
	for _, s := range snaps {
		raw, err := s.MarshalJSON() // json.Marshal would scan it again
		if err != nil {
			return err
		}
		pipe.Publish(ctx, b.channel, raw)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// Run holds the subscription until ctx ends, reconnecting with a backoff
// whenever Redis goes away. It recovers and logs its own panics.
func (b *Bus) Run(ctx context.Context) {
	const first = 100 * time.Millisecond
	backoff := first
	for ctx.Err() == nil {
		established, err := b.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if established {
			backoff = first // it worked for a while: retry soon
		}
		b.log.Warn("redis subscription lost; reconnecting", "err", err, "in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen subscribes and delivers messages until the connection fails. It
// reports whether the subscription was established.
func (b *Bus) listen(ctx context.Context) (established bool, err error) {
	defer panics.Recover(b.log, "redis subscription", func(v any) { err = panics.Error(v) })
	ps := b.rdb.Subscribe(ctx, b.channel)
	defer ps.Close()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return established, err
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				established = true
				b.log.Info("redis subscription established", "channel", m.Channel)
				if err := b.resync(ctx); err != nil && ctx.Err() == nil {
					b.log.Warn("resyncing live results", "err", err)
				}
			}
		case *goredis.Message:
			if photo, owner, ok := judging.SnapshotIDs(m.Payload); ok && !b.hub.Follows(photo, owner) {
				continue // nobody here follows it: Deliver would drop it, decoded
			}
			var snap judging.Snapshot
			if err := json.Unmarshal([]byte(m.Payload), &snap); err != nil {
				b.log.Warn("bad message on the stats channel", "err", err)
				continue
			}
			b.hub.Deliver(&snap)
		case *goredis.Pong:
		default:
			return established, errors.New("unexpected pub/sub message")
		}
	}
}
