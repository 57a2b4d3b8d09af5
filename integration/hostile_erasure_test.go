package integration_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestHostileExportLinks: a stranger who learns an export's link (another
// account, by bearer token or cookie, an anonymous judge, no session, a
// forged token), or guesses links (random ids, mangled real ones, 10 KB of
// junk), gets 404 NOT_FOUND, private, no-store, with the very body an id
// that never existed gets: nothing tells that the export exists. The owner
// is served throughout.
func TestHostileExportLinks(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "export_owner")
		stranger := e.account(t, "export_stranger")
		e.uploadOne(t, owner, 150)
		exp := e.exportMyData(t, owner)
		zipped := awaitExport(t, exp.URL, owner)
		id := strings.TrimPrefix(exp.URL, e.URL+"/exports/")
		_, nobody := fetchExport(t, e.URL+"/exports/"+uuid.NewString(), owner, false)

		try := func(t *testing.T, what, u, token string, cookie bool) {
			t.Helper()
			res, body := fetchExport(t, u, token, cookie)
			wantNoExport(t, what, res, body)
			if res.StatusCode == http.StatusNotFound && !bytes.Equal(body, nobody) {
				t.Errorf("%s: the answer differs from a made-up id's: %s, %s", what, body, nobody)
			}
		}
		t.Run("SomeoneElses", func(t *testing.T) {
			try(t, "another account", exp.URL, stranger, false)
			try(t, "another account's cookie", exp.URL, stranger, true)
			try(t, "an anonymous judge", exp.URL, e.anonymous(t), false)
			try(t, "no session", exp.URL, "", false)
			try(t, "a forged token", exp.URL, "fsa_"+strings.Repeat("A", 43), false)
		})
		t.Run("GuessedIDs", func(t *testing.T) {
			for range 50 {
				try(t, "a random id", e.URL+"/exports/"+uuid.NewString(), owner, false)
			}
			for _, bad := range []string{"x", strings.ToUpper(id), id + ".zip", "%2e%2e%2fimages", id[:35], strings.Repeat("a", 10000)} {
				res, body := fetchExport(t, e.URL+"/exports/"+bad, owner, false)
				if res.StatusCode != http.StatusNotFound || res.Header.Get("Cache-Control") != "private, no-store" {
					t.Errorf("%.40q: %d %v %.200s", bad, res.StatusCode, res.Header, body)
				}
			}
		})
		res, body := fetchExport(t, exp.URL, owner, false)
		if res.StatusCode != http.StatusOK || !bytes.Equal(body, zipped) {
			t.Fatalf("the owner after the attacks: %d", res.StatusCode)
		}
	})
}

// TestHostileExportFlood: an account asks for its export twenty times at
// once, then again and again: one export is built, every answer names it
// (a request admission refused BUSY asks again);
// once it has expired, new exports are limited per account (rate-export,
// here 2 a day): the third is 429 RATE_LIMITED with a retry time, and
// builds nothing.
func TestHostileExportFlood(t *testing.T) {
	backends(t, map[string]string{"FACESTAT_RATE_EXPORT": "2/24h"}, func(t *testing.T, e *env) {
		owner := e.account(t, "export_flooder")
		c := &clock{}
		e.App.Account.Now = c.Now
		var wg sync.WaitGroup
		urls := make([]string, 20)
		errs := make([]string, 20)
		var busy, firstTry, inFlight, peak atomic.Int64
		start := make(chan struct{})
		for i := range urls {
			wg.Go(func() {
				<-start
				// Admission may refuse some of a flood BUSY on a loaded
				// machine (CI runs packages side by side); such a request
				// asks again, and its answer must name the same export.
				n := inFlight.Add(1)
				r := e.do(t, request{Token: owner, Query: exportMutation})
				if r.code() != "UNAVAILABLE" {
					firstTry.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
				}
				inFlight.Add(-1)
				if r.code() == "UNAVAILABLE" && r.ext("reason") == "BUSY" {
					busy.Add(1)
					r = whileBusy(func() *response { return e.do(t, request{Token: owner, Query: exportMutation}) })
				}
				var out struct{ ExportMyData exportPayload }
				if len(r.Errors) > 0 {
					errs[i] = fmt.Sprintf("%+v", r.Errors)
				} else if err := json.Unmarshal(r.Data, &out); err != nil {
					errs[i] = err.Error()
				}
				urls[i] = out.ExportMyData.URL
			})
		}
		close(start)
		wg.Wait()
		t.Logf("%d of 20 admitted on their first try, up to %d in flight together; %d refusals BUSY asked again",
			firstTry.Load(), peak.Load(), busy.Load())
		for i, err := range errs {
			if err != "" {
				t.Fatalf("request %d: %s", i, err)
			}
		}
		if firstTry.Load() < 2 || peak.Load() < 2 {
			t.Fatalf("%d of the 20 requests admitted on their first try, at most %d in flight together: no race to test",
				firstTry.Load(), peak.Load())
		}
		for _, u := range urls {
			if u != urls[0] {
				t.Fatalf("twenty requests at once got several exports: %v", urls)
			}
		}
		if n := e.App.DB.Client.DataExport.Query().CountX(t.Context()); n != 1 {
			t.Fatalf("%d exports, want 1", n)
		}
		awaitExport(t, urls[0], owner)
		c.Advance(2 * time.Hour) // the first export has expired
		second := e.exportMyData(t, owner)
		if second.URL == urls[0] {
			t.Fatal("an expired export was handed out again")
		}
		awaitExport(t, second.URL, owner)
		c.Advance(2 * time.Hour)
		r := e.do(t, request{Token: owner, Query: exportMutation})
		if r.code() != "RATE_LIMITED" || r.Status != http.StatusTooManyRequests || r.ext("retryAfter") == nil {
			t.Fatalf("a third export in a day: %d %+v", r.Status, r.Errors)
		}
		if n := e.App.DB.Client.DataExport.Query().CountX(t.Context()); n != 2 {
			t.Fatalf("%d exports, want 2", n)
		}
	})
}

// TestHostileDeleteAccount: deleteAccount with a wrong password (or 10 KB
// of one) is UNAUTHENTICATED BAD_CREDENTIALS and erases nothing; guessing
// with a stolen session is limited on the account's own budget, as
// changePassword is (rate-sign-in-device, here 3 an hour): the fourth
// attempt is 429 RATE_LIMITED. Strangers who use up the e-mail's sign-in
// budget (rate-sign-in-email, here 3 an hour) guessing at signIn do not
// lock the owner out of deleting the account. An anonymous judge,
// or a client without a session, is UNAUTHENTICATED and erases nothing.
// An export link of a deleted account answers 404, also to the account
// that signs up again with its e-mail and handle.
func TestHostileDeleteAccount(t *testing.T) {
	backends(t, withSettings(hostileSettings, map[string]string{"FACESTAT_RATE_SIGN_IN_EMAIL": "3/1h", "FACESTAT_RATE_SIGN_IN_DEVICE": "3/1h"}), func(t *testing.T, e *env) {
		victim := e.account(t, "delete_target")
		e.uploadOne(t, victim, 150)
		before := e.counts(t)
		del := func(token, password string) *response {
			return e.do(t, request{Token: token, Query: deleteMutation, Vars: map[string]any{"p": password}})
		}
		t.Run("ErrWrongPassword", func(t *testing.T) {
			for _, p := range []string{"guess number one", strings.Repeat("p", 10000), "guess number three"} {
				if r := del(victim, p); r.code() != "UNAUTHENTICATED" || r.ext("reason") != "BAD_CREDENTIALS" {
					t.Fatalf("a wrong password: %+v", r.Errors)
				}
			}
			if r := del(victim, "guess number four"); r.code() != "RATE_LIMITED" || r.Status != http.StatusTooManyRequests {
				t.Fatalf("the fourth guess: %d %+v", r.Status, r.Errors)
			}
		})
		t.Run("ErrNotAnAccount", func(t *testing.T) {
			for what, tok := range map[string]string{"an anonymous judge": e.anonymous(t), "no session": ""} {
				if r := del(tok, "correct horse battery"); r.code() != "UNAUTHENTICATED" {
					t.Errorf("%s: %+v", what, r.Errors)
				}
			}
		})
		if after := e.counts(t); !mapsEqual(after, before) {
			t.Fatalf("refused deletions changed rows: %v, were %v", after, before)
		}

		t.Run("StrangersCannotLockTheOwnerOut", func(t *testing.T) {
			owner := e.account(t, "delete_lockout")
			signIn := `mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }`
			for i := range 3 {
				r := e.do(t, request{Header: from(nthIP(70 + i)), Query: signIn, Vars: map[string]any{"e": "delete_lockout@example.com", "p": "a stranger's guess"}})
				badCredentials(t, "a stranger's guess at signIn", r)
			}
			throttled(t, "the strangers' 4th guess at signIn", e.do(t, request{Header: from(nthIP(73)), Query: signIn,
				Vars: map[string]any{"e": "delete_lockout@example.com", "p": "a stranger's guess"}}))
			var out struct{ DeleteAccount struct{ Ok bool } }
			e.do(t, request{Token: owner, Header: from(nthIP(74)), Query: deleteMutation, Vars: map[string]any{"p": "correct horse battery"}}).decode(t, &out)
			if !out.DeleteAccount.Ok {
				t.Fatal("the owner could not delete the account")
			}
		})

		t.Run("ExportLinkAfterDeletion", func(t *testing.T) {
			gone := e.account(t, "delete_exporter")
			exp := e.exportMyData(t, gone)
			awaitExport(t, exp.URL, gone)
			var out struct{ DeleteAccount struct{ Ok bool } }
			e.gql(t, gone, deleteMutation, map[string]any{"p": "correct horse battery"}, &out)
			res, body := fetchExport(t, exp.URL, gone, false)
			wantNoExport(t, "the deleted account's own token", res, body)
			again := e.account(t, "delete_exporter")
			res, body = fetchExport(t, exp.URL, again, false)
			wantNoExport(t, "the account signed up again with the e-mail and handle", res, body)
		})
	})
}

// noiseJPEG is a JPEG of random pixels, which no encoder shrinks much.
func noiseJPEG(t *testing.T, side int, seed uint64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestHostileExportTooLarge: an account whose data is larger than
// max-export-bytes (1 MiB here; three photos of noise) asks for its
// export: the build stops at the bound (it never holds more than the
// bound, in a temporary file), the link answers 409 CONFLICT, reason
// EXPORT_TOO_LARGE, and no file is stored.
func TestHostileExportTooLarge(t *testing.T) {
	t.Parallel()
	settings := map[string]string{"FACESTAT_MAX_EXPORT_BYTES": "1MiB", "FACESTAT_MAX_UPLOAD_BYTES": "8MiB", "FACESTAT_IMAGE_SIDE": "1024"}
	backends(t, settings, func(t *testing.T, e *env) {
		owner := e.account(t, "export_hoarder")
		for i := range 3 {
			e.upload(t, owner, "noise.jpg", noiseJPEG(t, 1024, uint64(i+1)), false).decode(t, new(map[string]any))
		}
		exp := e.exportMyData(t, owner)
		var res *http.Response
		var body []byte
		waitFor(t, "the export to fail", func() bool {
			res, body = fetchExport(t, exp.URL, owner, false)
			return res.StatusCode != http.StatusAccepted
		})
		if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), "EXPORT_TOO_LARGE") || res.Header.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("an export over the bound: %d %s", res.StatusCode, body)
		}
		for _, b := range e.snapshot(t).Blobs {
			if strings.HasSuffix(b, ".zip") {
				t.Errorf("a file was stored: %s", b)
			}
		}
		if again := e.exportMyData(t, owner); again.URL == exp.URL {
			t.Error("a failed export was handed out again")
		}
	})
}
