package photos

import (
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// judgedMemo remembers, per judge, the photos this instance knows they
// voted on or skipped (issue 16): what the judge's first pick read
// (judged), and every vote and skip through this instance since (Judged).
// A pick for a judge it holds reads no votes: it draws from the head
// without the photos held, and reads the drawn row only if the judge has
// neither voted on nor skipped it (two index probes in that statement),
// so one statement instead of two.
//
// What it holds can only lag the truth: votes and skips are added, never
// taken back (a merge moves an anonymous judge's votes to an account, an
// erasure deletes them, and the photos held then wait out the entry's
// minute: withheld a while, never served wrongly). A vote through another
// instance is not held: the pick that draws that photo finds it judged,
// and reads the judge's votes again (a castVote's DrawNext that finds it
// judged drops the judge, for their next pick to read them). At most memoMaxPerJudge photos per
// judge (beyond, each pick reads the judge's votes), memoMaxJudges
// judges and memoMaxHeld judges and photos in all (beyond, the memo
// starts over): about 25 MB. It also remembers the judges the head cannot
// serve (walk).
type judgedMemo struct {
	mu     sync.Mutex
	judges map[uuid.UUID]memoEntry
	held   int // judges and photos held: each entry counts 1 + its photos
}

type memoEntry struct {
	ids   []uuid.UUID // sorted; replaced, never changed in place
	walk  bool        // the head cannot serve the judge: picks walk (pickFromHead)
	until time.Time
}

const (
	memoTTL         = time.Minute
	memoMaxPerJudge = 256
	memoMaxHeld     = 1 << 20 // judges and photos: 16 MB of ids at most
	memoMaxJudges   = 100_000 // about 10 MB of entries
)

func compareIDs(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }

// holds reports whether sorted ids holds id.
func holds(ids []uuid.UUID, id uuid.UUID) bool {
	_, ok := slices.BinarySearchFunc(ids, id, compareIDs)
	return ok
}

// get returns the photos held for judge (sorted; not to be modified), if
// the memo holds the judge's photos (ok), or whether the judge is one the
// head cannot serve (walk).
func (m *judgedMemo) get(judge uuid.UUID) (ids []uuid.UUID, walk, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, found := m.judges[judge]
	if found && time.Now().After(e.until) {
		m.dropLocked(judge, e)
		return nil, false, false
	}
	return e.ids, e.walk, found && !e.walk
}

// put holds ids, all the photos judge has judged (as read), sorted; the
// memo keeps them, and no one may change them from then on.
func (m *judgedMemo) put(judge uuid.UUID, ids []uuid.UUID) {
	if len(ids) <= memoMaxPerJudge {
		m.set(judge, memoEntry{ids: ids})
	}
}

// walk remembers judge as one the head cannot serve: their picks walk
// until the entry expires.
func (m *judgedMemo) walk(judge uuid.UUID) { m.set(judge, memoEntry{walk: true}) }

func (m *judgedMemo) set(judge uuid.UUID, e memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.judges[judge]; ok {
		m.dropLocked(judge, old)
	}
	if m.judges == nil || m.held+1+len(e.ids) > memoMaxHeld || len(m.judges) >= memoMaxJudges {
		m.judges, m.held = make(map[uuid.UUID]memoEntry), 0
	}
	e.until = time.Now().Add(memoTTL)
	m.judges[judge] = e
	m.held += 1 + len(e.ids)
}

// add holds one more photo judge has judged, if the memo holds the judge.
func (m *judgedMemo) add(judge, photo uuid.UUID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.judges[judge]
	if !ok || e.walk {
		return
	}
	i, found := slices.BinarySearchFunc(e.ids, photo, compareIDs)
	if found {
		return
	}
	m.dropLocked(judge, e)
	if len(e.ids) >= memoMaxPerJudge || m.held+2+len(e.ids) > memoMaxHeld {
		return // the judge's next pick reads their votes
	}
	e.ids = slices.Insert(slices.Clip(e.ids), i, photo) // a new array: readers keep theirs
	m.judges[judge] = e
	m.held += 1 + len(e.ids)
}

// forget drops what the memo holds of judge: their next pick reads their
// votes and skips again.
func (m *judgedMemo) forget(judge uuid.UUID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.judges[judge]; ok {
		m.dropLocked(judge, e)
	}
}

func (m *judgedMemo) dropLocked(judge uuid.UUID, e memoEntry) {
	delete(m.judges, judge)
	m.held -= 1 + len(e.ids)
}

// Judged tells the Service that judge voted on or skipped photo (judging
// calls it once the vote or skip is stored), for its memo of what judges
// judged.
func (s *Service) Judged(judge, photo uuid.UUID) { s.memo.add(judge, photo) }
