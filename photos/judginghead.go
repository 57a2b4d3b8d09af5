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
// its head: the first 8 × pool active photos (at least headMinSize) in
// (judge queue, vote tier, id) order with their owners, read by one index
// scan, again in the background once it is older than its TTL
// (Config.JudgingHeadTTL: 200 ms, so that votes, which move a photo along
// the order by a tier per vote below 16, rotate the pool about as often
// as they did). A pick then reads the judge's votes and skips (one
// statement over their unique indexes, at most judgedLimit rows) and the
// drawn row by its key, checked active: two cheap statements; one when
// the instance remembers what the judge judged (judgedMemo). The head's
// age decides only which photos are candidates, never whether a hidden or
// deleted one is served.
//
// A photo that may have become judgeable through this instance (an
// upload, a restored or re-published photo) makes the next pick wait for
// a new scan; a row read without the memo (judgedMemo) that turned out
// gone or hidden starts one in the background; another instance's
// changes show within the TTL. A scan that
// fails is logged, and a head older than headMaxAge (or ten TTLs) is not
// used: picks
// wait for a scan (and fail with it) or walk. A judge the head cannot
// serve gets the walk: one with more than judgedLimit votes and skips, or
// who judged so much of the head that fewer than a pool's worth of
// candidates remain in it while more photos lie beyond it. Such a judge is
// remembered for a while (judgedMemo.walk), so that each pick does not
// read the votes first and then walk.
const (
	defaultHeadTTL  = 200 * time.Millisecond
	headMaxAge      = 10 * time.Second
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

// headScan is one scan of the head, for those waiting on it.
type headScan struct {
	done chan struct{} // closed when it ended; then snap or err is set
	snap *headSnapshot
	err  error
}

// candidates returns the pool a pick draws from, shuffled: the first n
// photos of h that judge (nil: no one) may be served, leaving out their
// own, those in judged (sorted) and those in skip; false when fewer than
// n are left in h and more photos lie past it (the walk must decide).
func (h *headSnapshot) candidates(judge *uuid.UUID, judged, skip []uuid.UUID, n int) ([]uuid.UUID, bool) {
	out := make([]uuid.UUID, 0, n)
	for _, p := range h.photos {
		if len(out) == n {
			break
		}
		if (judge != nil && p.owner == *judge) || holds(judged, p.id) || slices.Contains(skip, p.id) {
			continue
		}
		out = append(out, p.id)
	}
	if len(out) < n && !h.full {
		return nil, false
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, true
}

// judgingHead is an instance's cached head of the judging order.
type judgingHead struct {
	ttl    time.Duration // negative: every pick waits for a scan of its own
	mu     sync.Mutex
	cur    *headSnapshot
	gen    uint64    // moved on by every change a pick must see (stale)
	flight *headScan // the scan in flight, if any
}

// stale marks the head out of date: the next pick waits for a new scan.
func (h *judgingHead) stale() {
	h.mu.Lock()
	h.gen++
	h.mu.Unlock()
}

// expire lets picks go on with the head while a new scan runs in the
// background.
func (h *judgingHead) expire() {
	h.mu.Lock()
	if old := time.Now().Add(-h.ttl); h.cur != nil && h.ttl >= 0 && h.cur.at.After(old) {
		h.cur.at = old // expired, not past headMaxAge
	}
	h.mu.Unlock()
}

// get returns a snapshot of the head: the current one while it is younger
// than the TTL and no change a pick must see came after its scan; one
// older than the TTL (but not than headMaxAge) while a new scan runs in
// the background; otherwise it waits for a scan that started after the
// last such change (at most three, if changes keep coming, and then takes
// the latest). With a negative TTL every call waits for a scan that
// started after it was made.
func (h *judgingHead) get(ctx context.Context, scan func(context.Context) (*headSnapshot, error), log *slog.Logger) (*headSnapshot, error) {
	h.mu.Lock()
	if h.ttl < 0 {
		h.gen++
	}
	h.mu.Unlock()
	var last *headScan
	for range 3 {
		h.mu.Lock()
		if cur := h.usableLocked(scan, log); cur != nil {
			h.mu.Unlock()
			return cur, nil
		}
		last = h.startLocked(scan, log)
		h.mu.Unlock()
		select {
		case <-last.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if last.err != nil {
			return nil, last.err
		}
	}
	return last.snap, nil
}

// peek returns the snapshot get would return without waiting, or nil
// when get would wait for a scan.
func (h *judgingHead) peek(scan func(context.Context) (*headSnapshot, error), log *slog.Logger) *headSnapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ttl < 0 {
		return nil // every pick waits for a scan of its own
	}
	return h.usableLocked(scan, log)
}

// usableLocked returns the current snapshot if a pick may use it: no
// change a pick must see came after its scan, and it is not past
// headMaxAge (or ten TTLs); past the TTL, a new scan starts in the
// background. Nil otherwise.
func (h *judgingHead) usableLocked(scan func(context.Context) (*headSnapshot, error), log *slog.Logger) *headSnapshot {
	cur := h.cur
	if cur == nil || cur.gen != h.gen || time.Since(cur.at) >= max(headMaxAge, 10*h.ttl) {
		return nil
	}
	if h.ttl >= 0 && time.Since(cur.at) >= h.ttl {
		h.startLocked(scan, log)
	}
	return cur
}

// startLocked starts a scan unless one is in flight, and returns it. The
// scan runs on its own context (bounded), so that no one caller's
// cancellation fails the others waiting for it.
func (h *judgingHead) startLocked(scan func(context.Context) (*headSnapshot, error), log *slog.Logger) *headScan {
	if h.flight != nil {
		return h.flight
	}
	f := &headScan{done: make(chan struct{}), err: errors.New("photos: judging head: the scan panicked")}
	h.flight = f
	gen := h.gen
	go func() {
		defer close(f.done)
		func() {
			defer panics.Recover(log, "reading the judging order's head", nil)
			ctx, cancel := context.WithTimeout(context.Background(), headScanTimeout)
			defer cancel()
			f.snap, f.err = scan(ctx)
		}()
		if f.err == nil && f.snap == nil {
			f.err = errors.New("photos: judging head: the scan read nothing")
		}
		if f.err != nil {
			log.Error("reading the judging order's head", "err", f.err)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.flight = nil
		if f.err == nil {
			f.snap.gen = gen
			h.cur = f.snap
		}
	}()
	return f
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

// judged returns the photos judge voted on or skipped, sorted (holds
// searches them), and false when there are more than judgedLimit of them
// (the set is then incomplete).
// One statement: a range of each of the two unique (judge, photo)
// indexes.
func (s *Service) judged(ctx context.Context, judge uuid.UUID) ([]uuid.UUID, bool, error) {
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
	out := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = r.PhotoID
	}
	slices.SortFunc(out, compareIDs)
	return out, true, nil
}

// pickFromHead is PickToJudge served from the head; ok is false when the
// head cannot decide (see judgingHead) and the walk must.
//
// A judge the memo holds costs one statement: the drawn row, read only if
// the judge has neither voted on nor skipped it. When that row is not
// found (the judge judged it through another instance, or it is gone),
// the judge's votes and skips are read again, and the pick starts over
// from them, as for a judge the memo does not hold.
func (s *Service) pickFromHead(ctx context.Context, judge *uuid.UUID, skip []uuid.UUID, n int) (*ent.Photo, bool, error) {
	var judged []uuid.UUID // sorted
	memo, walk := false, n <= 0 || 8*n > headMaxSize
	if judge != nil && !walk {
		judged, walk, memo = s.memo.get(*judge) // memo: the row read checks the judge's votes and skips
	}
	if walk {
		s.picks.walk.Add(1)
		return nil, false, nil
	}
	head, err := s.head.get(ctx, s.scanHead(max(8*n, headMinSize)), s.log)
	if err != nil {
		return nil, false, err
	}
	for {
		if judge != nil && !memo {
			var complete bool
			if judged, complete, err = s.judged(ctx, *judge); err != nil {
				return nil, false, err
			}
			if !complete {
				s.memo.walk(*judge)
				s.picks.walk.Add(1)
				return nil, false, nil
			}
			s.memo.put(*judge, judged)
		}
		p, missed, ok, err := s.drawFromHead(ctx, head, judge, judged, memo, skip, n)
		if err != nil || !missed {
			if ok {
				s.picks.head.Add(1)
			} else if err == nil {
				s.picks.walk.Add(1)
			}
			return p, ok, err
		}
		memo = false // what the memo held missed a vote: read them
	}
}

// drawFromHead draws for judge (who judged the photos judged) among the
// first n candidates of head and reads the drawn row (pickTries at most,
// in random order), checking the judge's vote and skip when judged is
// the memo's; missed reports that such a check failed. ok is false when
// the walk must answer.
func (s *Service) drawFromHead(ctx context.Context, head *headSnapshot, judge *uuid.UUID, judged []uuid.UUID, memo bool,
	skip []uuid.UUID, n int) (p *ent.Photo, missed, ok bool, err error) {
	candidates, enough := head.candidates(judge, judged, skip, n)
	if !enough {
		if judge != nil {
			s.memo.walk(*judge)
		}
		return nil, false, false, nil // more candidates lie past the head
	}
	for i, id := range candidates {
		if i == pickTries {
			break
		}
		var unjudgedBy *uuid.UUID
		if memo {
			unjudgedBy = judge
		}
		p, err := s.drawRow(ctx, id, unjudgedBy)
		switch {
		case err != nil:
			return nil, false, false, fmt.Errorf("photos: to judge: %w", err)
		case p == nil && memo:
			return nil, true, false, nil
		case p == nil:
			s.head.expire() // hidden or deleted since the head's scan
			continue
		}
		return p, false, true, nil
	}
	if len(candidates) > 0 {
		return nil, false, false, nil // the ones tried were gone: let the walk answer
	}
	return nil, false, true, nil // nothing left to judge
}

// JudgingOrderChanged tells the Service that photos may have become
// judgeable behind its back (a row inserted or changed directly): the next
// pick reads the judging order's head again. Its own uploads and
// restorations do so themselves.
func (s *Service) JudgingOrderChanged() { s.head.stale() }

// PickCounts returns how many picks the head served and how many the walk
// did, since the Service started (metrics.WatchPicks).
func (s *Service) PickCounts() (head, walk int64) { return s.picks.head.Load(), s.picks.walk.Load() }
