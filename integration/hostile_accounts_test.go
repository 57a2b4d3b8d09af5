package integration_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/mail"
	"github.com/facestat/facestat/mail/smtptest"
)

// Attacks on the accounts people control (issue 14): flooding password
// resets, poisoning the reset link through the Host header, guessing or
// reusing reset tokens, oversized inputs, changing a password without an
// account or by guessing it with a stolen session, reading the outbox.

// TestHostileResetFlood: a flood of reset requests for one address (from
// many client addresses) sends it at most rate-reset-email mails (3/1h)
// while every request gets the same ok; a flood from one client address is
// refused with RATE_LIMITED after rate-reset-ip (10/1h); honest requests
// from elsewhere are still served and mailed.
func TestHostileResetFlood(t *testing.T) {
	mailBackends(t, hostileSettings, func(t *testing.T, e *env, smtp *smtptest.Server) {
		e.account(t, "flooded")
		e.account(t, "witness")
		var first *response
		for i := range 8 {
			r := askReset(t, e, nthIP(10+i), "flooded@example.com")
			resetOK(t, "a reset of the flooded address", r)
			if first == nil {
				first = r
			} else if string(r.Raw) != string(first.Raw) {
				t.Fatalf("request %d answered %q, the first %q: over the limit must look the same", i, r.Raw, first.Raw)
			}
		}
		for i := range 10 {
			resetOK(t, "a reset from the flooding address", askReset(t, e, nthIP(50), "stranger"+string(rune('a'+i))+"@example.com"))
		}
		throttled(t, "the 11th reset from one address", askReset(t, e, nthIP(50), "witness@example.com"))

		resetOK(t, "an honest reset from elsewhere", askReset(t, e, nthIP(51), "witness@example.com"))
		ms := smtp.Wait(t, 4, 20*time.Second) // the one worker sends in order: the witness's comes last
		if n := len(mailsTo(t, ms, "witness@example.com")); n != 1 {
			t.Fatalf("the witness got %d mails, want 1", n)
		}
		if n := len(mailsTo(t, ms, "flooded@example.com")); n != 3 || len(ms) != 4 {
			t.Fatalf("the flooded address got %d mails of %d, want 3 (rate-reset-email)", n, len(ms))
		}
	})
}

// TestHostileResetHostHeader: a reset requested with a forged Host (and
// X-Forwarded-Host, Forwarded) still mails a link on the configured public
// URL: an attacker cannot have the victim's token sent to their own site.
func TestHostileResetHostHeader(t *testing.T) {
	mailBackends(t, hostileSettings, func(t *testing.T, e *env, smtp *smtptest.Server) {
		e.account(t, "victim")
		for i, h := range []http.Header{
			{"X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Proto": {"https"}},
			{"Forwarded": {"host=evil.example;proto=https"}},
			{"X-Original-Host": {"evil.example"}, "X-Host": {"evil.example"}},
		} {
			hr, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql",
				strings.NewReader(`{"query":"mutation { requestPasswordReset(input: {email: \"victim@example.com\"}) { ok } }"}`))
			hr.Header.Set("Content-Type", "application/json")
			hr.Host = "evil.example"
			resetOK(t, "a reset with a forged Host", e.send(t, hr, request{Header: h}))
			m := mailsTo(t, smtp.Wait(t, i+1, 20*time.Second), "victim@example.com")[i]
			if !strings.HasPrefix(m.Link, e.URL+"/reset-password?token=fsp_") || strings.Contains(m.Body, "evil") {
				t.Fatalf("the link with forged host headers %v: %q; want it on %s", h, m.Link, e.URL)
			}
		}
	})
}

// TestHostileResetTokens: made-up, malformed and other kinds of tokens are
// refused as INVALID_TOKEN (and do not disturb the genuine one), oversized
// inputs are refused with TOO_LONG before any work, guesses from one
// address are throttled on the sign-in budget, and of two resetPassword
// sent at once with one token exactly one wins.
func TestHostileResetTokens(t *testing.T) {
	mailBackends(t, hostileSettings, func(t *testing.T, e *env, smtp *smtptest.Server) {
		session := e.account(t, "guessed")
		resetOK(t, "the owner's reset", askReset(t, e, nthIP(1), "guessed@example.com"))
		genuine := mailsTo(t, smtp.Wait(t, 1, 20*time.Second), "guessed@example.com")[0].Token
		reset := func(token, password string) *response {
			return e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": token, "p": password}, Header: from(nthIP(2))})
		}
		t.Run("Guessing", func(t *testing.T) {
			b := make([]byte, 32)
			for range 30 {
				rand.Read(b)
				invalidToken(t, "a made-up token", reset("fsp_"+base64.RawURLEncoding.EncodeToString(b), newPassword))
			}
			for _, junk := range []string{"", "fsp_", "fsp_" + genuine[4:len(genuine)-1], genuine + "A", strings.ToUpper(genuine), session, "fsr_" + genuine[4:], genuine[4:]} {
				invalidToken(t, "junk "+junk, reset(junk, newPassword))
			}
		})
		t.Run("Oversized", func(t *testing.T) {
			r := reset(genuine+strings.Repeat("A", 300), newPassword)
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "TOO_LONG" || r.ext("field") != "input.token" {
				t.Fatalf("a 340-byte token: %+v", r.Errors)
			}
			r = reset(genuine, strings.Repeat("p", 257))
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "TOO_LONG" || r.ext("field") != "input.newPassword" {
				t.Fatalf("a 257-byte new password: %+v", r.Errors)
			}
			r = askReset(t, e, nthIP(3), strings.Repeat("a", 300)+"@example.com")
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "TOO_LONG" || r.ext("field") != "input.email" {
				t.Fatalf("a 312-byte address: %+v", r.Errors)
			}
			r = askReset(t, e, nthIP(3), "not an address")
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "INVALID" || r.ext("field") != "input.email" {
				t.Fatalf("not an address: %+v", r.Errors)
			}
			r = e.do(t, request{Token: session, Query: changePassword, Vars: map[string]any{"c": strings.Repeat("x", 20000), "n": newPassword}})
			if r.code() != "UNAUTHENTICATED" || r.ext("reason") != "BAD_CREDENTIALS" {
				t.Fatalf("a 20000-byte current password: %+v", r.Errors)
			}
			r = e.do(t, request{Token: session, Query: changePassword, Vars: map[string]any{"c": oldPassword, "n": strings.Repeat("p", 257)}})
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "TOO_LONG" || r.ext("field") != "input.newPassword" {
				t.Fatalf("a 257-byte new password: %+v", r.Errors)
			}
		})
		t.Run("RealTokenStillWorks", func(t *testing.T) {
			reset(genuine, newPassword).decode(t, &struct{}{})
			signInFrom(t, e, "guessed@example.com", newPassword, "")
		})
		t.Run("ConcurrentReuse", func(t *testing.T) {
			for round := range 3 {
				handle := "racer" + string(rune('a'+round))
				e.account(t, handle)
				n := len(smtp.Messages(t))
				resetOK(t, "a racer's reset", askReset(t, e, nthIP(20+round), handle+"@example.com"))
				token := mailsTo(t, smtp.Wait(t, n+1, 20*time.Second), handle+"@example.com")[0].Token
				rs := together(t, e,
					request{Query: resetPassword, Vars: map[string]any{"t": token, "p": "first racer's passphrase"}},
					request{Query: resetPassword, Vars: map[string]any{"t": token, "p": "second racer's passphrase"}})
				w := oneWinner(t, "two resets with one token", rs, "BAD_USER_INPUT", "INVALID_TOKEN")
				signInFrom(t, e, handle+"@example.com", []string{"first racer's passphrase", "second racer's passphrase"}[w], "")
				signInRefused(t, e, handle+"@example.com", []string{"second racer's passphrase", "first racer's passphrase"}[w])
			}
		})
	})
	t.Run("GuessesThrottled", func(t *testing.T) {
		e := startEnv(t, "", withSettings(hostileSettings, map[string]string{"FACESTAT_RATE_SIGN_IN": "5/1m"}))
		for i := range 5 {
			invalidToken(t, "guess "+string(rune('0'+i)), e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": "fsp_guess", "p": newPassword}, Header: from(nthIP(7))}))
		}
		throttled(t, "the 6th guess from one address", e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": "fsp_guess", "p": newPassword}, Header: from(nthIP(7))}))
		invalidToken(t, "a guess from another address", e.do(t, request{Query: resetPassword, Vars: map[string]any{"t": "fsp_guess", "p": newPassword}, Header: from(nthIP(8))}))
	})
}

// TestHostileChangePassword: an anonymous judge or a stranger without a
// token cannot change a password or end sessions (UNAUTHENTICATED) and has
// no sessions to list; a stolen session guessing the current password is
// throttled on the account's own budget (rate-sign-in-device) while the
// account's other sessions and other accounts are untouched.
func TestHostileChangePassword(t *testing.T) {
	backends(t, withSettings(hostileSettings, map[string]string{"FACESTAT_RATE_SIGN_IN_DEVICE": "3/10m"}), func(t *testing.T, e *env) {
		owner := e.account(t, "target")
		for what, token := range map[string]string{"an anonymous judge": e.anonymous(t), "no token": ""} {
			r := e.do(t, request{Token: token, Query: changePassword, Vars: map[string]any{"c": oldPassword, "n": newPassword}})
			if r.code() != "UNAUTHENTICATED" {
				t.Fatalf("changePassword by %s: %+v", what, r.Errors)
			}
			if r := e.do(t, request{Token: token, Query: `mutation { signOutOtherSessions { endedSessions } }`}); r.code() != "UNAUTHENTICATED" {
				t.Fatalf("signOutOtherSessions by %s: %+v", what, r.Errors)
			}
		}
		stolen := signInFrom(t, e, "target@example.com", oldPassword, "thief")
		for i := range 3 {
			r := e.do(t, request{Token: stolen, Header: from(nthIP(30 + i)), Query: changePassword, Vars: map[string]any{"c": "guess number " + string(rune('0'+i)), "n": newPassword}})
			badCredentials(t, "a guess with a stolen session", r)
		}
		throttled(t, "the 4th guess, from yet another address", e.do(t, request{Token: stolen, Header: from(nthIP(40)), Query: changePassword,
			Vars: map[string]any{"c": oldPassword, "n": newPassword}}))
		tokenWorks(t, e, request{Token: owner}, "target", "the owner's session")
		signInFrom(t, e, "target@example.com", oldPassword, "") // the password did not change
		other := e.account(t, "bystander")
		var out struct{ ChangePassword struct{ EndedSessions int } }
		e.do(t, request{Token: other, Header: from(nthIP(40)), Query: changePassword, Vars: map[string]any{"c": oldPassword, "n": newPassword}}).decode(t, &out)
	})
}

// TestHostileOutbox: on the embedded default the reset mail goes to the
// local outbox (0700 folder, 0600 files named by the recipient's hash);
// /outbox shows it to operators only, escaped, and answers 403 to anyone
// else.
func TestHostileOutbox(t *testing.T) {
	e := startEnv(t, "", hostileSettings)
	e.account(t, "boxed")
	resetOK(t, "a reset", askReset(t, e, nthIP(1), "boxed@example.com"))
	dir := filepath.Join(e.DataDir, "outbox")
	var files []os.DirEntry
	deadline := time.Now().Add(20 * time.Second)
	for len(files) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no message in the outbox within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
		all, _ := os.ReadDir(dir)
		// The outbox writes a message to a temporary file, then renames
		// it: only the renamed message counts.
		files = slices.DeleteFunc(all, func(f os.DirEntry) bool { return !strings.HasSuffix(f.Name(), ".eml") })
	}
	st, _ := os.Stat(dir)
	info, _ := files[0].Info()
	if st.Mode().Perm() != 0o700 || info.Mode().Perm() != 0o600 || !strings.HasSuffix(files[0].Name(), "-"+mail.RecipientHash("boxed@example.com")+".eml") {
		t.Fatalf("outbox %v, file %s %v", st.Mode().Perm(), files[0].Name(), info.Mode().Perm())
	}
	// A message holding markup (none of FaceStat's do: this one is planted)
	// must show as text.
	os.WriteFile(filepath.Join(dir, "1-"+mail.RecipientHash("x@example.com")+".eml"), []byte("Subject: <script>alert(1)</script>\r\n\r\nhi"), 0o600)

	res, body := getWith(t, e.URL+"/outbox", from(nthIP(9)))
	if res.StatusCode != http.StatusForbidden || strings.Contains(string(body), "fsp_") {
		t.Fatalf("a stranger's /outbox: %d %q", res.StatusCode, body)
	}
	res, body = get(t, e.URL+"/outbox") // loopback: operator-cidrs
	page := string(body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" ||
		!strings.Contains(page, e.URL+"/reset-password?token=fsp_") || strings.Contains(page, "<script>") ||
		!strings.Contains(page, "&lt;script&gt;") || strings.Index(page, "fsp_") > strings.Index(page, "&lt;script&gt;") {
		t.Fatalf("the operator's /outbox: %d %v\n%s", res.StatusCode, res.Header, page)
	}
}
