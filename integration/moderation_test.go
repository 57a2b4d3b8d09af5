package integration_test

import (
	"bytes"
	"context"
	stdsql "database/sql"
	"errors"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/bannedemail"
	entphoto "github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/internal/testenv"
	"github.com/facestat/facestat/photos"
)

// Reports and moderation (issue 14's "Done when", docs/MODERATION.md)
// end to end: reports from the addresses the tests choose (a trusted
// proxy's X-Forwarded-For), through GraphQL, on both backends.

// moderationSettings trust the loopback proxy, make a result stable at 3
// answers (so that a reported photo is in the top list) and lift the
// report limits (hostile_moderation_test.go tests them).
var moderationSettings = withSettings(modelSettings, map[string]string{
	"FACESTAT_MIN_VOTES":        "3",
	"FACESTAT_RATE_REPORT":      "100000/1m",
	"FACESTAT_RATE_REPORT_IP":   "100000/1m",
	"FACESTAT_WS_SESSION_CHECK": "200ms",
})

// modWorld is an instance with five public filler photos, which judges
// rate to become established (five photos judged).
type modWorld struct {
	*env
	fillers []string
}

func newModWorld(t *testing.T, e *env) *modWorld {
	t.Helper()
	return &modWorld{env: e, fillers: e.uploadFrom(t, e.account(t, "filler"), network(900), 5, 150)}
}

// established starts an anonymous judge from ip that rates the five
// fillers: an established judge.
func (w *modWorld) established(t *testing.T, ip string) string {
	t.Helper()
	token := w.judgeFrom(t, ip)
	for i, f := range w.fillers {
		w.rate(t, token, ip, f, 3+i)
	}
	return token
}

const reportMutation = `mutation($id: ID!, $r: ReportReason!, $n: String) {
	reportPhoto(input: {photoId: $id, reason: $r, note: $n}) { photoId next { id } } }`

// report sends reportPhoto as token from ip.
func (e *env) report(t *testing.T, token, ip, photo, reason, note string) *response {
	t.Helper()
	vars := map[string]any{"id": photo, "r": reason}
	if note != "" {
		vars["n"] = note
	}
	return e.do(t, request{Token: token, Header: from(ip), Query: reportMutation, Vars: vars})
}

// reported is report that must succeed.
func (e *env) reported(t *testing.T, token, ip, photo, reason string) {
	t.Helper()
	if r := e.report(t, token, ip, photo, reason, ""); len(r.Errors) > 0 {
		t.Fatalf("reportPhoto: %+v", r.Errors)
	}
}

// moderator signs up an account and makes it a moderator (in the
// database, as `facestat grant moderator` does; the role hook drops its
// cached session).
func (e *env) moderator(t *testing.T, handle string) string {
	t.Helper()
	token := e.account(t, handle)
	if err := e.App.DB.User.Update().Where(user.Handle(handle)).SetRole(user.RoleModerator).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	return token
}

// strangerSees says where a stranger (no session, or a fresh anonymous
// judge for nextPhoto) finds photo: by id, in the photos list, in the top
// list (standings refreshed first), from nextPhoto (skipping skip).
type strangerSees struct{ ByID, Listed, Top, Next bool }

func (e *env) strangerSees(t *testing.T, photo string, skip []string) strangerSees {
	t.Helper()
	var s strangerSees
	var byID struct{ Photo *struct{ ID string } }
	e.gql(t, "", `query($id: ID!) { photo(id: $id) { id } }`, map[string]any{"id": photo}, &byID)
	s.ByID = byID.Photo != nil
	var list struct {
		Photos struct{ Nodes []struct{ ID string } }
	}
	e.gql(t, "", `{ photos(first: 100) { nodes { id } } }`, nil, &list)
	for _, n := range list.Photos.Nodes {
		s.Listed = s.Listed || n.ID == photo
	}
	if err := e.App.Judging.Standings.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Top = slices.Contains(e.topOrder(t), photo)
	var next struct{ NextPhoto *struct{ ID string } }
	e.gql(t, e.anonymous(t), `query($skip: [ID!]) { nextPhoto(skip: $skip) { id } }`, map[string]any{"skip": skip}, &next)
	s.Next = next.NextPhoto != nil && next.NextPhoto.ID == photo
	return s
}

// moderationState reads photo's moderationState as token (null photo: "").
func (e *env) moderationState(t *testing.T, token, photo string) string {
	t.Helper()
	var out struct {
		Photo *struct{ ModerationState string }
	}
	e.gql(t, token, `query($id: ID!) { photo(id: $id) { moderationState } }`, map[string]any{"id": photo}, &out)
	if out.Photo == nil {
		return ""
	}
	return out.Photo.ModerationState
}

type queueItem struct {
	Photo           struct{ ID string }
	ModerationState string
	ReportCount     int
	CountedReports  int
	ReportedAt      time.Time
	Reports         []struct {
		ID       string
		Reason   string
		Note     *string
		Counted  bool
		Reporter *struct{ Handle string }
	}
}

const queueQuery = `query($after: String) { moderationQueue(first: 50, after: $after) { nodes { photo { id } moderationState
	reportCount countedReports reportedAt reports { id reason note counted reporter { handle } } } pageInfo { hasNextPage endCursor } } }`

func (e *env) queue(t *testing.T, token string) []queueItem {
	t.Helper()
	var out struct{ ModerationQueue struct{ Nodes []queueItem } }
	e.gql(t, token, queueQuery, nil, &out)
	return out.ModerationQueue.Nodes
}

type logEntry struct {
	ID, Actor, Action, PhotoID, OwnerID string
	Note                                *string
	CreatedAt                           time.Time
}

func (e *env) moderationLog(t *testing.T, token string) []logEntry {
	t.Helper()
	var out struct{ ModerationLog struct{ Nodes []logEntry } }
	e.gql(t, token, `{ moderationLog(first: 50) { nodes { id actor action photoId ownerId note createdAt } } }`, nil, &out)
	return out.ModerationLog.Nodes
}

const moderateMutation = `mutation($id: ID!, $a: ModerationAction!, $n: String) {
	moderatePhoto(input: {photoId: $id, action: $a, note: $n}) { entry { id actor action note createdAt } photo { id moderationState } } }`

func (e *env) moderate(t *testing.T, token, photo, action, note string) *response {
	t.Helper()
	return e.do(t, request{Token: token, Query: moderateMutation, Vars: map[string]any{"id": photo, "a": action, "n": note}})
}

// TestModerationHides: three counted reports (established judges who
// voted on the photo, from three networks) hide a public photo from
// strangers everywhere (photo(id), the photos list, the top list,
// nextPhoto) and end a stranger's live subscription, while its owner
// still sees it, UNDER_REVIEW; a moderator restores it from the queue and
// the log says who did it and when.
func TestModerationHides(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		w := newModWorld(t, e)
		owner := e.account(t, "owner")
		photo := e.uploadFrom(t, owner, network(800), 1, 160)[0]
		judges := make([]string, 3)
		for i := range judges {
			judges[i] = w.established(t, network(10+i))
			e.rate(t, judges[i], network(10+i), photo, 6)
		}
		if got := e.strangerSees(t, photo, w.fillers); got != (strangerSees{true, true, true, true}) {
			t.Fatalf("before any report a stranger sees %+v, want it everywhere", got)
		}
		// A stranger watches the photo's results.
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init(e.account(t, "watcher"))
		ws.subscribe("s", photoStatsSubscription, map[string]any{"id": photo})
		ws.nextStats("s", 10*time.Second)

		before := e.ownImageURL(t, owner, photo)
		e.reported(t, judges[0], network(10), photo, "SPAM")
		e.reported(t, judges[1], network(11), photo, "HARASSMENT")
		if got := e.strangerSees(t, photo, w.fillers); got != (strangerSees{true, true, true, true}) {
			t.Fatalf("after two counted reports a stranger sees %+v, want it everywhere", got)
		}
		start := time.Now()
		e.reported(t, judges[2], network(12), photo, "OTHER")
		if got := e.strangerSees(t, photo, w.fillers); got != (strangerSees{}) {
			t.Fatalf("after three counted reports a stranger sees %+v, want it nowhere", got)
		}
		if m := ws.next(10 * time.Second); m.Type != "complete" || m.ID != "s" {
			t.Fatalf("the stranger's subscription got %s %s after the photo was hidden, want complete", m.Type, m.Payload)
		}
		if got := e.moderationState(t, owner, photo); got != "UNDER_REVIEW" {
			t.Fatalf("the owner sees the hidden photo as %q, want UNDER_REVIEW", got)
		}
		// Hiding moved its images: the public URL handed out before stops
		// working, the owner's new one is signed, under the hidden prefix.
		hiddenURL := e.ownImageURL(t, owner, photo)
		imageAnswers(t, before, http.StatusNotFound)
		if !strings.Contains(hiddenURL, "/images/private/hidden/") {
			t.Fatalf("the hidden photo's image is at %s, want under private/hidden/", hiddenURL)
		}
		imageAnswers(t, hiddenURL, http.StatusOK)
		// A judge who voted on it may no longer see it either.
		if got := e.moderationState(t, judges[0], photo); got != "" {
			t.Fatalf("a judge who voted sees the hidden photo (%q)", got)
		}

		mod := e.moderator(t, "mod")
		q := e.queue(t, mod)
		if len(q) != 1 || q[0].Photo.ID != photo || q[0].ModerationState != "UNDER_REVIEW" ||
			q[0].ReportCount != 3 || q[0].CountedReports != 3 || len(q[0].Reports) != 3 {
			t.Fatalf("queue: %+v", q)
		}
		if r := q[0].Reports; r[0].Reason != "OTHER" || r[2].Reason != "SPAM" || !r[0].Counted || r[0].Reporter != nil {
			t.Fatalf("reports, newest first, counted, anonymous reporters: %+v", r)
		}
		var restored struct {
			ModeratePhoto struct {
				Entry struct{ Actor, Action string }
				Photo struct{ ID, ModerationState string }
			}
		}
		e.moderate(t, mod, photo, "RESTORE", "looks fine").decode(t, &restored)
		if restored.ModeratePhoto.Photo.ModerationState != "VISIBLE" || restored.ModeratePhoto.Entry.Actor != "mod" {
			t.Fatalf("restore answered %+v", restored)
		}
		if got := e.strangerSees(t, photo, w.fillers); got != (strangerSees{true, true, true, true}) {
			t.Fatalf("after the restore a stranger sees %+v, want it everywhere", got)
		}
		imageAnswers(t, hiddenURL, http.StatusNotFound)
		if after := e.ownImageURL(t, owner, photo); strings.Contains(after, "/private/") || after == before {
			t.Fatalf("the restored public photo's image is at %s, want a new public key (before hiding: %s)", after, before)
		} else {
			imageAnswers(t, after, http.StatusOK)
		}
		if q := e.queue(t, mod); len(q) != 0 {
			t.Fatalf("the restored photo is still queued: %+v", q)
		}
		log := e.moderationLog(t, mod)
		if len(log) != 1 || log[0].Actor != "mod" || log[0].Action != "RESTORE" || log[0].PhotoID != photo ||
			log[0].Note == nil || *log[0].Note != "looks fine" || log[0].CreatedAt.Before(start.Add(-time.Second)) ||
			log[0].CreatedAt.After(time.Now().Add(time.Second)) {
			t.Fatalf("log: %+v", log)
		}
		// The restored reports no longer count: a fourth report from a
		// fresh network is one counted report, not a hiding fourth.
		e.reported(t, w.established(t, network(13)), network(13), photo, "SPAM")
		if q := e.queue(t, mod); len(q) != 1 || q[0].CountedReports != 1 || q[0].ModerationState != "VISIBLE" || q[0].ReportCount != 1 {
			t.Fatalf("after a restore and one more report: %+v", q)
		}
	})
}

// ownImageURL is photo's imageUrl as the token's viewer gets it.
func (e *env) ownImageURL(t *testing.T, token, photo string) string {
	t.Helper()
	var out struct{ Photo *struct{ ImageURL string } }
	e.gql(t, token, `query($id: ID!) { photo(id: $id) { imageUrl } }`, map[string]any{"id": photo}, &out)
	if out.Photo == nil {
		t.Fatalf("photo %s is not visible to the token", photo)
	}
	return out.Photo.ImageURL
}

// imageAnswers checks that fetching url answers status.
func imageAnswers(t *testing.T, url string, status int) {
	t.Helper()
	if res, _ := get(t, url); res.StatusCode != status {
		t.Fatalf("GET %s answered %d, want %d", url, res.StatusCode, status)
	}
}

// TestModerationReportsThatDoNotCount: three reports from one /24, three
// from established judges who were never shown the (private) photo, and
// three from judges who are not established, do not hide a photo. A
// counted MINOR report of a photo nextPhoto served hides it at once and
// puts it at the top of the queue.
func TestModerationReportsThatDoNotCount(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		w := newModWorld(t, e)
		owner := e.account(t, "owner")
		ids := e.uploadFrom(t, owner, network(800), 3, 160)
		oneNet, unseen, fresh := ids[0], ids[1], ids[2]
		setPublic(t, e, owner, unseen, false)
		mod := e.moderator(t, "mod")
		counted := func(photo string) (int, string) {
			for _, it := range e.queue(t, mod) {
				if it.Photo.ID == photo {
					return it.CountedReports, it.ModerationState
				}
			}
			return -1, ""
		}

		// One /24: the first report counts, the others share its network.
		for i := range 3 {
			ip := nthIP(20*256 + 1 + i)
			e.reported(t, w.established(t, ip), ip, oneNet, "SPAM")
		}
		if n, state := counted(oneNet); n != 1 || state != "VISIBLE" {
			t.Fatalf("three reports from one /24: %d counted, %s", n, state)
		}
		// Never shown: private, neither served to them nor voted on.
		for i := range 3 {
			e.reported(t, w.established(t, network(30+i)), network(30+i), unseen, "NUDITY")
		}
		if n, state := counted(unseen); n != 0 || state != "VISIBLE" {
			t.Fatalf("three reports from judges never shown the photo: %d counted, %s", n, state)
		}
		// Not established: fresh sessions, four photos judged.
		for i := range 3 {
			ip := network(40 + i)
			judge := e.judgeFrom(t, ip)
			for _, f := range w.fillers[:4] {
				e.rate(t, judge, ip, f, 5)
			}
			e.reported(t, judge, ip, fresh, "SPAM")
		}
		if n, state := counted(fresh); n != 0 || state != "VISIBLE" {
			t.Fatalf("three reports from judges not established: %d counted, %s", n, state)
		}
		for _, p := range ids {
			if got := e.strangerSees(t, p, append(slices.Clone(w.fillers), ids...)); !got.ByID && p != unseen {
				t.Fatalf("photo %s was hidden by reports that do not count", p)
			}
		}

		// Served by nextPhoto (private: only serving shows it), then a
		// MINOR report: hidden at once, first in the queue.
		minor := e.uploadFrom(t, owner, network(800), 1, 170)[0]
		setPublic(t, e, owner, minor, false)
		ip := network(50)
		judge := w.established(t, ip)
		var next struct{ NextPhoto *struct{ ID string } }
		skip := append(slices.Clone(ids), w.fillers...)
		e.do(t, request{Token: judge, Header: from(ip), Query: `query($s: [ID!]) { nextPhoto(skip: $s) { id } }`,
			Vars: map[string]any{"s": skip}}).decode(t, &next)
		if next.NextPhoto == nil || next.NextPhoto.ID != minor {
			t.Fatalf("nextPhoto served %+v, want the new photo", next.NextPhoto)
		}
		e.App.Servings.Flush(t.Context())
		e.reported(t, judge, ip, minor, "MINOR")
		if got := e.moderationState(t, owner, minor); got != "UNDER_REVIEW" {
			t.Fatalf("after a counted MINOR report the owner sees %q", got)
		}
		q := e.queue(t, mod)
		if len(q) != 4 || q[0].Photo.ID != minor || q[0].CountedReports != 1 {
			t.Fatalf("the MINOR report's photo does not top the queue: %+v", q)
		}
		// Page by page, the queue is the same list.
		var paged []string
		var after *string
		for range 5 {
			var out struct {
				ModerationQueue struct {
					Nodes    []queueItem
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
			e.gql(t, mod, `query($after: String) { moderationQueue(first: 1, after: $after) { nodes { photo { id } } pageInfo { hasNextPage endCursor } } }`,
				map[string]any{"after": after}, &out)
			for _, n := range out.ModerationQueue.Nodes {
				paged = append(paged, n.Photo.ID)
			}
			if !out.ModerationQueue.PageInfo.HasNextPage {
				break
			}
			after = out.ModerationQueue.PageInfo.EndCursor
		}
		var whole []string
		for _, it := range q {
			whole = append(whole, it.Photo.ID)
		}
		if !slices.Equal(paged, whole) {
			t.Fatalf("paged queue %v, whole %v", paged, whole)
		}
	})
}

// setPublic sets a photo's visibility as its owner.
func setPublic(t *testing.T, e *env, owner, photo string, public bool) {
	t.Helper()
	e.gql(t, owner, `mutation($id: ID!, $p: Boolean!) { setPhotoVisibility(input: {photoId: $id, public: $p}) { photo { id } } }`,
		map[string]any{"id": photo, "p": public}, &struct{}{})
}

// TestModerationRemoveAndBan: REMOVE deletes a photo as deletePhoto does
// (its image 404s); BAN_OWNER removes every photo of the owner, ends their
// sessions, refuses their sign-in (FORBIDDEN, BANNED) and their e-mail's
// sign-up (BAD_USER_INPUT, BANNED); both are logged, newest first.
func TestModerationRemoveAndBan(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		mod := e.moderator(t, "mod")
		owner := e.account(t, "owner")
		removed := e.uploadFrom(t, owner, network(800), 1, 160)[0]
		var img struct{ Photo struct{ ImageURL string } }
		e.gql(t, owner, `query($id: ID!) { photo(id: $id) { imageUrl } }`, map[string]any{"id": removed}, &img)
		if res, _ := get(t, img.Photo.ImageURL); res.StatusCode != http.StatusOK {
			t.Fatalf("image before removal: %d", res.StatusCode)
		}
		if r := e.moderate(t, mod, removed, "REMOVE", ""); len(r.Errors) > 0 {
			t.Fatalf("REMOVE: %+v", r.Errors)
		}
		if got := e.moderationState(t, owner, removed); got != "" {
			t.Fatal("the removed photo is still there for its owner")
		}
		if res, _ := get(t, img.Photo.ImageURL); res.StatusCode != http.StatusNotFound {
			t.Fatalf("image after removal: %d, want 404", res.StatusCode)
		}

		banned := e.account(t, "banned")
		var in struct{ SignIn struct{ Token string } }
		e.gql(t, "", `mutation { signIn(input: {email: "banned@example.com", password: "correct horse battery"}) { token } }`, nil, &in)
		theirs := e.uploadFrom(t, banned, network(801), 2, 160)
		if r := e.moderate(t, mod, theirs[0], "BAN_OWNER", "spam account"); len(r.Errors) > 0 {
			t.Fatalf("BAN_OWNER: %+v", r.Errors)
		}
		for _, p := range theirs {
			if got := e.moderationState(t, mod, p); got != "" {
				t.Fatalf("photo %s of the banned owner is still there", p)
			}
		}
		for i, token := range []string{banned, in.SignIn.Token} {
			if r := e.do(t, request{Token: token, Query: `{ viewer { id } }`}); r.code() != "UNAUTHENTICATED" {
				t.Fatalf("session %d of the banned account: %s %+v", i, r.code(), r.Errors)
			}
		}
		r := e.do(t, request{Query: `mutation { signIn(input: {email: "banned@example.com", password: "correct horse battery"}) { token } }`})
		if r.code() != "FORBIDDEN" || r.ext("reason") != "BANNED" {
			t.Fatalf("signIn of the banned account: %+v", r.Errors)
		}
		r = e.do(t, request{Query: `mutation { signUp(input: {handle: "again", email: " Banned@Example.com", password: "correct horse battery"}) { token } }`})
		if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "BANNED" || r.ext("field") != "input.email" {
			t.Fatalf("signUp with the banned e-mail: %+v", r.Errors)
		}
		if n, err := e.App.DB.BannedEmail.Query().Where(bannedemail.EmailHash(identity.EmailHash("banned@example.com"))).Count(t.Context()); err != nil || n != 1 {
			t.Fatalf("banned_emails rows for the address: %d, %v", n, err)
		}
		log := e.moderationLog(t, mod)
		if len(log) != 2 || log[0].Action != "BAN_OWNER" || log[1].Action != "REMOVE" || log[0].PhotoID != theirs[0] {
			t.Fatalf("log: %+v", log)
		}
		var page struct {
			ModerationLog struct {
				Nodes    []logEntry
				PageInfo struct{ EndCursor string }
			}
		}
		const logPage = `query($after: String) { moderationLog(first: 1, after: $after) { nodes { id action } pageInfo { endCursor } } }`
		e.gql(t, mod, logPage, map[string]any{"after": nil}, &page)
		e.gql(t, mod, logPage, map[string]any{"after": page.ModerationLog.PageInfo.EndCursor}, &page)
		if len(page.ModerationLog.Nodes) != 1 || page.ModerationLog.Nodes[0].ID != log[1].ID {
			t.Fatalf("the log's second page: %+v", page)
		}

		// Non-moderators: FORBIDDEN on the queue, the log and moderatePhoto.
		for _, q := range []string{`{ moderationQueue(first: 5) { nodes { reportCount } } }`, `{ moderationLog(first: 5) { nodes { id } } }`} {
			if r := e.do(t, request{Token: owner, Query: q}); r.code() != "FORBIDDEN" {
				t.Fatalf("%s as a user: %+v", q, r.Errors)
			}
		}
		if r := e.moderate(t, owner, removed, "REMOVE", ""); r.code() != "FORBIDDEN" {
			t.Fatalf("moderatePhoto as a user: %+v", r.Errors)
		}
	})
}

// TestModerationLogAppendOnly: the log's rows cannot be deleted, nor any
// column changed but the three a tombstone replaces: through ent on both
// backends (a hook refuses deletes; the schema has no setter for the other
// columns), and on PostgreSQL through plain SQL too (a trigger).
func TestModerationLogAppendOnly(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		mod := e.moderator(t, "mod")
		photo := e.uploadFrom(t, e.account(t, "owner"), network(800), 1, 160)[0]
		if r := e.moderate(t, mod, photo, "RESTORE", "fine"); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		ctx := t.Context()
		db := e.App.DB
		if _, err := db.ModerationEntry.Delete().Exec(ctx); err == nil {
			t.Fatal("ent deleted log entries")
		}
		if err := db.ModerationEntry.Update().ClearActorHandle().Exec(ctx); err != nil {
			t.Fatalf("tombstoning the actor: %v", err)
		}
		if got := e.moderationLog(t, mod); len(got) != 1 || !strings.HasPrefix(got[0].Actor, "deleted-") || len(got[0].Actor) != len("deleted-")+8 {
			t.Fatalf("a tombstoned actor shows as %+v", got)
		}
		if db.Dialect != dialect.Postgres {
			return
		}
		for _, stmt := range []string{"DELETE FROM moderation_entries", "UPDATE moderation_entries SET note = 'x'",
			"UPDATE moderation_entries SET action = 'remove'", "TRUNCATE moderation_entries"} {
			if _, err := db.SQL.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if _, err := db.SQL.ExecContext(ctx, "UPDATE moderation_entries SET actor_handle = NULL, actor_id = gen_random_uuid(), owner_id = gen_random_uuid()"); err != nil {
			t.Fatalf("tombstoning through SQL: %v", err)
		}
	})
}

// TestModerationConsent: an owner confirms the consent of a photo
// uploaded without it (all three or CONSENT_REQUIRED); only the owner and
// moderators read it.
func TestModerationConsent(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "owner")
		photo := e.uploadFrom(t, owner, network(800), 1, 160)[0]
		const consentQuery = `query($id: ID!) { photo(id: $id) { consent { showsMe adult acceptsJudging givenAt } } }`
		type consent struct {
			ShowsMe, Adult, AcceptsJudging bool
			GivenAt                        time.Time
		}
		read := func(token string) *consent {
			var out struct{ Photo *struct{ Consent *consent } }
			e.gql(t, token, consentQuery, map[string]any{"id": photo}, &out)
			if out.Photo == nil {
				t.Fatal("photo not found")
			}
			return out.Photo.Consent
		}
		if c := read(owner); c != nil {
			t.Fatalf("consent before any was given: %+v", c)
		}
		const confirm = `mutation($id: ID!, $c: UploadConsentInput!) { confirmPhotoConsent(input: {photoId: $id, consent: $c}) { photo { consent { givenAt } } } }`
		r := e.do(t, request{Token: owner, Query: confirm, Vars: map[string]any{"id": photo, "c": map[string]any{"showsMe": true, "adult": false, "acceptsJudging": true}}})
		if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "CONSENT_REQUIRED" {
			t.Fatalf("incomplete consent: %+v", r.Errors)
		}
		all := map[string]any{"showsMe": true, "adult": true, "acceptsJudging": true}
		stranger := e.account(t, "stranger")
		if r := e.do(t, request{Token: stranger, Query: confirm, Vars: map[string]any{"id": photo, "c": all}}); r.code() != "FORBIDDEN" {
			t.Fatalf("a stranger confirming: %+v", r.Errors)
		}
		read(owner) // cached now: the confirmation must drop it
		e.do(t, request{Token: owner, Query: confirm, Vars: map[string]any{"id": photo, "c": all}}).decode(t, &struct{}{})
		c := read(owner)
		if c == nil || !c.ShowsMe || !c.Adult || !c.AcceptsJudging || time.Since(c.GivenAt) > time.Minute {
			t.Fatalf("consent after confirming: %+v", c)
		}
		if c := read(stranger); c != nil {
			t.Fatalf("a stranger reads the consent: %+v", c)
		}
		if c := read(e.moderator(t, "mod")); c == nil {
			t.Fatal("a moderator cannot read the consent")
		}
	})
}

// TestModerationGrantCommand: `facestat grant moderator HANDLE` and
// `facestat revoke moderator HANDLE`, run as the built binary against a
// running instance's database, change what the account may do.
func TestModerationGrantCommand(t *testing.T) {
	testenv.SkipIfShort(t, "a build of the binary")
	bin := facestatBinary(t)
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		e.account(t, "helper")
		facestat := func(args ...string) (string, error) {
			cmd := exec.Command(bin, args...)
			cmd.Env = []string{"FACESTAT_DATABASE_URL=" + e.App.Config.DatabaseURL, "FACESTAT_DATA_DIR=" + e.DataDir, "FACESTAT_LOG_LEVEL=warn"}
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		signIn := func() string {
			var in struct{ SignIn struct{ Token string } }
			e.gql(t, "", `mutation { signIn(input: {email: "helper@example.com", password: "correct horse battery"}) { token } }`, nil, &in)
			return in.SignIn.Token
		}
		queueCode := func() string {
			return e.do(t, request{Token: signIn(), Query: `{ moderationQueue(first: 5) { nodes { reportCount } } }`}).code()
		}
		if c := queueCode(); c != "FORBIDDEN" {
			t.Fatalf("before the grant: %q", c)
		}
		if out, err := facestat("grant", "moderator", "helper"); err != nil || !strings.Contains(out, "helper is now a moderator") {
			t.Fatalf("grant: %v\n%s", err, out)
		}
		if c := queueCode(); c != "" {
			t.Fatalf("after the grant: %q", c)
		}
		if out, err := facestat("revoke", "moderator", "helper"); err != nil || !strings.Contains(out, "helper is now a user") {
			t.Fatalf("revoke: %v\n%s", err, out)
		}
		if c := queueCode(); c != "FORBIDDEN" {
			t.Fatalf("after the revoke: %q", c)
		}
		if out, err := facestat("grant", "moderator", "nobody_here"); err == nil || !strings.Contains(out, "no account") {
			t.Fatalf("grant to an unknown handle: %v\n%s", err, out)
		}
	})
}

// stmtLog records the statements of the request tagged tag.
type stmtLog struct {
	mu   sync.Mutex
	tag  string
	seen []string
}

type loggingDriver struct {
	dialect.Driver
	l *stmtLog
}

func (l *stmtLog) note(ctx context.Context, query string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tag != "" && api.RequestID(ctx) == l.tag {
		l.seen = append(l.seen, query)
	}
}

func (l *stmtLog) start(tag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tag, l.seen = tag, nil
}

func (l *stmtLog) statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

func (d loggingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.l.note(ctx, query)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d loggingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.l.note(ctx, query)
	return d.Driver.Query(ctx, query, args, v)
}

// ExecContext and QueryContext pass raw statements (the pick's) on.
func (d loggingDriver) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	d.l.note(ctx, query)
	return dbtest.ExecContext(ctx, d.Driver, query, args...)
}

func (d loggingDriver) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	d.l.note(ctx, query)
	return dbtest.QueryContext(ctx, d.Driver, query, args...)
}

func (d loggingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	d.l.note(ctx, "BEGIN")
	tx, err := d.Driver.Tx(ctx)
	return loggingTx{tx, d.l}, err
}

// loggingTx records the statements of a transaction too.
type loggingTx struct {
	dialect.Tx
	l *stmtLog
}

func (t loggingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.l.note(ctx, query)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t loggingTx) Query(ctx context.Context, query string, args, v any) error {
	t.l.note(ctx, query)
	return t.Tx.Query(ctx, query, args, v)
}

// ExecContext and QueryContext pass raw statements (the ingester's) on.
func (t loggingTx) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	t.l.note(ctx, query)
	return dbtest.ExecContext(ctx, t.Tx, query, args...)
}

func (t loggingTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	t.l.note(ctx, query)
	return dbtest.QueryContext(ctx, t.Tx, query, args...)
}

// TestModerationStatements: nextPhoto sends no statement about servings
// (they are written in the background), and reportPhoto costs a bounded
// number of statements, those of its transaction included: 11 for an
// anonymous judge's report of a public photo (the photo, the judge's row
// (2), its votes; then BEGIN, the lock, the network check, the report, the
// photo's row (an update and its read back), the skip).
func TestModerationStatements(t *testing.T) {
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var l stmtLog
			url := ""
			if backend == "PostgreSQL" {
				url = dbtest.MustCreatePGDatabase(t)
			}
			e := startEnv(t, url, moderationSettings, app.WithDriver(func(d dialect.Driver) dialect.Driver { return loggingDriver{d, &l} }))
			w := newModWorld(t, e)
			photo := e.uploadFrom(t, e.account(t, "owner"), network(800), 1, 160)[0]
			ip := network(10)
			judge := w.established(t, ip)
			l.start("next")
			var next struct{ NextPhoto *struct{ ID string } }
			e.do(t, request{Token: judge, Header: http.Header{"X-Forwarded-For": {ip}, "X-Request-Id": {"next"}},
				Query: `{ nextPhoto { id } }`}).decode(t, &next)
			if next.NextPhoto == nil || next.NextPhoto.ID != photo {
				t.Fatalf("nextPhoto: %+v", next.NextPhoto)
			}
			for _, s := range l.statements() {
				if strings.Contains(s, "photo_servings") {
					t.Fatalf("nextPhoto wrote its serving itself: %s", s)
				}
			}
			e.App.Servings.Flush(t.Context())
			l.start("report")
			r := e.do(t, request{Token: judge, Header: http.Header{"X-Forwarded-For": {ip}, "X-Request-Id": {"report"}},
				Query: `mutation($id: ID!) { reportPhoto(input: {photoId: $id, reason: SPAM}) { photoId } }`, Vars: map[string]any{"id": photo}})
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			stmts := l.statements()
			t.Logf("reportPhoto: %d statements", len(stmts))
			if len(stmts) > 12 {
				t.Fatalf("reportPhoto sent %d statements:\n%s", len(stmts), strings.Join(stmts, "\n"))
			}
		})
	}
}

// TestModerationConcurrentReports: the decision is race-free. With a
// threshold of 2, two counted reports sent at once from two networks hide
// the photo (neither misses the other's count); two sent at once from one
// network count once.
func TestModerationConcurrentReports(t *testing.T) {
	backends(t, withSettings(moderationSettings, map[string]string{"FACESTAT_REPORT_THRESHOLD": "2"}), func(t *testing.T, e *env) {
		w := newModWorld(t, e)
		owner := e.account(t, "owner")
		mod := e.moderator(t, "mod")
		const rounds = 4
		ids := e.uploadFrom(t, owner, network(800), 2*rounds, 160)
		for round := range rounds {
			twoNets, oneNet := ids[2*round], ids[2*round+1]
			ips := []string{network(100 + 4*round), network(101 + 4*round), nthIP((102+4*round)*256 + 1), nthIP((102+4*round)*256 + 2)}
			judges := make([]string, len(ips))
			for i, ip := range ips {
				judges[i] = w.established(t, ip)
			}
			rs := together(t, e,
				request{Token: judges[0], Header: from(ips[0]), Query: reportMutation, Vars: map[string]any{"id": twoNets, "r": "SPAM"}},
				request{Token: judges[1], Header: from(ips[1]), Query: reportMutation, Vars: map[string]any{"id": twoNets, "r": "SPAM"}},
				request{Token: judges[2], Header: from(ips[2]), Query: reportMutation, Vars: map[string]any{"id": oneNet, "r": "SPAM"}},
				request{Token: judges[3], Header: from(ips[3]), Query: reportMutation, Vars: map[string]any{"id": oneNet, "r": "SPAM"}})
			for i, r := range rs {
				if len(r.Errors) > 0 {
					t.Fatalf("round %d, report %d: %+v", round, i, r.Errors)
				}
			}
			if got := e.moderationState(t, owner, twoNets); got != "UNDER_REVIEW" {
				t.Fatalf("round %d: two counted reports at once left the photo %s", round, got)
			}
			for _, it := range e.queue(t, mod) {
				if it.Photo.ID == oneNet && (it.CountedReports != 1 || it.ModerationState != "VISIBLE") {
					t.Fatalf("round %d: two reports at once from one network: %+v", round, it)
				}
			}
		}
	})
}

// TestModerationBanDuringUpload: an upload the banned owner started before
// the ban (authenticated then, its image still being processed) commits
// after the ban: it is refused with FORBIDDEN, reason BANNED, and leaves
// no photo (before, it committed, and the banned owner kept a photo the
// ban had not seen).
func TestModerationBanDuringUpload(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "ban_uploader")
		ownerID := e.judgeUUID(t, owner)
		photo := e.uploadOne(t, owner, 150)
		if r := e.moderate(t, e.moderator(t, "ban_mod"), photo, "BAN_OWNER", "spam"); len(r.Errors) > 0 {
			t.Fatalf("banning: %+v", r.Errors)
		}
		// The viewer the in-flight request authenticated as, before the ban.
		v := &identity.Viewer{ID: ownerID, Role: identity.RoleUser}
		img := noiseJPEG(t, 200, 1)
		_, err := e.App.Photos.Upload(t.Context(), v, bytes.NewReader(img), int64(len(img)), photos.UploadOptions{Public: true})
		var fe *facestat.Error
		if !errors.As(err, &fe) || fe.Code != facestat.Forbidden || fe.Reason != facestat.ReasonBanned {
			t.Fatalf("an upload by the banned owner: %v, want FORBIDDEN BANNED", err)
		}
		if n := e.App.DB.Client.Photo.Query().Where(entphoto.OwnerID(ownerID)).CountX(t.Context()); n != 0 {
			t.Fatalf("the banned owner has %d photos", n)
		}
	})
}
