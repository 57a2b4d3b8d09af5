package photos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/photoskip"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/panics"
)

// The judging order's head (issue 16): nextPhoto's one statement walked
// the least-judged photos past every one the judge had judged or skipped,
// two index probes each, and read them from a table whose updates (every
// vote) keep its index full of dead entries: about 0.5-0.7 ms of
// PostgreSQL's time a call, the dearest statement of a judging view.
//
// The order itself is the same for every judge, so each instance keeps
// its head, the first headSize active photos in (judge queue, vote tier,
// id) order with their owners, read by one index scan at most once a
// second (Config.JudgingHeadTTL; votes move a photo along it by a tier
// per quarter doubling). A pick then reads the judge's judged and skipped photos (one
// index range scan of each, bounded by judgedLimit) and the chosen row by
// its key: two cheap statements. The chosen row is read fresh and checked,
// so the head's age decides only which photos are candidates, never
// whether a hidden or deleted one is served.
//
// Changes made through this instance (uploads, visibility, moderation,
// deletions) mark the head stale, and the next pick waits for a new one;
// another instance's are seen within the TTL. A judge the head cannot
// serve falls back to the walk: one who judged more than judgedLimit
// photos, or who judged so much of the head that fewer than a pool's
// worth of candidates remain in it while more photos lie beyond it.
const (
	headScanTimeout = 5 * time.Second
	headMinSize     = 64
	headMaxSize     = 1024
	judgedLimit     = 1000 // votes and skips read for one pick, at most
	pickTries       = 3    // rows read for one pick before falling back
)

// headPhoto is one photo of the head: enough to leave out the judge's own.
type headPhoto struct{ id, owner uuid.UUID }

// headSnapshot is the head as one scan read it.
type headSnapshot struct {
	photos []headPhoto
	full   bool      // every active photo is in photos (fewer than the size asked)
	at     time.Time // when its scan started
	gen    uint64    // judgingHead.gen when its scan started
}

// judgingHead is an instance's cached head of the judging order.
type judgingHead struct {
	ttl    time.Duration // negative: a scan for every pick
	mu     sync.Mutex
	cur    *headSnapshot
	gen    uint64        // moved on by every local change (stale)
	flight chan struct{} // closed when the scan in flight ends; nil when none
	err    error         // the last scan's error, for its waiters
}

// stale marks the head out of date: the next pick waits for a new scan.
func (h *judgingHead) stale() {
	h.mu.Lock()
	h.gen++
	h.mu.Unlock()
}

// get returns a snapshot of the head: the current one while it is younger
// than the TTL and no local change came after its scan; an expired one
// while a new scan runs in the background; otherwise it waits for a scan
// that started after the last change (at most three, if changes keep
// coming, and then takes the latest). With a negative TTL every call waits
// for a scan.
func (h *judgingHead) get(ctx context.Context, scan func(context.Context) (*headSnapshot, error), log *slog.Logger) (*headSnapshot, error) {
	for i := range 3 {
		h.mu.Lock()
		if cur := h.cur; cur != nil && cur.gen == h.gen && (h.ttl >= 0 || i > 0) {
			if h.ttl >= 0 && time.Since(cur.at) >= h.ttl {
				h.startLocked(scan, log)
			}
			h.mu.Unlock()
			return cur, nil
		}
		done := h.startLocked(scan, log)
		h.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		h.mu.Lock()
		err := h.err
		h.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur, nil
}

// startLocked starts a scan unless one is in flight, and returns the
// channel its end closes. The scan runs on its own context (bounded), so
// that no one caller's cancellation fails the others waiting for it.
func (h *judgingHead) startLocked(scan func(context.Context) (*headSnapshot, error), log *slog.Logger) chan struct{} {
	if h.flight != nil {
		return h.flight
	}
	done := make(chan struct{})
	h.flight = done
	gen := h.gen
	go func() {
		defer close(done)
		snap, err := (*headSnapshot)(nil), errors.New("photos: judging head: the scan panicked")
		func() {
			defer panics.Recover(log, "reading the judging order's head", nil)
			ctx, cancel := context.WithTimeout(context.Background(), headScanTimeout)
			defer cancel()
			snap, err = scan(ctx)
		}()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.flight, h.err = nil, err
		if err == nil {
			snap.gen = gen
			h.cur = snap
		}
	}()
	return done
}

// scanHead reads the first size active photos in judging order.
func (s *Service) scanHead(size int) func(context.Context) (*headSnapshot, error) {
	return func(ctx context.Context) (*headSnapshot, error) {
		at := time.Now()
		var rows []struct {
			ID      uuid.UUID `json:"id"`
			OwnerID uuid.UUID `json:"owner_id"`
		}
		err := s.client.Photo.Query().Where(activeOnly()).
			Order(photo.ByJudgeQueue(), photo.ByVoteTier(), photo.ByID()).Limit(size).
			Select(photo.FieldID, photo.FieldOwnerID).Scan(ctx, &rows)
		if err != nil {
			return nil, fmt.Errorf("photos: judging head: %w", err)
		}
		snap := &headSnapshot{photos: make([]headPhoto, len(rows)), full: len(rows) < size, at: at}
		for i, r := range rows {
			snap.photos[i] = headPhoto{id: r.ID, owner: r.OwnerID}
		}
		return snap, nil
	}
}

// judged returns the photos judge voted on or skipped, and false when
// there are more than judgedLimit of them (the set is then incomplete).
// One statement.
func (s *Service) judged(ctx context.Context, judge uuid.UUID) (map[uuid.UUID]bool, bool, error) {
	var rows []struct {
		PhotoID uuid.UUID `json:"photo_id"`
	}
	skips := entsql.Table(photoskip.Table)
	err := s.client.Vote.Query().Where(vote.JudgeID(judge), func(sel *entsql.Selector) {
		sel.UnionAll(entsql.Select(skips.C(photoskip.FieldPhotoID)).From(skips).
			Where(entsql.EQ(skips.C(photoskip.FieldJudgeID), judge)))
	}).Limit(judgedLimit+1).Select(vote.FieldPhotoID).Scan(ctx, &rows)
	if err != nil {
		return nil, false, fmt.Errorf("photos: judged: %w", err)
	}
	if len(rows) > judgedLimit {
		return nil, false, nil
	}
	out := make(map[uuid.UUID]bool, len(rows))
	for _, r := range rows {
		out[r.PhotoID] = true
	}
	return out, true, nil
}

// pickFromHead is PickToJudge served from the head; ok is false when the
// head cannot decide (see judgingHead) and the walk must.
func (s *Service) pickFromHead(ctx context.Context, judge *uuid.UUID, skip []uuid.UUID, n int) (p *ent.Photo, ok bool, err error) {
	if n <= 0 || 8*n > headMaxSize {
		return nil, false, nil
	}
	head, err := s.head.get(ctx, s.scanHead(max(8*n, headMinSize)), s.log)
	if err != nil {
		return nil, false, err
	}
	var judged map[uuid.UUID]bool
	if judge != nil {
		var complete bool
		if judged, complete, err = s.judged(ctx, *judge); err != nil || !complete {
			return nil, false, err
		}
	}
	candidates := make([]uuid.UUID, 0, n)
	for _, h := range head.photos {
		if len(candidates) == n {
			break
		}
		if (judge != nil && h.owner == *judge) || judged[h.id] || slices.Contains(skip, h.id) {
			continue
		}
		candidates = append(candidates, h.id)
	}
	if len(candidates) < n && !head.full {
		return nil, false, nil // more candidates lie past the head
	}
	rand.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	for i, id := range candidates {
		if i == pickTries {
			return nil, false, nil
		}
		p, err := s.client.Photo.Query().Where(photo.ID(id), activeOnly()).Only(ctx)
		if ent.IsNotFound(err) {
			s.head.stale() // hidden or deleted since the head's scan
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("photos: to judge: %w", err)
		}
		return p, true, nil
	}
	if len(candidates) > 0 {
		return nil, false, nil // every one was gone: let the walk answer
	}
	return nil, true, nil // nothing left to judge
}

// JudgingOrderChanged tells the Service that photos were written behind
// its back (a row inserted or changed directly): the next pick reads the
// judging order's head again. Its own changes do so themselves.
func (s *Service) JudgingOrderChanged() { s.head.stale() }
