package relay_test

import (
	"encoding/base64"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/relay"
)

var enc = base64.RawURLEncoding

var someID = uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")

// wantInputError fails unless err is BAD_USER_INPUT for field with reason.
func wantInputError(t *testing.T, err error, field, reason string) {
	t.Helper()
	var fe *facestat.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *facestat.Error", err, err)
	}
	if fe.Code != facestat.BadUserInput || fe.Field != field || fe.Reason != reason {
		t.Fatalf("err = {%s %q %s}, want {%s %q %s}", fe.Code, fe.Field, fe.Reason, facestat.BadUserInput, field, reason)
	}
}

// parsePage is ParsePage with first and after.
func parsePage(first int, after *string, max int) (relay.Page, error) {
	return relay.ParsePage(relay.Args{First: &first, After: after}, max)
}

func TestID(t *testing.T) {
	t.Run("OKRoundTrip", func(t *testing.T) {
		for _, typ := range []string{"Photo", "User", "Vote", "X", ""} {
			for _, id := range []uuid.UUID{someID, uuid.Nil, uuid.Max, uuid.New()} {
				gid := relay.ID(typ, id)
				gotTyp, gotID, ok := relay.ParseID(gid)
				if !ok || gotTyp != typ || gotID != id {
					t.Errorf("ParseID(ID(%q, %s)) = %q, %s, %v", typ, id, gotTyp, gotID, ok)
				}
			}
		}
	})
	t.Run("OKOpaque", func(t *testing.T) {
		gid := relay.ID("Photo", someID)
		if strings.Contains(gid, "Photo") || strings.Contains(gid, someID.String()) {
			t.Errorf("ID = %q shows its parts in clear", gid)
		}
		if strings.ContainsAny(gid, "+/=") {
			t.Errorf("ID = %q is not URL-safe", gid)
		}
		if relay.ID("Photo", someID) != gid {
			t.Error("ID is not deterministic")
		}
		if relay.ID("User", someID) == gid {
			t.Error("one uuid has the same id under two types")
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		for name, gid := range map[string]string{
			"Empty":         "",
			"NotBase64":     "!!!not base64!!!",
			"Padded":        relay.ID("Photo", someID) + "==",
			"NoColon":       enc.EncodeToString([]byte("Photo" + someID.String())),
			"BadUUID":       enc.EncodeToString([]byte("Photo:not-a-uuid")),
			"ShortUUID":     enc.EncodeToString([]byte("Photo:" + someID.String()[:35])),
			"EmptyUUID":     enc.EncodeToString([]byte("Photo:")),
			"ColonInType":   relay.ID("Pho:to", someID),
			"RawUUID":       someID.String(),
			"TooLong":       enc.EncodeToString([]byte(strings.Repeat("P", 60) + ":" + someID.String())),
			"HugeGarbage":   strings.Repeat("A", 1<<16),
			"Truncated":     relay.ID("Photo", someID)[:20],
			"TrailingSpace": relay.ID("Photo", someID) + " ",
		} {
			t.Run(name, func(t *testing.T) {
				typ, id, ok := relay.ParseID(gid)
				if ok {
					t.Errorf("ParseID(%q) = %q, %s, true; want not ok", gid, typ, id)
				}
			})
		}
	})
	t.Run("ErrForeign", func(t *testing.T) {
		// Well-formed ids that this service would never make: other
		// spellings of a uuid, and ids of other services.
		for name, raw := range map[string]string{
			"Braces":    "Photo:{" + someID.String() + "}",
			"URN":       "Photo:urn:uuid:" + someID.String(),
			"NoDashes":  "Photo:" + strings.ReplaceAll(someID.String(), "-", ""),
			"UpperCase": "Photo:" + strings.ToUpper(someID.String()),
		} {
			t.Run(name, func(t *testing.T) {
				gid := enc.EncodeToString([]byte(raw))
				if typ, id, ok := relay.ParseID(gid); ok {
					t.Errorf("ParseID(%q) (%s) = %q, %s, true; want not ok", gid, raw, typ, id)
				}
			})
		}
	})
}

func TestParseTypedID(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		id, err := relay.ParseTypedID(relay.ID("Photo", someID), "Photo", "input.photoId")
		if err != nil || id != someID {
			t.Errorf("ParseTypedID = %s, %v; want %s", id, err, someID)
		}
	})
	t.Run("ErrWrongType", func(t *testing.T) {
		for _, typ := range []string{"User", "photo", "Photos", ""} {
			id, err := relay.ParseTypedID(relay.ID(typ, someID), "Photo", "input.photoId")
			if id != uuid.Nil {
				t.Errorf("ParseTypedID(a %q id) returned id %s", typ, id)
			}
			wantInputError(t, err, "input.photoId", facestat.ReasonInvalid)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		for _, gid := range []string{"", "garbage", someID.String(), enc.EncodeToString([]byte("Photo:nope"))} {
			id, err := relay.ParseTypedID(gid, "Photo", "id")
			if id != uuid.Nil {
				t.Errorf("ParseTypedID(%q) returned id %s", gid, id)
			}
			wantInputError(t, err, "id", facestat.ReasonInvalid)
		}
	})
	t.Run("ErrMessageNamesType", func(t *testing.T) {
		_, err := relay.ParseTypedID("garbage", "Photo", "id")
		if err == nil || !strings.Contains(err.Error(), "Photo") {
			t.Errorf("err = %v, want it to name the type Photo", err)
		}
	})
}

func TestCursor(t *testing.T) {
	t.Run("OKRoundTrip", func(t *testing.T) {
		for _, tm := range []time.Time{
			time.Date(2026, 11, 25, 1, 48, 48, 123456789, time.UTC),
			time.Date(2026, 11, 25, 1, 48, 48, 1, time.UTC),
			time.Date(2026, 11, 25, 1, 48, 48, 999999999, time.FixedZone("X", 5*3600+1800)),
			time.Unix(0, 0),
			time.Unix(0, 1),
			time.Date(2199, 12, 31, 23, 59, 59, 999999999, time.UTC),
			time.Now(),
		} {
			c := relay.Cursor{Time: tm, ID: someID}
			s := c.String()
			p, err := parsePage(1, &s, 1)
			if err != nil {
				t.Fatalf("ParsePage(cursor of %v): %v", tm, err)
			}
			if p.After == nil || !p.After.Time.Equal(tm) || p.After.ID != someID {
				t.Errorf("round trip of %v = %+v", tm, p.After)
			}
			if p.After != nil && p.After.Time.Nanosecond() != tm.Nanosecond() {
				t.Errorf("round trip of %v lost nanoseconds: %v", tm, p.After.Time)
			}
		}
	})
	t.Run("ErrTimeOutOfRange", func(t *testing.T) {
		for _, tm := range []time.Time{
			time.Unix(0, -1),
			time.Date(1900, 1, 1, 0, 0, 0, 7, time.UTC),
			time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC),
		} {
			s := relay.Cursor{Time: tm, ID: someID}.String()
			p, err := parsePage(1, &s, 1)
			if p != (relay.Page{}) {
				t.Errorf("ParsePage(cursor of %v) returned a page %+v", tm, p)
			}
			wantInputError(t, err, "after", facestat.ReasonInvalid)
		}
	})
	t.Run("ErrNotCanonical", func(t *testing.T) {
		// The same position spelt another way (a leading zero, upper-case
		// uuid) is not a cursor this service made.
		for _, raw := range []string{"0" + strconv.FormatInt(1700000000e9, 36) + ":" + someID.String(),
			strconv.FormatInt(1700000000e9, 36) + ":" + strings.ToUpper(someID.String())} {
			s := enc.EncodeToString([]byte(raw))
			_, err := parsePage(1, &s, 1)
			wantInputError(t, err, "after", facestat.ReasonInvalid)
		}
	})
	t.Run("OKOrderedDistinct", func(t *testing.T) {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		a := relay.Cursor{Time: base, ID: someID}.String()
		b := relay.Cursor{Time: base.Add(time.Nanosecond), ID: someID}.String()
		c := relay.Cursor{Time: base, ID: uuid.Max}.String()
		if a == b || a == c {
			t.Errorf("distinct cursors encode alike: %q %q %q", a, b, c)
		}
		if strings.ContainsAny(a, "+/=") {
			t.Errorf("cursor %q is not URL-safe", a)
		}
	})
}

func TestParsePage(t *testing.T) {
	const max = 50
	t.Run("OKBounds", func(t *testing.T) {
		for _, first := range []int{1, 2, max - 1, max} {
			p, err := parsePage(first, nil, max)
			if err != nil || p.N != first || p.After != nil {
				t.Errorf("ParsePage(%d, nil, %d) = %+v, %v", first, max, p, err)
			}
		}
	})
	t.Run("ErrOutOfRange", func(t *testing.T) {
		valid := relay.Cursor{Time: time.Unix(1, 0), ID: someID}.String()
		for _, first := range []int{0, -1, -1 << 62, max + 1, 1 << 62} {
			for _, after := range []*string{nil, &valid} {
				p, err := parsePage(first, after, max)
				if p != (relay.Page{}) {
					t.Errorf("ParsePage(%d) returned a page %+v along with %v", first, p, err)
				}
				wantInputError(t, err, "first", facestat.ReasonOutOfRange)
			}
		}
	})
	t.Run("ErrOutOfRangeNamesMax", func(t *testing.T) {
		_, err := parsePage(max+1, nil, max)
		if err == nil || !strings.Contains(err.Error(), "50") {
			t.Errorf("err = %v, want it to name the maximum 50", err)
		}
	})
	t.Run("ErrMalformedCursor", func(t *testing.T) {
		good := relay.Cursor{Time: time.Unix(1700000000, 5), ID: someID}.String()
		for name, after := range map[string]string{
			"Empty":         "",
			"NotBase64":     "!!!",
			"Padded":        good + "=",
			"StdAlphabet":   "a+b/",
			"NoColon":       enc.EncodeToString([]byte("abc" + someID.String())),
			"EmptyTime":     enc.EncodeToString([]byte(":" + someID.String())),
			"BadTime":       enc.EncodeToString([]byte("zz!:" + someID.String())),
			"TimeOverflow":  enc.EncodeToString([]byte(strings.Repeat("z", 14) + ":" + someID.String())),
			"DecimalPoint":  enc.EncodeToString([]byte("1.5:" + someID.String())),
			"BadUUID":       enc.EncodeToString([]byte("abc:not-a-uuid")),
			"EmptyUUID":     enc.EncodeToString([]byte("abc:")),
			"TooLong":       enc.EncodeToString([]byte(strings.Repeat("0", 60) + "1:" + someID.String())),
			"Huge":          strings.Repeat("A", 1<<16),
			"Truncated":     good[:len(good)-3],
			"TrailingSpace": good + " ",
		} {
			t.Run(name, func(t *testing.T) {
				p, err := parsePage(10, &after, max)
				if p != (relay.Page{}) {
					t.Errorf("ParsePage(after %q) returned a page %+v along with %v", after, p, err)
				}
				wantInputError(t, err, "after", facestat.ReasonInvalid)
			})
		}
	})
}

// FuzzParsePage checks that no cursor makes ParsePage panic, in either
// direction, and that any cursor it accepts re-encodes to one that decodes
// to the same position.
func FuzzParsePage(f *testing.F) {
	f.Add(10, relay.Cursor{Time: time.Unix(1700000000, 123), ID: someID}.String(), 100, false)
	f.Add(10, relay.Cursor{Time: time.Unix(1700000000, 123), ID: someID}.String(), 100, true)
	f.Add(1, "", 1, true)
	f.Add(0, "!!!", 0, false)
	f.Add(-1, enc.EncodeToString([]byte("-zz:"+someID.String())), 100, true)
	f.Add(101, relay.ID("Photo", someID), 100, false)
	f.Fuzz(func(t *testing.T, n int, cursor string, max int, backward bool) {
		args, size, at := relay.Args{First: &n, After: &cursor}, "first", "after"
		if backward {
			args, size, at = relay.Args{Last: &n, Before: &cursor}, "last", "before"
		}
		p, err := relay.ParsePage(args, max)
		if err != nil {
			var fe *facestat.Error
			if !errors.As(err, &fe) || fe.Code != facestat.BadUserInput || (fe.Field != size && fe.Field != at) {
				t.Fatalf("ParsePage error %v is not BAD_USER_INPUT on %s or %s", err, size, at)
			}
			return
		}
		c := p.After
		if backward {
			c = p.Before
		}
		if p.N < 1 || p.N > max || p.N != n || p.Backward != backward || c == nil {
			t.Fatalf("ParsePage(%d, %q, %d, backward %v) = %+v", n, cursor, max, backward, p)
		}
		if c.Time.Before(time.Unix(0, 0)) || c.Time.Year() >= 2200 {
			t.Fatalf("ParsePage(%q) accepted a time out of range: %v", cursor, c.Time)
		}
		if again := c.String(); again != cursor {
			t.Fatalf("accepted cursor %q re-encodes as %q", cursor, again)
		}
	})
}

// FuzzParseScoreCursor checks that no input makes ParseScoreCursor panic,
// and that an accepted cursor is finite and re-encodes to itself.
func FuzzParseScoreCursor(f *testing.F) {
	f.Add(relay.ScoreCursor{Score: 0.5, ID: someID}.String())
	f.Add(relay.ScoreCursor{Score: -3, ID: uuid.Nil}.String())
	f.Add(enc.EncodeToString([]byte("score:zzzzzzzzzzzzzz:" + someID.String())))
	f.Add(enc.EncodeToString([]byte("offset:5")))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := relay.ParseScoreCursor(s)
		if !ok {
			return
		}
		if math.IsNaN(c.Score) || math.IsInf(c.Score, 0) || c.String() != s {
			t.Fatalf("ParseScoreCursor(%q) = %+v", s, c)
		}
	})
}

func TestScoreCursor(t *testing.T) {
	t.Run("OKRoundTrip", func(t *testing.T) {
		for _, score := range []float64{0, 0.1, -0.1, 1e300, -1e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1)} {
			c := relay.ScoreCursor{Score: score, ID: someID}
			got, ok := relay.ParseScoreCursor(c.String())
			if !ok || math.Float64bits(got.Score) != math.Float64bits(score) || got.ID != someID {
				t.Errorf("round trip of %v = %+v, %v", score, got, ok)
			}
		}
	})
	t.Run("ErrForeign", func(t *testing.T) {
		for name, s := range map[string]string{
			"NaN":          enc.EncodeToString([]byte("score:" + strconv.FormatUint(math.Float64bits(math.NaN()), 36) + ":" + someID.String())),
			"Inf":          enc.EncodeToString([]byte("score:" + strconv.FormatUint(math.Float64bits(math.Inf(1)), 36) + ":" + someID.String())),
			"LeadingZero":  enc.EncodeToString([]byte("score:0" + strconv.FormatUint(math.Float64bits(0.5), 36) + ":" + someID.String())),
			"UpperUUID":    enc.EncodeToString([]byte("score:1:" + strings.ToUpper(someID.String()))),
			"Offset":       enc.EncodeToString([]byte("offset:3")),
			"TimeCursor":   relay.Cursor{Time: time.Unix(1, 0), ID: someID}.String(),
			"ExtraPart":    enc.EncodeToString([]byte("score:1:" + someID.String() + ":x")),
			"Overflow":     enc.EncodeToString([]byte("score:" + strings.Repeat("z", 20) + ":" + someID.String())),
			"Empty":        "",
			"Huge":         strings.Repeat("A", 1<<12),
			"Padded":       relay.ScoreCursor{Score: 1, ID: someID}.String() + "=",
			"NegativeBits": enc.EncodeToString([]byte("score:-1:" + someID.String())),
		} {
			if c, ok := relay.ParseScoreCursor(s); ok {
				t.Errorf("%s: ParseScoreCursor(%q) = %+v, true", name, s, c)
			}
		}
	})
}

func TestParseWindow(t *testing.T) {
	one, two, zero, big := 1, 2, 0, 101
	c := relay.Cursor{Time: time.Unix(1700000000, 0), ID: someID}
	cs := c.String()
	junk := "junk"
	t.Run("ErrNeither", func(t *testing.T) {
		_, err := relay.ParsePage(relay.Args{After: &cs}, 100)
		wantInputError(t, err, "first", facestat.ReasonRequired)
	})
	t.Run("ErrBoth", func(t *testing.T) {
		_, err := relay.ParsePage(relay.Args{First: &one, Last: &one}, 100)
		wantInputError(t, err, "last", facestat.ReasonExclusive)
	})
	t.Run("ErrLastOutOfRange", func(t *testing.T) {
		for _, n := range []*int{&zero, &big} {
			_, err := relay.ParsePage(relay.Args{Last: n, Before: &cs}, 100)
			wantInputError(t, err, "last", facestat.ReasonOutOfRange)
		}
	})
	t.Run("ErrBadBefore", func(t *testing.T) {
		_, err := relay.ParsePage(relay.Args{Last: &one, Before: &junk}, 100)
		wantInputError(t, err, "before", facestat.ReasonInvalid)
		_, err = relay.ParsePage(relay.Args{First: &one, After: &cs, Before: &junk}, 100)
		wantInputError(t, err, "before", facestat.ReasonInvalid)
	})
	t.Run("OKBackward", func(t *testing.T) {
		w, err := relay.ParsePage(relay.Args{Last: &two, Before: &cs}, 100)
		if err != nil || w.N != 2 || !w.Backward || w.After != nil || w.Before == nil || !w.Before.Time.Equal(c.Time) || w.Before.ID != c.ID {
			t.Errorf("ParsePage(last 2 before) = %+v, %v", w, err)
		}
	})
	t.Run("OKCombined", func(t *testing.T) {
		// The spec allows both cursors, and after with last.
		w, err := relay.ParsePage(relay.Args{Last: &two, After: &cs, Before: &cs}, 100)
		if err != nil || !w.Backward || w.After == nil || w.Before == nil {
			t.Errorf("ParsePage(last after before) = %+v, %v", w, err)
		}
	})
}

func TestCut(t *testing.T) {
	fwd := relay.Window[int]{N: 2}
	back := relay.Window[int]{N: 2, Backward: true}
	for _, c := range []struct {
		name string
		w    relay.Window[int]
		in   []int
		out  []int
		info relay.Info
	}{
		{"ForwardMore", fwd, []int{1, 2, 3}, []int{1, 2}, relay.Info{HasNext: true}},
		{"ForwardEnd", fwd, []int{1, 2}, []int{1, 2}, relay.Info{}},
		{"BackwardMore", back, []int{9, 8, 7}, []int{8, 9}, relay.Info{HasPrevious: true}},
		{"BackwardEnd", back, []int{9}, []int{9}, relay.Info{}},
		{"Empty", back, nil, nil, relay.Info{}},
	} {
		got, info := relay.Cut(c.w, c.in)
		if !slices.Equal(got, c.out) || info != c.info {
			t.Errorf("%s: Cut = %v %+v, want %v %+v", c.name, got, info, c.out, c.info)
		}
	}
}

func TestSlice(t *testing.T) {
	list := []int{10, 20, 30, 40, 50}
	cmp := func(x, c int) int { return x - c }
	p := func(n int) *int { return &n }
	for _, c := range []struct {
		name       string
		w          relay.Window[int]
		start, end int
		info       relay.Info
	}{
		{"First", relay.Window[int]{N: 2}, 0, 2, relay.Info{HasNext: true}},
		{"After", relay.Window[int]{N: 2, After: p(20)}, 2, 4, relay.Info{HasNext: true}},
		{"AfterGone", relay.Window[int]{N: 2, After: p(25)}, 2, 4, relay.Info{HasNext: true}},
		{"AfterToEnd", relay.Window[int]{N: 5, After: p(30)}, 3, 5, relay.Info{}},
		{"Last", relay.Window[int]{N: 2, Backward: true}, 3, 5, relay.Info{HasPrevious: true}},
		{"LastBefore", relay.Window[int]{N: 2, Backward: true, Before: p(40)}, 1, 3, relay.Info{HasPrevious: true}},
		{"LastBeforeToStart", relay.Window[int]{N: 3, Backward: true, Before: p(30)}, 0, 2, relay.Info{}},
		{"Between", relay.Window[int]{N: 5, After: p(10), Before: p(50)}, 1, 4, relay.Info{}},
		{"Crossed", relay.Window[int]{N: 5, After: p(40), Before: p(20)}, 4, 4, relay.Info{}},
		{"PastEnd", relay.Window[int]{N: 5, After: p(99)}, 5, 5, relay.Info{}},
	} {
		start, end, info := relay.Slice(list, c.w, cmp)
		if start != c.start || end != c.end || info != c.info {
			t.Errorf("%s: Slice = %d:%d %+v, want %d:%d %+v", c.name, start, end, info, c.start, c.end, c.info)
		}
	}
}

// FuzzParseID checks that no input makes ParseID panic, and that every id
// it accepts names a uuid that ID encodes back to an id it parses alike.
func FuzzParseID(f *testing.F) {
	f.Add(relay.ID("Photo", someID))
	f.Add(relay.ID("", uuid.Nil))
	f.Add("")
	f.Add("!!!")
	f.Add(enc.EncodeToString([]byte("Photo:{" + someID.String() + "}")))
	f.Fuzz(func(t *testing.T, gid string) {
		typ, id, ok := relay.ParseID(gid)
		if !ok {
			return
		}
		typ2, id2, ok2 := relay.ParseID(relay.ID(typ, id))
		if !ok2 || typ2 != typ || id2 != id {
			t.Fatalf("ParseID(%q) = %q, %s; re-encoded it parses as %q, %s, %v", gid, typ, id, typ2, id2, ok2)
		}
		if _, err := relay.ParseTypedID(gid, typ, "id"); err != nil {
			t.Fatalf("ParseTypedID(%q, %q) = %v after ParseID accepted it", gid, typ, err)
		}
	})
}
