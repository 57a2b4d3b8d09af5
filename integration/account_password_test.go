package integration_test

import (
	"io"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/mail/smtptest"
)

// Accounts people control (issue 14): changing the password, resetting a
// forgotten one by e-mail through a real SMTP server process
// (mail/smtptest), the account's sessions.

const (
	oldPassword = "correct horse battery" // what env.account signs up with
	newPassword = "a brand new passphrase"
)

// mailBackends is backends with an SMTP server of each backend's own that
// FaceStat sends its mail to.
func mailBackends(t *testing.T, settings map[string]string, fn func(t *testing.T, e *env, smtp *smtptest.Server)) {
	run := func(t *testing.T, databaseURL func() string) {
		t.Parallel()
		smtp := smtptest.Start(t, smtptest.Options{})
		fn(t, startEnv(t, databaseURL(), withSettings(settings, map[string]string{"FACESTAT_SMTP_URL": smtp.URL(smtptest.Options{})})), smtp)
	}
	t.Run("SQLite", func(t *testing.T) { run(t, func() string { return "" }) })
	t.Run("PostgreSQL", func(t *testing.T) { run(t, func() string { return dbtest.MustCreatePGDatabase(t) }) })
}

// signInFrom signs in to email with password from a client that says it is
// userAgent, and returns the bearer token.
func signInFrom(t *testing.T, e *env, email, password, userAgent string) string {
	t.Helper()
	var out struct{ SignIn struct{ Token string } }
	e.do(t, request{Query: `mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }`,
		Vars: map[string]any{"e": email, "p": password}, Header: http.Header{"User-Agent": {userAgent}}}).decode(t, &out)
	return out.SignIn.Token
}

// signInRefused fails the test unless signing in to email with password is
// refused as bad credentials.
func signInRefused(t *testing.T, e *env, email, password string) {
	t.Helper()
	r := e.do(t, request{Query: `mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }`,
		Vars: map[string]any{"e": email, "p": password}})
	if r.code() != "UNAUTHENTICATED" || r.ext("reason") != "BAD_CREDENTIALS" {
		t.Fatalf("signing in to %s with that password: %+v; want BAD_CREDENTIALS", email, r.Errors)
	}
}

// tokenRefused fails the test unless token no longer authenticates.
func tokenRefused(t *testing.T, e *env, token, what string) {
	t.Helper()
	if r := e.do(t, request{Token: token, Query: viewerQuery}); r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("%s: %d %+v; want 401 UNAUTHENTICATED", what, r.Status, r.Errors)
	}
}

// tokenWorks fails the test unless token is still the account handle's.
func tokenWorks(t *testing.T, e *env, req request, handle, what string) {
	t.Helper()
	req.Query = viewerQuery
	var v viewerData
	e.do(t, req).decode(t, &v)
	if v.Viewer == nil || v.Viewer.User == nil || v.Viewer.User.Handle != handle {
		t.Fatalf("%s: viewer %+v; want %s", what, v.Viewer, handle)
	}
}

const changePassword = `mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) {
	endedSessions viewer { user { handle } } } }`

const sessionsQuery = `{ viewer { sessions { id current createdAt expiresAt userAgent } } }`

type accountSession struct {
	ID                   string
	Current              bool
	CreatedAt, ExpiresAt time.Time
	UserAgent            *string
}

func sessionsOf(t *testing.T, e *env, req request) []accountSession {
	t.Helper()
	req.Query = sessionsQuery
	var out struct {
		Viewer struct{ Sessions []accountSession }
	}
	e.do(t, req).decode(t, &out)
	return out.Viewer.Sessions
}

// TestChangePassword: after changePassword the old password and every
// other session's token are refused, the current session (bearer or
// cookie) still works and keeps its cookie, and the new password signs
// in. A wrong current password and a weak new one change nothing.
func TestChangePassword(t *testing.T) {
	backends(t, map[string]string{"FACESTAT_WS_SESSION_CHECK": "200ms"}, func(t *testing.T, e *env) {
		t.Run("Bearer", func(t *testing.T) {
			current := e.account(t, "changer")
			phone := signInFrom(t, e, "changer@example.com", oldPassword, "FaceStat phone")
			laptop := signInFrom(t, e, "changer@example.com", oldPassword, "Laptop browser")
			photo := liveUpload(t, e, current, true)
			ws := dialWS(t, e.URL, protoTransportWS)
			ws.init(phone)
			ws.subscribe("s", photoStatsSubscription, map[string]any{"id": photo})
			ws.nextStats("s", 10*time.Second)

			r := e.do(t, request{Token: current, Query: changePassword, Vars: map[string]any{"c": "not my password", "n": newPassword}})
			if r.code() != "UNAUTHENTICATED" || r.ext("reason") != "BAD_CREDENTIALS" {
				t.Fatalf("wrong current password: %+v", r.Errors)
			}
			r = e.do(t, request{Token: current, Query: changePassword, Vars: map[string]any{"c": oldPassword, "n": "short"}})
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "WEAK_PASSWORD" || r.ext("field") != "input.newPassword" {
				t.Fatalf("weak new password: %+v", r.Errors)
			}
			tokenWorks(t, e, request{Token: phone}, "changer", "another session after refused changes")

			var out struct {
				ChangePassword struct {
					EndedSessions int
					Viewer        struct{ User struct{ Handle string } }
				}
			}
			e.do(t, request{Token: current, Query: changePassword, Vars: map[string]any{"c": oldPassword, "n": newPassword}}).decode(t, &out)
			if out.ChangePassword.EndedSessions != 2 || out.ChangePassword.Viewer.User.Handle != "changer" {
				t.Fatalf("changePassword: %+v; want 2 other sessions ended", out.ChangePassword)
			}
			tokenRefused(t, e, phone, "the phone's token after the change")
			tokenRefused(t, e, laptop, "the laptop's token after the change")
			tokenWorks(t, e, request{Token: current}, "changer", "the session that changed the password")
			if _, closed := ws.waitClosed(5 * time.Second); !closed {
				t.Fatal("the socket of an ended session stayed open")
			}
			signInRefused(t, e, "changer@example.com", oldPassword)
			signInFrom(t, e, "changer@example.com", newPassword, "")
		})
		t.Run("Cookie", func(t *testing.T) {
			signedUp := e.account(t, "cookiechanger")
			other := signInFrom(t, e, "cookiechanger@example.com", oldPassword, "")
			r := e.do(t, request{Query: `mutation { signIn(input: {email: "cookiechanger@example.com", password: "correct horse battery", cookie: true}) { viewer { id } } }`})
			r.decode(t, &struct{}{})
			var jar []*http.Cookie
			var csrf string
			for _, c := range (&http.Response{Header: r.Header}).Cookies() {
				if c.Name == "fs_session" || c.Name == "fs_csrf" {
					jar = append(jar, &http.Cookie{Name: c.Name, Value: c.Value})
				}
				if c.Name == "fs_csrf" {
					csrf = c.Value
				}
			}
			browser := request{Cookies: jar, Header: http.Header{"X-Csrf-Token": {csrf}}}
			change := browser
			change.Query, change.Vars = changePassword, map[string]any{"c": oldPassword, "n": newPassword}
			res := e.do(t, change)
			var out struct{ ChangePassword struct{ EndedSessions int } }
			res.decode(t, &out)
			if out.ChangePassword.EndedSessions != 2 {
				t.Fatalf("ended %d sessions, want 2", out.ChangePassword.EndedSessions)
			}
			if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Fatalf("changePassword touched the cookies: %v", sc)
			}
			tokenRefused(t, e, other, "the bearer session after a change from the browser")
			tokenRefused(t, e, signedUp, "the sign-up's session after a change from the browser")
			tokenWorks(t, e, browser, "cookiechanger", "the browser's cookie session after its change")
		})
	})
}

// resetMail is a password-reset e-mail as a mail client reads it.
type resetMail struct {
	To, Subject, Body string
	Link, Token       string
}

var resetLinkRE = regexp.MustCompile(`(\S+/reset-password\?token=)(fsp_[A-Za-z0-9_-]+)`)

// readResetMail decodes a message the SMTP server received and finds its
// reset link.
func readResetMail(t *testing.T, m smtptest.Message) resetMail {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, m.Data)
	}
	body := msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	out := resetMail{To: strings.Join(m.To, ","), Subject: msg.Header.Get("Subject"), Body: string(b)}
	if l := resetLinkRE.FindStringSubmatch(out.Body); l != nil {
		out.Link, out.Token = l[0], l[2]
	}
	return out
}

// mailsTo returns the reset mails of ms sent to addr.
func mailsTo(t *testing.T, ms []smtptest.Message, addr string) []resetMail {
	t.Helper()
	var out []resetMail
	for _, m := range ms {
		if len(m.To) == 1 && m.To[0] == addr {
			out = append(out, readResetMail(t, m))
		}
	}
	return out
}

const requestReset = `mutation($e: String!) { requestPasswordReset(input: {email: $e}) { ok } }`
const resetPassword = `mutation($t: String!, $p: String!) { resetPassword(input: {token: $t, newPassword: $p}) { ok } }`

// askReset requests a reset of email from address ip and returns the
// response.
func askReset(t *testing.T, e *env, ip, email string) *response {
	t.Helper()
	return e.do(t, request{Query: requestReset, Vars: map[string]any{"e": email}, Header: from(ip)})
}

// resetOK fails the test unless r is requestPasswordReset's one answer.
func resetOK(t *testing.T, what string, r *response) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) != 0 || string(r.Data) != `{"requestPasswordReset":{"ok":true}}` {
		t.Fatalf("%s: %d %s %+v; want ok", what, r.Status, r.Data, r.Errors)
	}
}

// invalidToken fails the test unless r refused its reset token.
func invalidToken(t *testing.T, what string, r *response) {
	t.Helper()
	if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "INVALID_TOKEN" || r.ext("field") != "input.token" {
		t.Fatalf("%s: %+v; want BAD_USER_INPUT INVALID_TOKEN on input.token", what, r.Errors)
	}
}

// TestPasswordReset: the reset e-mail arrives at the SMTP server with a
// link on the public URL, which works once (every session of the account
// ends, the old password stops working) and then answers INVALID_TOKEN; a
// link past its 30 minutes is refused; an unknown address, or a banned
// account's, gets the same answer as a known one and no mail; using one
// link retires the account's others.
func TestPasswordReset(t *testing.T) {
	mailBackends(t, hostileSettings, func(t *testing.T, e *env, smtp *smtptest.Server) {
		session := e.account(t, "forgetful")
		known := askReset(t, e, nthIP(1), "Forgetful@Example.com ")
		unknown := askReset(t, e, nthIP(1), "nobody@example.com")
		resetOK(t, "a known address", known)
		resetOK(t, "an unknown address", unknown)
		if string(known.Raw) != string(unknown.Raw) {
			t.Fatalf("the answers differ: %q and %q", known.Raw, unknown.Raw)
		}
		ms := smtp.Wait(t, 1, 20*time.Second)
		mails := mailsTo(t, ms, "forgetful@example.com")
		if len(ms) != 1 || len(mails) != 1 {
			t.Fatalf("%d messages, %d to forgetful@example.com; want exactly that one (nothing to the unknown address)", len(ms), len(mails))
		}
		m := mails[0]
		if m.Link != e.URL+"/reset-password?token="+m.Token || m.Token == "" || m.Subject != "Reset your FaceStat password" ||
			!strings.Contains(m.Body, "30 minutes") || !strings.Contains(m.Body, "forgetful") {
			t.Fatalf("reset mail: %+v", m)
		}

		r := e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": m.Token, "p": "short"}})
		if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "WEAK_PASSWORD" || r.ext("field") != "input.newPassword" {
			t.Fatalf("weak new password: %+v", r.Errors)
		}
		var ok struct{ ResetPassword struct{ Ok bool } }
		e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": m.Token, "p": newPassword}}).decode(t, &ok)
		if !ok.ResetPassword.Ok {
			t.Fatal("resetPassword did not answer ok")
		}
		tokenRefused(t, e, session, "a session from before the reset")
		signInRefused(t, e, "forgetful@example.com", oldPassword)
		signInFrom(t, e, "forgetful@example.com", newPassword, "")
		invalidToken(t, "the link used a second time", e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": m.Token, "p": "yet another passphrase"}}))
		signInFrom(t, e, "forgetful@example.com", newPassword, "")

		t.Run("OutboxPageNamesTheRelay", func(t *testing.T) {
			res, body := get(t, e.URL+"/outbox") // loopback: an operator
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "SMTP relay") || strings.Contains(string(body), "fsp_") {
				t.Fatalf("/outbox with smtp-url set: %d %s", res.StatusCode, body)
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			resetOK(t, "another request", askReset(t, e, nthIP(2), "forgetful@example.com"))
			m := mailsTo(t, smtp.Wait(t, 2, 20*time.Second), "forgetful@example.com")[1]
			e.Clock.Advance(30*time.Minute + time.Second)
			invalidToken(t, "a link past its 30 minutes", e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": m.Token, "p": "yet another passphrase"}}))
			signInFrom(t, e, "forgetful@example.com", newPassword, "")
		})
		t.Run("OneLinkRetiresTheOthers", func(t *testing.T) {
			e.account(t, "twice")
			resetOK(t, "first", askReset(t, e, nthIP(3), "twice@example.com"))
			resetOK(t, "second", askReset(t, e, nthIP(3), "twice@example.com"))
			ms := mailsTo(t, smtp.Wait(t, 4, 20*time.Second), "twice@example.com")
			if len(ms) != 2 || ms[0].Token == ms[1].Token {
				t.Fatalf("%d mails; want two different links", len(ms))
			}
			e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": ms[1].Token, "p": newPassword}}).decode(t, &struct{}{})
			invalidToken(t, "the older link once the newer was used", e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": ms[0].Token, "p": "yet another passphrase"}}))
		})
		t.Run("BannedGetsNoMail", func(t *testing.T) {
			e.account(t, "banned")
			e.account(t, "honest")
			if _, err := e.App.DB.Client.User.Update().Where(user.Handle("banned")).SetBannedAt(time.Now()).Save(t.Context()); err != nil {
				t.Fatal(err)
			}
			before := len(smtp.Messages(t))
			resetOK(t, "a banned account", askReset(t, e, nthIP(4), "banned@example.com"))
			resetOK(t, "an honest one", askReset(t, e, nthIP(4), "honest@example.com"))
			ms := smtp.Wait(t, before+1, 20*time.Second)
			if len(ms) != before+1 || len(mailsTo(t, ms, "honest@example.com")) != 1 || len(mailsTo(t, ms, "banned@example.com")) != 0 {
				t.Fatalf("after the banned and the honest request: %d new messages; want only the honest one's", len(ms)-before)
			}
		})
	})
}

// TestAccountSessions: viewer.sessions lists the account's sessions,
// newest first, the current one marked, with the User-Agent each signed in
// with (shortened; kept by a refresh); signOutOtherSessions ends all but
// the current one; an anonymous judge has none.
func TestAccountSessions(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		first := e.account(t, "devices")
		long := "Mozilla/5.0 " + strings.Repeat("é", 150) // 312 bytes
		var in struct {
			SignIn struct{ Token, RefreshToken string }
		}
		e.do(t, request{Query: `mutation { signIn(input: {email: "devices@example.com", password: "correct horse battery"}) { token refreshToken } }`,
			Header: http.Header{"User-Agent": {long}}}).decode(t, &in)
		var ref struct{ RefreshSession struct{ Token string } }
		e.do(t, request{Query: `mutation($r: String!) { refreshSession(input: {refreshToken: $r}) { token } }`,
			Vars: map[string]any{"r": in.SignIn.RefreshToken}, Header: http.Header{"User-Agent": {"Another agent"}}}).decode(t, &ref)
		phone := ref.RefreshSession.Token
		tablet := signInFrom(t, e, "devices@example.com", oldPassword, "Tablet")

		got := sessionsOf(t, e, request{Token: phone})
		if len(got) != 3 {
			t.Fatalf("%d sessions, want 3: %+v", len(got), got)
		}
		if got[0].UserAgent == nil || *got[0].UserAgent != "Tablet" || got[0].Current {
			t.Errorf("newest: %+v; want the tablet, not current", got[0])
		}
		ua := got[1].UserAgent
		if !got[1].Current || ua == nil || len(*ua) > 200 || len(*ua) < 190 || !strings.HasPrefix(long, *ua) {
			t.Errorf("the refreshed phone session: %+v; want current, with its sign-in User-Agent cut to 200 bytes of whole characters", got[1])
		}
		if got[2].Current || !got[2].ExpiresAt.After(got[2].CreatedAt) || got[0].CreatedAt.Before(got[2].CreatedAt) || got[0].ID == got[2].ID {
			t.Errorf("sessions %+v", got)
		}

		var out struct{ SignOutOtherSessions struct{ EndedSessions int } }
		e.do(t, request{Token: phone, Query: `mutation { signOutOtherSessions { endedSessions } }`}).decode(t, &out)
		if out.SignOutOtherSessions.EndedSessions != 2 {
			t.Fatalf("ended %d, want 2", out.SignOutOtherSessions.EndedSessions)
		}
		tokenRefused(t, e, first, "the first session after signing out the others")
		tokenRefused(t, e, tablet, "the tablet after signing out the others")
		tokenWorks(t, e, request{Token: phone}, "devices", "the session that signed out the others")
		if got := sessionsOf(t, e, request{Token: phone}); len(got) != 1 || !got[0].Current {
			t.Fatalf("after signing out the others: %+v", got)
		}

		t.Run("AnonymousHasNone", func(t *testing.T) {
			if got := sessionsOf(t, e, request{Token: e.anonymous(t)}); len(got) != 0 {
				t.Fatalf("an anonymous judge's sessions: %+v", got)
			}
		})
	})
}
