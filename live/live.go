// Package live carries photos' statistics to their subscribers as votes
// arrive: a Bus between instances (Redis pub/sub, or in-process on the
// embedded default), and a Hub in each instance that fans updates out to
// its local subscribers without ever blocking the publisher.
package live

import (
	"context"

	"github.com/facestat/facestat/judging"
)

// Bus carries statistics snapshots to every instance (this one included),
// which hand them to their Hub. Implementations are at most once: after a
// reconnect they call the hub's Resync so subscribers catch up.
type Bus interface {
	// Publish sends the snapshots to every instance. It does not wait for
	// subscribers; a failure is returned but loses nothing durable (the
	// votes are stored; subscribers catch up with the next update).
	Publish(ctx context.Context, snaps []*judging.Snapshot) error
}
