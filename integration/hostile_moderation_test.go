package integration_test

import (
	"strings"
	"testing"
)

// Reports and moderation (issue 14) under attack: what a stranger can and
// cannot do with reportPhoto and the moderators' API. docs/SECURITY.md,
// "Moderation", lists each attack with its test.

// TestHostileReportFlooding: one session may file rate-report reports,
// one address rate-report-ip whatever its sessions; the refusals are
// RATE_LIMITED with a retry time, and another address is still served.
func TestHostileReportFlooding(t *testing.T) {
	settings := withSettings(moderationSettings, map[string]string{
		"FACESTAT_RATE_REPORT":    "3/1h",
		"FACESTAT_RATE_REPORT_IP": "5/1h",
	})
	backends(t, settings, func(t *testing.T, e *env) {
		owner := e.account(t, "owner")
		targets := e.uploadFrom(t, owner, network(800), 8, 160)
		ip := network(1)
		one := e.judgeFrom(t, ip)
		for i := range 3 {
			e.reported(t, one, ip, targets[i], "SPAM")
		}
		r := e.report(t, one, ip, targets[3], "SPAM", "")
		if r.code() != "RATE_LIMITED" || r.ext("retryAfter") == nil {
			t.Fatalf("a session's 4th report: %+v", r.Errors)
		}
		// Fresh sessions from the same address: two more, then refused.
		for i := range 2 {
			e.reported(t, e.judgeFrom(t, ip), ip, targets[4+i], "SPAM")
		}
		if r := e.report(t, e.judgeFrom(t, ip), ip, targets[6], "SPAM", ""); r.code() != "RATE_LIMITED" {
			t.Fatalf("the address's 6th report: %+v", r.Errors)
		}
		other := network(2)
		e.reported(t, e.judgeFrom(t, other), other, targets[6], "SPAM")
		// Flooding never hid anything: none of these reporters counts.
		mod := e.moderator(t, "mod")
		for _, it := range e.queue(t, mod) {
			if it.CountedReports != 0 || it.ModerationState != "VISIBLE" {
				t.Fatalf("flooding reports counted: %+v", it)
			}
		}
	})
}

// TestHostileReportInput: an oversized note is refused (BAD_USER_INPUT,
// input.note, TOO_LONG) and stores nothing; 500 characters of several
// bytes each are fine; a note comes back to moderators verbatim, markup
// and all (escaping it is the web app's job); a repeat is CONFLICT; one's
// own photo is FORBIDDEN; a malformed id is BAD_USER_INPUT; no session is
// UNAUTHENTICATED.
func TestHostileReportInput(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "owner")
		photo := e.uploadFrom(t, owner, network(800), 1, 160)[0]
		ip := network(1)
		judge := e.judgeFrom(t, ip)
		r := e.report(t, judge, ip, photo, "OTHER", strings.Repeat("x", 501))
		if r.code() != "BAD_USER_INPUT" || r.ext("field") != "input.note" || r.ext("reason") != "TOO_LONG" {
			t.Fatalf("a 501-character note: %+v", r.Errors)
		}
		if n, _ := e.App.DB.PhotoReport.Query().Count(t.Context()); n != 0 {
			t.Fatalf("a refused report stored %d rows", n)
		}
		hostile := `<script>alert("x")</script> & <img src=x onerror=alert(1)> ` + strings.Repeat("é", 440)
		if r := e.report(t, judge, ip, photo, "OTHER", hostile); len(r.Errors) > 0 {
			t.Fatalf("a 500-character note: %+v", r.Errors)
		}
		if r := e.report(t, judge, ip, photo, "SPAM", ""); r.code() != "CONFLICT" {
			t.Fatalf("a second report of the photo: %+v", r.Errors)
		}
		if r := e.report(t, owner, ip, photo, "SPAM", ""); r.code() != "FORBIDDEN" {
			t.Fatalf("reporting one's own photo: %+v", r.Errors)
		}
		if r := e.report(t, judge, ip, "not-an-id", "SPAM", ""); r.code() != "BAD_USER_INPUT" || r.ext("field") != "input.photoId" {
			t.Fatalf("a malformed id: %+v", r.Errors)
		}
		if r := e.report(t, "", ip, photo, "SPAM", ""); r.code() != "UNAUTHENTICATED" {
			t.Fatalf("no session: %+v", r.Errors)
		}
		q := e.queue(t, e.moderator(t, "mod"))
		if len(q) != 1 || len(q[0].Reports) != 1 || q[0].Reports[0].Note == nil || *q[0].Reports[0].Note != hostile {
			t.Fatalf("the note did not come back verbatim: %+v", q)
		}
	})
}

// TestHostileReportUnseen: a hidden photo and a deleted one are NOT_FOUND
// to a stranger (whether they exist does not leak); a private photo can be
// reported (it is judged, so anyone may be served it) but a report from
// someone never shown it does not count.
func TestHostileReportUnseen(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		w := newModWorld(t, e)
		owner := e.account(t, "owner")
		ids := e.uploadFrom(t, owner, network(800), 3, 160)
		hidden, private, deleted := ids[0], ids[1], ids[2]
		e.reported(t, w.established(t, network(1)), network(1), hidden, "MINOR") // public: counted, hidden at once
		setPublic(t, e, owner, private, false)
		e.gql(t, owner, `mutation($id: ID!) { deletePhoto(input: {photoId: $id}) { deletedPhotoId } }`, map[string]any{"id": deleted}, &struct{}{})
		ip := network(2)
		judge := w.established(t, ip)
		for _, p := range []string{hidden, deleted} {
			if r := e.report(t, judge, ip, p, "SPAM", ""); r.code() != "NOT_FOUND" {
				t.Fatalf("reporting %s: %+v", p, r.Errors)
			}
		}
		e.reported(t, judge, ip, private, "MINOR")
		if got := e.moderationState(t, owner, private); got != "VISIBLE" {
			t.Fatalf("a MINOR report from a judge never shown the photo hid it (%s)", got)
		}
	})
}

// TestHostileModerationAPI: strangers calling the moderators' API: no
// session and anonymous judges are UNAUTHENTICATED, accounts FORBIDDEN;
// the photo is left as it was and the log stays empty.
func TestHostileModerationAPI(t *testing.T) {
	backends(t, moderationSettings, func(t *testing.T, e *env) {
		owner := e.account(t, "owner")
		photo := e.uploadFrom(t, owner, network(800), 1, 160)[0]
		stranger := e.account(t, "stranger")
		for who, token := range map[string]string{"no session": "", "anonymous": e.anonymous(t), "account": stranger} {
			want := "FORBIDDEN"
			if token == "" || who == "anonymous" {
				want = "UNAUTHENTICATED"
			}
			for _, action := range []string{"RESTORE", "REMOVE", "BAN_OWNER"} {
				if r := e.moderate(t, token, photo, action, "x"); r.code() != want {
					t.Fatalf("%s: moderatePhoto %s: %+v", who, action, r.Errors)
				}
			}
			for _, q := range []string{`{ moderationQueue(first: 5) { nodes { reportCount } } }`, `{ moderationLog(first: 5) { nodes { id } } }`} {
				if r := e.do(t, request{Token: token, Query: q}); r.code() != want {
					t.Fatalf("%s: %s: %+v", who, q, r.Errors)
				}
			}
		}
		if got := e.moderationState(t, owner, photo); got != "VISIBLE" {
			t.Fatalf("the photo after the attempts: %q", got)
		}
		if log := e.moderationLog(t, e.moderator(t, "mod")); len(log) != 0 {
			t.Fatalf("the log after refused attempts: %+v", log)
		}
		// A moderator cannot ban another moderator or themselves.
		mod2 := e.moderator(t, "mod2")
		theirs := e.uploadFrom(t, mod2, network(801), 1, 160)[0]
		if r := e.moderate(t, e.moderator(t, "mod3"), theirs, "BAN_OWNER", ""); r.code() != "FORBIDDEN" {
			t.Fatalf("banning a moderator: %+v", r.Errors)
		}
		if r := e.moderate(t, mod2, theirs, "BAN_OWNER", ""); r.code() != "FORBIDDEN" {
			t.Fatalf("banning oneself: %+v", r.Errors)
		}
		// Cursors made up by a client are refused.
		if r := e.do(t, request{Token: mod2, Query: `{ moderationQueue(first: 5, after: "bm9wZQ") { nodes { reportCount } } }`}); r.code() != "BAD_USER_INPUT" || r.ext("field") != "after" {
			t.Fatalf("a made-up queue cursor: %+v", r.Errors)
		}
		if r := e.do(t, request{Token: mod2, Query: `{ moderationLog(first: 101) { nodes { id } } }`}); r.code() != "BAD_USER_INPUT" || r.ext("field") != "first" {
			t.Fatalf("first: 101: %+v", r.Errors)
		}
	})
}
