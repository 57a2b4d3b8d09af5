package moderation

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/moderationentry"
	"github.com/facestat/facestat/ent/photoreport"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/relay"
)

// Item is one photo of the moderation queue.
type Item struct {
	Photo *ent.Photo
	// Open is the number of its open reports (counted or not).
	Open   int
	Cursor string
}

// Queue returns one page of the moderation queue (photos with open
// reports: a counted MINOR report first, then hidden ones, then by oldest
// report), and what lies beyond it. Moderators only. Two queries.
// Errors: as authz.CanModerate; BAD_USER_INPUT as relay.ParseWindow's.
func (s *Service) Queue(ctx context.Context, v *identity.Viewer, args relay.Args, max int) ([]Item, relay.Info, error) {
	if err := authz.CanModerate(v); err != nil {
		return nil, relay.Info{}, err
	}
	w, err := relay.ParseWindow(args, max, parseQueueCursor)
	if err != nil {
		return nil, relay.Info{}, err
	}
	list, info, err := s.photos.Queue(ctx, w)
	if err != nil || len(list) == 0 {
		return nil, info, err
	}
	ids := make([]uuid.UUID, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	var counts []struct {
		PhotoID uuid.UUID `json:"photo_id"`
		Count   int       `json:"count"`
	}
	err = s.client.PhotoReport.Query().Where(photoreport.PhotoIDIn(ids...), photoreport.ResolvedAtIsNil()).
		GroupBy(photoreport.FieldPhotoID).Aggregate(ent.Count()).Scan(ctx, &counts)
	if err != nil {
		return nil, relay.Info{}, fmt.Errorf("moderation: counting reports: %w", err)
	}
	open := make(map[uuid.UUID]int, len(counts))
	for _, c := range counts {
		open[c.PhotoID] = c.Count
	}
	items := make([]Item, len(list))
	for i, p := range list {
		items[i] = Item{Photo: p, Open: open[p.ID], Cursor: queueCursor(photos.QueueKeyOf(p))}
	}
	return items, info, nil
}

// OpenReports returns the photo's open reports, newest first, at most
// MaxQueueReports. Moderators only (the queue's items ask it).
func (s *Service) OpenReports(ctx context.Context, v *identity.Viewer, photo uuid.UUID) ([]*ent.PhotoReport, error) {
	if err := authz.CanModerate(v); err != nil {
		return nil, err
	}
	list, err := s.client.PhotoReport.Query().Where(photoreport.PhotoID(photo), photoreport.ResolvedAtIsNil()).
		Order(ent.Desc(photoreport.FieldCreatedAt), ent.Desc(photoreport.FieldID)).Limit(MaxQueueReports).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("moderation: open reports: %w", err)
	}
	return list, nil
}

// Entry is one line of the moderation log with its cursor.
type Entry struct {
	*ent.ModerationEntry
	Cursor string
}

// Log returns one page of the moderation log, newest first, and what lies
// beyond it. Moderators only. Errors as Queue's.
func (s *Service) Log(ctx context.Context, v *identity.Viewer, args relay.Args, max int) ([]Entry, relay.Info, error) {
	if err := authz.CanModerate(v); err != nil {
		return nil, relay.Info{}, err
	}
	w, err := relay.ParseWindow(args, max, parseLogCursor)
	if err != nil {
		return nil, relay.Info{}, err
	}
	q := s.client.ModerationEntry.Query()
	if w.After != nil {
		q.Where(moderationentry.IDLT(*w.After))
	}
	if w.Before != nil {
		q.Where(moderationentry.IDGT(*w.Before))
	}
	order := ent.Desc(moderationentry.FieldID)
	if w.Backward {
		order = ent.Asc(moderationentry.FieldID)
	}
	list, err := q.Order(order).Limit(w.N + 1).All(ctx)
	if err != nil {
		return nil, relay.Info{}, fmt.Errorf("moderation: log: %w", err)
	}
	list, info := relay.Cut(w, list)
	out := make([]Entry, len(list))
	for i, e := range list {
		out[i] = Entry{ModerationEntry: e, Cursor: relay.IntID(logCursorType, int(e.ID))}
	}
	return out, info, nil
}

// parseLogCursor decodes a log cursor: an entry id, 1 or more.
func parseLogCursor(s string) (int64, bool) {
	id, ok := relay.ParseIntID(s, logCursorType)
	return int64(id), ok && id >= 1
}

// ActorOf is how the log names who acted: the moderator's handle then, or
// `deleted-` and the first 8 hex digits of the tombstone id once their
// account is deleted (actor_handle null).
func ActorOf(e *ent.ModerationEntry) string {
	if e.ActorHandle != nil {
		return *e.ActorHandle
	}
	return "deleted-" + e.ActorID.String()[:8]
}

// logCursorType names the log's cursors (entry ids, opaque as relay ids).
const logCursorType = "moderation-log"

var enc = base64.RawURLEncoding

// queueCursor encodes a place in the queue: its rank (priority and
// hidden), the time of its first open report and the photo's id.
func queueCursor(k photos.QueueKey) string {
	rank := 0
	if k.Priority {
		rank += 2
	}
	if k.Hidden {
		rank++
	}
	return enc.EncodeToString([]byte("queue:" + strconv.Itoa(rank) + ":" +
		strconv.FormatInt(k.Reported.UnixNano(), 36) + ":" + k.ID.String()))
}

// parseQueueCursor decodes what queueCursor made, and nothing else.
func parseQueueCursor(s string) (photos.QueueKey, bool) {
	if len(s) > 120 {
		return photos.QueueKey{}, false
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return photos.QueueKey{}, false
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 4 || parts[0] != "queue" {
		return photos.QueueKey{}, false
	}
	rank, err1 := strconv.Atoi(parts[1])
	ns, err2 := strconv.ParseInt(parts[2], 36, 64)
	id, err3 := uuid.Parse(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || rank < 0 || rank > 3 || ns < 0 {
		return photos.QueueKey{}, false
	}
	k := photos.QueueKey{Priority: rank >= 2, Hidden: rank%2 == 1, Reported: time.Unix(0, ns).UTC(), ID: id}
	if queueCursor(k) != s {
		return photos.QueueKey{}, false
	}
	return k, true
}
