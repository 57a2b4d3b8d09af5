package integration_test

import (
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/relay"
)

// TestHostileRelayArguments sends every connection the paging arguments a
// hostile or careless client can make: neither or both of first and last,
// out-of-range sizes, and junk, foreign or former cursors as `after` and
// `before`, in either direction. Each is BAD_USER_INPUT naming the argument
// with its reason (never INTERNAL), and honest paging still works.
func TestHostileRelayArguments(t *testing.T) {
	e, _ := smallWorld(t)
	mod := e.moderator(t, "mod")
	owner := e.account(t, "pager")
	var me struct {
		Viewer struct{ User struct{ ID string } }
	}
	e.gql(t, owner, `{ viewer { user { id } } }`, nil, &me)

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	someID := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	timeCursor := relay.Cursor{Time: time.Now(), ID: someID}.String()
	scoreCursor := relay.ScoreCursor{Score: 0.5, ID: someID}.String()
	logCursor := relay.IntID("moderation-log", 1)
	junk := map[string]string{
		"Junk":         "!!!not a cursor!!!",
		"Empty":        "",
		"FormerOffset": b64("offset:0"),
		"NaNScore":     b64("score:" + strconv.FormatUint(math.Float64bits(math.NaN()), 36) + ":" + someID.String()),
		"LogZero":      relay.IntID("moderation-log", 0),
		"QueueRank9":   b64("queue:9:0:" + someID.String()),
		"Huge":         strings.Repeat("A", 32<<10),
	}
	connections := []struct {
		name, token, query string
		vars               map[string]any
		foreign            []string // cursors of other lists
	}{
		{"Photos", "", `photos(%s) { pageInfo { startCursor } nodes { id } }`, nil, []string{scoreCursor, logCursor}},
		{"UserPhotos", "", `node(id: $id) { ... on User { photos(%s) { pageInfo { startCursor } nodes { id } } } }`,
			map[string]any{"id": me.Viewer.User.ID}, []string{scoreCursor}},
		{"ViewerPhotos", owner, `viewer { photos(%s) { pageInfo { startCursor } nodes { id } } }`, nil, []string{scoreCursor}},
		{"TopPhotos", "", `topPhotos(questionKey: "age", %s) { pageInfo { startCursor } nodes { id } }`, nil, []string{timeCursor, logCursor}},
		{"ModerationQueue", mod, `moderationQueue(%s) { pageInfo { startCursor } nodes { reportCount } }`, nil, []string{timeCursor, scoreCursor}},
		{"ModerationLog", mod, `moderationLog(%s) { pageInfo { startCursor } nodes { id } }`, nil, []string{timeCursor, scoreCursor}},
	}
	for _, c := range connections {
		t.Run(c.name, func(t *testing.T) {
			run := func(args string, vars map[string]any) *response { // args use every variable
				t.Helper()
				all := map[string]any{}
				for k, v := range c.vars {
					all[k] = v
				}
				for k, v := range vars {
					all[k] = v
				}
				decl := `query($first: Int, $last: Int, $after: String, $before: String`
				if _, ok := c.vars["id"]; ok {
					decl += `, $id: ID!`
				}
				q := decl + `) { ` + strings.Replace(c.query, "%s", args, 1) + ` }`
				return e.do(t, request{Token: c.token, Query: q, Vars: all})
			}
			want := func(name string, r *response, field, reason string) {
				t.Helper()
				if r.Status != http.StatusOK || r.code() != "BAD_USER_INPUT" || r.ext("field") != field || r.ext("reason") != reason {
					t.Errorf("%s: got %d %.300v; want BAD_USER_INPUT on %s, %s", name, r.Status, r.Errors, field, reason)
				}
			}
			const both = `first: $first, last: $last, after: $after, before: $before`
			want("Neither", run(both, nil), "first", "REQUIRED")
			want("NeitherWithBefore", run(both, map[string]any{"before": timeCursor}), "first", "REQUIRED")
			want("Both", run(both, map[string]any{"first": 1, "last": 1}), "last", "EXCLUSIVE")
			for _, n := range []int{0, -1, 101, 1<<31 - 1} {
				want("Last", run(both, map[string]any{"last": n}), "last", "OUT_OF_RANGE")
				want("First", run(both, map[string]any{"first": n}), "first", "OUT_OF_RANGE")
			}
			bad := withCursor(junk, "Foreign0", c.foreign[0])
			if len(c.foreign) > 1 {
				bad["Foreign1"] = c.foreign[1]
			}
			for name, cur := range bad {
				want(name+"Before", run(both, map[string]any{"last": 1, "before": cur}), "before", "INVALID")
				want(name+"BeforeWithFirst", run(both, map[string]any{"first": 1, "before": cur}), "before", "INVALID")
				want(name+"AfterWithLast", run(both, map[string]any{"last": 1, "after": cur}), "after", "INVALID")
			}
			// Honest paging backwards still works.
			r := run(both, map[string]any{"last": 1})
			if len(r.Errors) > 0 {
				t.Fatalf("last: 1: %+v", r.Errors)
			}
			var out any
			r.decode(t, &out)
			if start := findString(out, "startCursor"); start != "" {
				if r := run(both, map[string]any{"last": 1, "before": start}); len(r.Errors) > 0 {
					t.Fatalf("last: 1 before its own start cursor: %+v", r.Errors)
				}
			}
		})
	}
}
