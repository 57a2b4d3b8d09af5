package integration_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/facestat/facestat/ent/moderationentry"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/relay"
	"github.com/google/uuid"
)

// Relay connections (issue 15 point 5): every connection pages forwards
// (first/after) and backwards (last/before) with keyset cursors, on both
// backends, and PageInfo is what the Relay Cursor Connections spec says.

// pagingSettings let one account hold the photos and rank them from 3
// answers.
var pagingSettings = map[string]string{"FACESTAT_PHOTO_QUOTA": "20", "FACESTAT_MIN_VOTES": "3"}

// pageArgs are the variables every paged query below declares, its
// connection aliased as `c`.
const pageArgs = `$first: Int, $after: String, $last: Int, $before: String`

// connArgs passes pageArgs to a connection.
const connArgs = `first: $first, after: $after, last: $last, before: $before`

// connSelection selects a connection's edges (each node's id, found
// anywhere under it) and its whole PageInfo.
func connSelection(node string) string {
	return `{ edges { cursor node { ` + node + ` } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`
}

// photoSel selects a photo's id.
var photoSel = connSelection("id")

type pageInfo struct {
	HasNextPage, HasPreviousPage bool
	StartCursor, EndCursor       *string
}

type connPage struct {
	IDs, Cursors []string
	PageInfo     pageInfo
}

// pager pages one connection: query declares pageArgs and aliases the
// connection `c`; vars are its other variables.
type pager struct {
	e     *env
	token string
	query string
	vars  map[string]any
}

// page fetches one page; args are the paging variables.
func (p pager) page(t *testing.T, args map[string]any) connPage {
	t.Helper()
	vars := map[string]any{}
	for k, v := range p.vars {
		vars[k] = v
	}
	for k, v := range args {
		vars[k] = v
	}
	r := p.e.do(t, request{Token: p.token, Query: p.query, Vars: vars})
	if len(r.Errors) > 0 {
		t.Fatalf("%v: %+v", args, r.Errors)
	}
	var data any
	r.decode(t, &data)
	c, _ := findKey(data, "c").(map[string]any)
	if c == nil {
		t.Fatalf("no connection c in %s", r.Data)
	}
	var out struct {
		Edges []struct {
			Cursor string
			Node   any
		}
		PageInfo pageInfo
	}
	b, _ := json.Marshal(c)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	pg := connPage{PageInfo: out.PageInfo}
	for _, e := range out.Edges {
		pg.IDs = append(pg.IDs, findString(e.Node, "id"))
		pg.Cursors = append(pg.Cursors, e.Cursor)
	}
	return pg
}

// walk pages through the whole connection n at a time, forwards or
// backwards, checks each page's PageInfo and returns the ids in the
// list's order.
func (p pager) walk(t *testing.T, n int, backward bool) []string {
	t.Helper()
	var ids []string
	var cursor *string
	for i := 0; ; i++ {
		if i > 50 {
			t.Fatal("paging does not end")
		}
		args := map[string]any{"first": n, "after": cursor}
		if backward {
			args = map[string]any{"last": n, "before": cursor}
		}
		pg := p.page(t, args)
		checkPageInfo(t, pg, n, backward)
		if backward {
			ids = append(slices.Clone(pg.IDs), ids...)
			cursor = pg.PageInfo.StartCursor
			if !pg.PageInfo.HasPreviousPage {
				return ids
			}
		} else {
			ids = append(ids, pg.IDs...)
			cursor = pg.PageInfo.EndCursor
			if !pg.PageInfo.HasNextPage {
				return ids
			}
		}
	}
}

// checkPageInfo checks a page of at most n edges against the spec: start
// and end cursors are the first and last edges' (null on an empty page),
// the flag of the other direction is false, and a page that says more lie
// beyond is full.
func checkPageInfo(t *testing.T, pg connPage, n int, backward bool) {
	t.Helper()
	pi := pg.PageInfo
	if len(pg.IDs) > n {
		t.Fatalf("%d edges for a page of %d", len(pg.IDs), n)
	}
	if k := len(pg.Cursors); k == 0 {
		if pi.StartCursor != nil || pi.EndCursor != nil {
			t.Fatalf("empty page with cursors %+v", pi)
		}
	} else if pi.StartCursor == nil || *pi.StartCursor != pg.Cursors[0] || pi.EndCursor == nil || *pi.EndCursor != pg.Cursors[k-1] {
		t.Fatalf("pageInfo %+v does not name the page's first and last edges %v", pi, pg.Cursors)
	}
	more := pi.HasNextPage
	if backward {
		more = pi.HasPreviousPage
	}
	if (backward && pi.HasNextPage) || (!backward && pi.HasPreviousPage) {
		t.Fatalf("pageInfo %+v: the other direction's flag is set (backward %v)", pi, backward)
	}
	if more && len(pg.IDs) != n {
		t.Fatalf("a page of %d says more lie beyond but holds %d", n, len(pg.IDs))
	}
}

// checkBothWays walks p forwards and backwards, 2 and 3 at a time, and
// wants want each time.
func (p pager) checkBothWays(t *testing.T, want []string) {
	t.Helper()
	for _, n := range []int{2, 3} {
		for _, backward := range []bool{false, true} {
			if got := p.walk(t, n, backward); !slices.Equal(got, want) {
				t.Fatalf("paging %d at a time (backward %v): %v, want %v", n, backward, got, want)
			}
		}
	}
}

// findKey returns the first value under key anywhere in v.
func findKey(v any, key string) any {
	if m, ok := v.(map[string]any); ok {
		if x, ok := m[key]; ok {
			return x
		}
		for _, c := range m {
			if x := findKey(c, key); x != nil {
				return x
			}
		}
	}
	return nil
}

// uploadN uploads n photos as token (public or not), oldest first, and
// returns their ids.
func (e *env) uploadN(t *testing.T, token string, n int, public bool) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		var up struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		e.upload(t, token, "p.jpg", imagetest.JPEGWithMetadata(150+i, 150, 1, imagetest.TopLeft), public).decode(t, &up)
		ids = append(ids, up.UploadPhoto.Photo.ID)
	}
	return ids
}

// rawID is the uuid inside a global id.
func rawID(t *testing.T, gid string) uuid.UUID {
	t.Helper()
	_, id, ok := relay.ParseID(gid)
	if !ok {
		t.Fatalf("not a global id: %q", gid)
	}
	return id
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestRelayPagingPhotos pages Query.photos (both orders), User.photos and
// Viewer.photos forwards and backwards, and checks `photos(last: 2,
// before: …)` and a range bounded by both cursors.
func TestRelayPagingPhotos(t *testing.T) {
	backends(t, pagingSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "pager")
		public := e.uploadN(t, owner, 5, true)
		private := e.uploadN(t, owner, 1, false)
		other := e.uploadN(t, e.account(t, "other"), 1, true)
		newest := reversed(append(slices.Clone(public), other...))

		photos := pager{e: e, query: `query(` + pageArgs + `, $o: PhotoOrder) { c: photos(` + connArgs + `, orderBy: $o) ` + photoSel + ` }`}
		if full := photos.page(t, map[string]any{"first": 100}); !slices.Equal(full.IDs, newest) {
			t.Fatalf("photos: %v, want newest first %v", full.IDs, newest)
		}
		photos.checkBothWays(t, newest)
		asc := photos
		asc.vars = map[string]any{"o": map[string]any{"field": "CREATED_AT", "direction": "ASC"}}
		asc.checkBothWays(t, reversed(newest))

		// The "done when": photos(last: 2, before: …).
		full := photos.page(t, map[string]any{"first": 100})
		pg := photos.page(t, map[string]any{"last": 2, "before": full.Cursors[4]})
		want := pageInfo{HasPreviousPage: true, StartCursor: &full.Cursors[2], EndCursor: &full.Cursors[3]}
		if !slices.Equal(pg.IDs, newest[2:4]) || !samePageInfo(pg.PageInfo, want) {
			t.Fatalf("photos(last: 2, before: 5th) = %v %+v, want %v %+v", pg.IDs, pg.PageInfo, newest[2:4], want)
		}
		pg = photos.page(t, map[string]any{"last": 2, "before": full.Cursors[2]})
		if !slices.Equal(pg.IDs, newest[:2]) || pg.PageInfo.HasPreviousPage || pg.PageInfo.HasNextPage {
			t.Fatalf("photos(last: 2, before: 3rd) = %v %+v, want the first two and nothing before", pg.IDs, pg.PageInfo)
		}
		// Both cursors bound the range (the spec's ApplyCursorsToEdges),
		// with first or last.
		pg = photos.page(t, map[string]any{"first": 10, "after": full.Cursors[0], "before": full.Cursors[4]})
		if !slices.Equal(pg.IDs, newest[1:4]) || pg.PageInfo.HasNextPage {
			t.Fatalf("photos(first: 10, after: 1st, before: 5th) = %v %+v", pg.IDs, pg.PageInfo)
		}
		pg = photos.page(t, map[string]any{"last": 2, "after": full.Cursors[0], "before": full.Cursors[4]})
		if !slices.Equal(pg.IDs, newest[2:4]) || !pg.PageInfo.HasPreviousPage {
			t.Fatalf("photos(last: 2, after: 1st, before: 5th) = %v %+v", pg.IDs, pg.PageInfo)
		}

		var me struct {
			Viewer struct{ User struct{ ID string } }
		}
		e.gql(t, owner, `{ viewer { user { id } } }`, nil, &me)
		user := pager{e: e, query: `query(` + pageArgs + `, $id: ID!) { node(id: $id) { ...on User { c: photos(` + connArgs + `) ` + photoSel + ` } } }`,
			vars: map[string]any{"id": me.Viewer.User.ID}}
		user.checkBothWays(t, reversed(public)) // a stranger sees the public ones
		own := append(slices.Clone(public), private...)
		user.token = owner
		user.checkBothWays(t, reversed(own))
		viewer := pager{e: e, token: owner, query: `query(` + pageArgs + `) { viewer { c: photos(` + connArgs + `) ` + photoSel + ` } }`}
		viewer.checkBothWays(t, reversed(own))
	})
}

func samePageInfo(a, b pageInfo) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.HasNextPage == b.HasNextPage && a.HasPreviousPage == b.HasPreviousPage && eq(a.StartCursor, b.StartCursor) && eq(a.EndCursor, b.EndCursor)
}

// TestRelayPagingTopPhotos pages a top list both ways, then recomputes
// the ranking between two pages (the first page's best photo went
// private): the second page goes on right after the first page's last
// photo, as a position and not an offset would have it.
func TestRelayPagingTopPhotos(t *testing.T) {
	backends(t, pagingSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "ranked")
		ids := e.uploadN(t, owner, 6, true)
		for i, id := range ids {
			for j := 0; j < 3; j++ {
				e.gql(t, e.anonymous(t), `mutation($id: ID!, $a: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $a}) { photo { id } } }`,
					map[string]any{"id": id, "a": []map[string]any{{"questionKey": "age", "number": 20 + 7*i + j}}}, &struct{}{})
			}
		}
		if err := e.App.Judging.Standings.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		top := pager{e: e, query: `query(` + pageArgs + `) { c: topPhotos(questionKey: "age", ` + connArgs + `) ` + photoSel + ` }`}
		full := top.page(t, map[string]any{"first": 100})
		if len(full.IDs) != len(ids) {
			t.Fatalf("top list %v, want all %d photos", full.IDs, len(ids))
		}
		top.checkBothWays(t, full.IDs)

		first := top.page(t, map[string]any{"first": 2})
		// The ranking is recomputed: the best photo is no longer listed.
		e.gql(t, owner, `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: false}) { photo { id } } }`,
			map[string]any{"id": first.IDs[0]}, &struct{}{})
		if err := e.App.Judging.Standings.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		now := top.page(t, map[string]any{"first": 100}).IDs
		if !slices.Equal(now, full.IDs[1:]) {
			t.Fatalf("after the recomputation the ranking is %v, want %v", now, full.IDs[1:])
		}
		second := top.page(t, map[string]any{"first": 2, "after": first.PageInfo.EndCursor})
		if !slices.Equal(second.IDs, full.IDs[2:4]) || !second.PageInfo.HasNextPage {
			t.Fatalf("the page after %v across a recomputation is %v %+v, want %v (an offset would skip one)",
				first.IDs, second.IDs, second.PageInfo, full.IDs[2:4])
		}
		back := top.page(t, map[string]any{"last": 2, "before": second.PageInfo.StartCursor})
		if !slices.Equal(back.IDs, full.IDs[1:2]) || back.PageInfo.HasPreviousPage {
			t.Fatalf("paging back from %v: %v %+v, want only %v", second.IDs, back.IDs, back.PageInfo, full.IDs[1:2])
		}
		top.checkBothWays(t, now)
	})
}

// TestRelayPagingModeration pages the moderation queue (reports of every
// rank: priority, hidden, by time) and the moderation log both ways.
func TestRelayPagingModeration(t *testing.T) {
	backends(t, pagingSettings, func(t *testing.T, e *env) {
		mod := e.moderator(t, "mod")
		owner := e.account(t, "reported")
		ids := e.uploadN(t, owner, 7, true)
		base := time.Now().Add(-time.Hour).UTC()
		for i, gid := range ids {
			u := e.App.DB.Photo.UpdateOneID(rawID(t, gid)).SetReportedAt(base.Add(time.Duration(i%3) * time.Minute))
			switch i % 4 {
			case 1:
				u.SetReviewPriority(true)
			case 2:
				u.SetStatus(photo.StatusHidden)
			case 3:
				u.SetReviewPriority(true).SetStatus(photo.StatusHidden)
			}
			if err := u.Exec(t.Context()); err != nil {
				t.Fatal(err)
			}
			_, err := e.App.DB.ModerationEntry.Create().SetActorID(uuid.New()).SetAction(moderationentry.ActionRestore).
				SetPhotoID(rawID(t, gid)).SetOwnerID(uuid.New()).SetNote(fmt.Sprint(i)).Save(t.Context())
			if err != nil {
				t.Fatal(err)
			}
		}
		queue := pager{e: e, token: mod, query: `query(` + pageArgs + `) { c: moderationQueue(` + connArgs + `) ` + connSelection("photo { id }") + ` }`}
		full := queue.page(t, map[string]any{"first": 100}).IDs
		// Priority and hidden (3, 7), priority (1, 5), hidden (2, 6), the
		// rest (0, 4); by report time, then id, within each.
		rank := func(i int) int { return []int{0, 2, 1, 3}[i%4] }
		want := slices.Clone(ids)
		slices.SortStableFunc(want, func(a, b string) int {
			ia, ib := slices.Index(ids, a), slices.Index(ids, b)
			if rank(ia) != rank(ib) {
				return rank(ib) - rank(ia)
			}
			if ia%3 != ib%3 {
				return ia%3 - ib%3
			}
			ua, ub := rawID(t, a), rawID(t, b)
			return slices.Compare(ua[:], ub[:])
		})
		if !slices.Equal(full, want) {
			t.Fatalf("queue %v, want %v", full, want)
		}
		queue.checkBothWays(t, full)

		log := pager{e: e, token: mod, query: `query(` + pageArgs + `) { c: moderationLog(` + connArgs + `) ` + photoSel + ` }`}
		entries := log.page(t, map[string]any{"first": 100}).IDs
		if len(entries) != len(ids) {
			t.Fatalf("log holds %d entries, want %d", len(entries), len(ids))
		}
		log.checkBothWays(t, entries)
	})
}
