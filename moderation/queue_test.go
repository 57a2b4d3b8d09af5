package moderation

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/photos"
)

// TestQueueCursor: a cursor decodes to the place it was made from, and
// anything else (junk, another list's cursor, a rank out of range, a
// re-encoding that differs) is refused.
func TestQueueCursor(t *testing.T) {
	for _, k := range []photos.QueueKey{
		{Priority: true, Hidden: true, Reported: time.Date(2026, 12, 6, 10, 0, 0, 123456000, time.UTC), ID: uuid.New()},
		{Hidden: true, Reported: time.Unix(0, 1).UTC(), ID: uuid.New()},
		{Reported: time.Unix(1, 0).UTC(), ID: uuid.Nil},
	} {
		got, ok := parseQueueCursor(queueCursor(k))
		if !ok || got != k {
			t.Fatalf("round trip of %+v: %+v, %v", k, got, ok)
		}
	}
	id := uuid.New().String()
	for _, bad := range []string{"", "x", enc.EncodeToString([]byte("queue:4:1:" + id)), enc.EncodeToString([]byte("queue:-1:1:" + id)),
		enc.EncodeToString([]byte("queue:01:1:" + id)), enc.EncodeToString([]byte("queue:1:-5:" + id)),
		enc.EncodeToString([]byte("log:1:1:" + id)), enc.EncodeToString([]byte("queue:1:1:" + id + ":x"))} {
		if _, ok := parseQueueCursor(bad); ok {
			t.Fatalf("%q was taken for a cursor", bad)
		}
	}
}
