// Package relay implements the Relay conventions of the public API: opaque
// global ids and cursors, and the bounds on a connection's page.
package relay

import (
	"encoding/base64"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
)

var enc = base64.RawURLEncoding

// ID returns the opaque global id of the object of type typ with id.
func ID(typ string, id uuid.UUID) string {
	return enc.EncodeToString([]byte(typ + ":" + id.String()))
}

// ParseID returns the type and id inside a global id. ok is false for
// anything that is not, byte for byte, a global id this service made: each
// object has exactly one id, so client caches keyed by id never see aliases.
func ParseID(gid string) (typ string, id uuid.UUID, ok bool) {
	if len(gid) > 100 {
		return "", uuid.Nil, false
	}
	b, err := enc.DecodeString(gid)
	if err != nil {
		return "", uuid.Nil, false
	}
	typ, raw, found := strings.Cut(string(b), ":")
	if !found {
		return "", uuid.Nil, false
	}
	id, err = uuid.Parse(raw)
	if err != nil || ID(typ, id) != gid {
		return "", uuid.Nil, false
	}
	return typ, id, true
}

// ParseTypedID returns the id inside gid when it names an object of type
// typ, and otherwise a BAD_USER_INPUT error naming field.
func ParseTypedID(gid, typ, field string) (uuid.UUID, error) {
	t, id, ok := ParseID(gid)
	if !ok || t != typ {
		return uuid.Nil, facestat.InputError(field, facestat.ReasonInvalid, "not a %s id", typ)
	}
	return id, nil
}

// Cursor is a position in a list ordered by (time, id).
type Cursor struct {
	Time time.Time
	ID   uuid.UUID
}

// String encodes the cursor opaquely.
func (c Cursor) String() string {
	return enc.EncodeToString([]byte(strconv.FormatInt(c.Time.UnixNano(), 36) + ":" + c.ID.String()))
}

// Times a cursor may carry: a photo is created between the Unix epoch and
// the year 2200. Anything outside was not made by this service, and a
// database may not compare it (SQLite stores times as text, PostgreSQL
// timestamps end in 294276).
var (
	minCursorTime = time.Unix(0, 0)
	maxCursorTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Args are a connection's paging arguments as the client sent them.
type Args struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Window is a validated request for one page of a list whose positions
// are of type C: the N items nearest the start of the range (Backward
// false: `first`) or nearest its end (Backward true: `last`), the range
// being the items strictly after After and strictly before Before (nil:
// unbounded), as the Relay Cursor Connections spec's ApplyCursorsToEdges.
type Window[C any] struct {
	N             int
	Backward      bool
	After, Before *C
}

// Page is a window over a list ordered by (time, id).
type Page = Window[Cursor]

// ParseWindow checks a connection's arguments: exactly one of first and
// last, within 1..max, and cursors parse accepts (it returns ok false for
// anything this list did not hand out). `after` and `before` may come
// together and with either of first and last, as the spec allows: both
// bound the range. Errors are BAD_USER_INPUT naming the argument: `first`
// REQUIRED (neither given), `last` EXCLUSIVE (both given), `first` or
// `last` OUT_OF_RANGE, `after` or `before` INVALID.
func ParseWindow[C any](a Args, max int, parse func(string) (C, bool)) (Window[C], error) {
	var w Window[C]
	switch {
	case a.First == nil && a.Last == nil:
		return w, facestat.InputError("first", facestat.ReasonRequired, "give first (to page forwards) or last (backwards)")
	case a.First != nil && a.Last != nil:
		return w, facestat.InputError("last", facestat.ReasonExclusive, "give first or last, not both")
	case a.First != nil:
		w.N = *a.First
	default:
		w.N, w.Backward = *a.Last, true
	}
	if w.N < 1 || w.N > max {
		field := map[bool]string{false: "first", true: "last"}[w.Backward]
		return Window[C]{}, facestat.InputError(field, facestat.ReasonOutOfRange, "%s must be between 1 and %d", field, max)
	}
	for _, c := range []struct {
		field string
		raw   *string
		dst   **C
	}{{"after", a.After, &w.After}, {"before", a.Before, &w.Before}} {
		if c.raw == nil {
			continue
		}
		v, ok := parse(*c.raw)
		if !ok {
			return Window[C]{}, badCursor(c.field)
		}
		*c.dst = &v
	}
	return w, nil
}

// ParsePage is ParseWindow for lists ordered by (time, id): `after` and
// `before` INVALID also for a cursor this service cannot have made (its
// time outside 1970..2200 or its text not exactly what String gives).
func ParsePage(a Args, max int) (Page, error) { return ParseWindow(a, max, ParseCursor) }

// Info is what a page says of the items beyond it: PageInfo's flags. As
// the spec allows, the flag of the other direction is false: paging
// forwards, HasPrevious is false even after a cursor; paging backwards,
// HasNext is false even before one.
type Info struct{ HasNext, HasPrevious bool }

// Cut takes list, fetched in the window's direction (the list's order
// reversed for `last`) with a limit of N+1, and returns at most N items in
// the list's own order and whether more lay beyond them.
func Cut[T, C any](w Window[C], list []T) ([]T, Info) {
	more := len(list) > w.N
	if more {
		list = list[:w.N]
	}
	if w.Backward {
		slices.Reverse(list)
		return list, Info{HasPrevious: more}
	}
	return list, Info{HasNext: more}
}

// Slice applies w to a list held in memory, sorted: cmp(item, c) is
// negative for an item before the position c, zero at it, positive after.
// It returns the bounds of the page, list[start:end], by binary search.
func Slice[T, C any](list []T, w Window[C], cmp func(T, C) int) (start, end int, info Info) {
	lo, hi := 0, len(list)
	if w.After != nil {
		lo = sort.Search(len(list), func(i int) bool { return cmp(list[i], *w.After) > 0 })
	}
	if w.Before != nil {
		hi = sort.Search(len(list), func(i int) bool { return cmp(list[i], *w.Before) >= 0 })
	}
	hi = max(lo, hi)
	if w.Backward {
		start = max(lo, hi-w.N)
		return start, hi, Info{HasPrevious: start > lo}
	}
	end = min(hi, lo+w.N)
	return lo, end, Info{HasNext: end < hi}
}

// ParseCursor decodes a cursor String made; ok is false for anything else,
// a time outside 1970..2200 included.
func ParseCursor(s string) (c Cursor, ok bool) {
	if len(s) > 100 {
		return Cursor{}, false
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return Cursor{}, false
	}
	ts, id, found := strings.Cut(string(b), ":")
	if !found {
		return Cursor{}, false
	}
	ns, err := strconv.ParseInt(ts, 36, 64)
	if err != nil {
		return Cursor{}, false
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return Cursor{}, false
	}
	c = Cursor{Time: time.Unix(0, ns).UTC(), ID: uid}
	if c.Time.Before(minCursorTime) || !c.Time.Before(maxCursorTime) || c.String() != s {
		return Cursor{}, false
	}
	return c, true
}

// badCursor is the error for an `after` or `before` (field) this list did
// not hand out.
func badCursor(field string) *facestat.Error {
	return facestat.InputError(field, facestat.ReasonInvalid, "not a cursor of this list")
}

// IntID returns the opaque global id of an object with an integer key.
func IntID(typ string, id int) string {
	return enc.EncodeToString([]byte(typ + ":" + strconv.Itoa(id)))
}

// ParseIntID returns the integer key inside gid when gid is exactly the id
// IntID makes for an object of type typ.
func ParseIntID(gid, typ string) (int, bool) {
	if len(gid) > 100 {
		return 0, false
	}
	b, err := enc.DecodeString(gid)
	if err != nil {
		return 0, false
	}
	raw, ok := strings.CutPrefix(string(b), typ+":")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(raw)
	if err != nil || IntID(typ, n) != gid {
		return 0, false
	}
	return n, true
}

// ScoreCursor is a position in a ranked list: best score first, then by
// id. It names a position, not an offset, so it stays meaningful when the
// ranking is recomputed: paging goes on after the same score and id.
type ScoreCursor struct {
	Score float64
	ID    uuid.UUID
}

// String encodes the cursor opaquely (the score's exact bits).
func (c ScoreCursor) String() string {
	return enc.EncodeToString([]byte("score:" + strconv.FormatUint(math.Float64bits(c.Score), 36) + ":" + c.ID.String()))
}

// ParseScoreCursor decodes what ScoreCursor.String made, and nothing else:
// no NaN or infinite score, no other spelling of the same position.
func ParseScoreCursor(s string) (ScoreCursor, bool) {
	if len(s) > 100 {
		return ScoreCursor{}, false
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return ScoreCursor{}, false
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 3 || parts[0] != "score" {
		return ScoreCursor{}, false
	}
	bits, err1 := strconv.ParseUint(parts[1], 36, 64)
	id, err2 := uuid.Parse(parts[2])
	score := math.Float64frombits(bits)
	if err1 != nil || err2 != nil || math.IsNaN(score) || math.IsInf(score, 0) {
		return ScoreCursor{}, false
	}
	c := ScoreCursor{Score: score, ID: id}
	if c.String() != s {
		return ScoreCursor{}, false
	}
	return c, true
}
