// Package relay implements the Relay conventions of the public API: opaque
// global ids and cursors, and the bounds on a connection's page.
package relay

import (
	"encoding/base64"
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

// MaxOffset bounds the position an offset cursor may name: no ranked list
// is longer, and start+first stays far from overflowing an int.
const MaxOffset = 1 << 20

// Page is a validated request for one page: at most First items after After.
type Page struct {
	First int
	After *Cursor
}

// ParsePage checks first (1..max) and decodes after. Errors are
// BAD_USER_INPUT naming the argument: `first` OUT_OF_RANGE, `after` INVALID
// (junk, or a cursor this service cannot have made: its time outside
// 1970..2200 or its text not exactly what String gives).
func ParsePage(first int, after *string, max int) (Page, error) {
	if first < 1 || first > max {
		return Page{}, facestat.InputError("first", facestat.ReasonOutOfRange, "first must be between 1 and %d", max)
	}
	p := Page{First: first}
	if after == nil {
		return p, nil
	}
	c, ok := ParseCursor(*after)
	if !ok {
		return Page{}, badCursor()
	}
	p.After = &c
	return p, nil
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

// badCursor is the error for an `after` this list did not hand out.
func badCursor() *facestat.Error {
	return facestat.InputError("after", facestat.ReasonInvalid, "not a cursor of this list")
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

// OffsetCursor is the cursor of position i in a ranked list.
func OffsetCursor(i int) string { return enc.EncodeToString([]byte("offset:" + strconv.Itoa(i))) }

// ParseOffsetPage checks first (1..max) and returns the position after
// which the page starts (0 without a cursor), at most MaxOffset+1. Errors
// are BAD_USER_INPUT naming the argument: `first` OUT_OF_RANGE, `after`
// INVALID (junk, a negative offset or one past MaxOffset).
func ParseOffsetPage(first int, after *string, max int) (int, error) {
	if first < 1 || first > max {
		return 0, facestat.InputError("first", facestat.ReasonOutOfRange, "first must be between 1 and %d", max)
	}
	if after == nil {
		return 0, nil
	}
	b, err := enc.DecodeString(*after)
	raw, ok := strings.CutPrefix(string(b), "offset:")
	n, cerr := strconv.Atoi(raw)
	if len(*after) > 100 || err != nil || !ok || cerr != nil || n < 0 || n > MaxOffset || OffsetCursor(n) != *after {
		return 0, badCursor()
	}
	return n + 1, nil
}
