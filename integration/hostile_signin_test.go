package integration_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/imageproc/imagetest"
)

// signInAttempt is one signIn from a client address of the test's choosing.
type signInAttempt struct {
	ip, email, password string
	device              *string        // SignInInput.deviceToken; nil: not given
	cookie              bool           // ask for a cookie session
	cookies             []*http.Cookie // sent with the request (a browser's device cookie)
}

func (a signInAttempt) send(t *testing.T, e *env) *response {
	t.Helper()
	in := map[string]any{"email": a.email, "password": a.password, "cookie": a.cookie}
	if a.device != nil {
		in["deviceToken"] = *a.device
	}
	return e.do(t, request{Header: from(a.ip), Cookies: a.cookies, Vars: map[string]any{"in": in},
		Query: `mutation($in: SignInInput!) { signIn(input: $in) { token deviceToken viewer { id } } }`})
}

// signedIn fails the test unless r is a successful bearer sign-in with a
// device token, and returns the device token.
func signedIn(t *testing.T, what string, r *response) string {
	t.Helper()
	var out struct {
		SignIn struct{ Token, DeviceToken string }
	}
	if r.code() != "" {
		t.Fatalf("%s: %d %+v; want it signed in", what, r.Status, r.Errors)
	}
	r.decode(t, &out)
	if out.SignIn.Token == "" || !strings.HasPrefix(out.SignIn.DeviceToken, "fsd_") || len(out.SignIn.DeviceToken) > 256 {
		t.Fatalf("%s: token %q, device token %q; want both", what, out.SignIn.Token, out.SignIn.DeviceToken)
	}
	return out.SignIn.DeviceToken
}

// deviceCookieOf fails the test unless r is a successful cookie sign-in
// that kept the device token out of the payload and set it as an HttpOnly,
// SameSite=Strict cookie for /graphql lasting about a year, and returns
// the cookie as a browser sends it back.
func deviceCookieOf(t *testing.T, what string, r *response) *http.Cookie {
	t.Helper()
	var out struct{ SignIn struct{ DeviceToken *string } }
	if r.code() != "" {
		t.Fatalf("%s: %d %+v; want it signed in", what, r.Status, r.Errors)
	}
	r.decode(t, &out)
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name != "fs_device" {
			continue
		}
		if out.SignIn.DeviceToken != nil || !strings.HasPrefix(c.Value, "fsd_") || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode ||
			c.Path != "/graphql" || c.MaxAge < 364*24*3600 || c.MaxAge > 366*24*3600 {
			t.Fatalf("%s: payload device token %v, cookie %+v; want only an HttpOnly SameSite=Strict /graphql cookie for a year", what, out.SignIn.DeviceToken, c)
		}
		return &http.Cookie{Name: c.Name, Value: c.Value}
	}
	t.Fatalf("%s: no fs_device cookie in %v", what, r.Header.Values("Set-Cookie"))
	return nil
}

// throttled fails the test unless r was refused for its rate: 429
// RATE_LIMITED with the same whole number of seconds, at least one, in
// Retry-After and extensions.retryAfter.
func throttled(t *testing.T, what string, r *response) {
	t.Helper()
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	ext, _ := r.ext("retryAfter").(float64)
	if r.Status != http.StatusTooManyRequests || r.code() != "RATE_LIMITED" || err != nil || retry < 1 || ext != float64(retry) {
		t.Fatalf("%s: %d, Retry-After %q, %+v; want 429 RATE_LIMITED with a retry time", what, r.Status, r.Header.Get("Retry-After"), r.Errors)
	}
}

// badCredentials fails the test unless r is a refused sign-in that was
// judged (the password checked), not throttled.
func badCredentials(t *testing.T, what string, r *response) {
	t.Helper()
	if r.Status != http.StatusOK || r.code() != "UNAUTHENTICATED" || r.ext("reason") != "BAD_CREDENTIALS" {
		t.Fatalf("%s: %d %+v; want UNAUTHENTICATED, BAD_CREDENTIALS", what, r.Status, r.Errors)
	}
}

// TestHostileSignInLockout: strangers guess the owner's password from sixty
// addresses (each under its per-address limit) until the account's budget
// for untrusted clients is spent. They are throttled, and so is anyone
// without a device token of the account, but the owner's phone (device
// token as an argument) and browser (the fs_device cookie) still sign in,
// each on its own budget. A device that keeps guessing locks out only
// itself; another account's token, a forged, tampered, junk or expired one
// counts as none; an over-long one is refused as bad input. Default rates:
// 10/10m per account email, 10/10m per device. On each backend with
// in-process limits, and on two instances sharing PostgreSQL and Redis
// (the budgets shared through Redis, the attempts alternating between the
// instances).
func TestHostileSignInLockout(t *testing.T) {
	backends(t, hostileSettings, func(t *testing.T, e *env) { signInLockout(t, e) })
	t.Run("TwoInstancesRedis", func(t *testing.T) {
		t.Parallel()
		settings := withSettings(hostileSettings, map[string]string{"FACESTAT_REDIS_URL": startRedis(t).URL(), "FACESTAT_REDIS_PREFIX": liveRedisPrefix()})
		url := dbtest.MustCreatePGDatabase(t)
		signInLockout(t, startEnv(t, url, settings), startEnv(t, url, settings))
	})
}

// signInLockout is TestHostileSignInLockout on envs, instances of one
// service: attempt i goes to envs[i%len(envs)].
func signInLockout(t *testing.T, envs ...*env) {
	e, on := envs[0], func(i int) *env { return envs[i%len(envs)] }
	const owner, bystander, password = "owner@example.com", "bystander@example.com", "correct horse battery"
	e.account(t, "owner")
	e.account(t, "bystander")
	phone := signedIn(t, "the owner's phone", signInAttempt{ip: nthIP(1000), email: owner, password: password}.send(t, e))
	browser := deviceCookieOf(t, "the owner's browser",
		signInAttempt{ip: nthIP(1001), email: owner, password: password, cookie: true}.send(t, e))

	refused := 0
	for i := range 60 {
		r := signInAttempt{ip: nthIP(i), email: owner, password: fmt.Sprintf("guess number %d", i)}.send(t, on(i))
		if r.code() == "RATE_LIMITED" {
			throttled(t, fmt.Sprintf("guess %d", i), r)
			refused++
			continue
		}
		badCredentials(t, fmt.Sprintf("guess %d", i), r)
	}
	if refused < 50 {
		t.Fatalf("%d of 60 guesses from 60 addresses throttled; want all but the account's budget of 10", refused)
	}
	throttled(t, "a sixty-first guess without a device token", signInAttempt{ip: nthIP(60), email: owner, password: "guess number 60"}.send(t, on(60)))
	throttled(t, "the right password from a new device", signInAttempt{ip: nthIP(61), email: owner, password: password}.send(t, on(61)))

	// The owner's devices are served on their own budgets.
	laptop := signedIn(t, "the owner's phone during the attack",
		signInAttempt{ip: nthIP(2000), email: owner, password: password, device: &phone}.send(t, on(1)))
	if laptop == phone {
		t.Fatal("a sign-in with a device token handed the same token back; want a new one")
	}
	browser = deviceCookieOf(t, "the owner's browser during the attack",
		signInAttempt{ip: nthIP(2001), email: owner, password: password, cookie: true, cookies: []*http.Cookie{browser}}.send(t, on(1)))
	other := signedIn(t, "another account from a stranger's address",
		signInAttempt{ip: nthIP(1), email: bystander, password: password}.send(t, e))

	// A device token in the wrong hands guesses on its own budget: it is
	// judged while untrusted clients are throttled, then locked out
	// itself, while the owner's other devices are still served.
	for i := range 10 {
		badCredentials(t, fmt.Sprintf("wrong password %d with a valid device token", i),
			signInAttempt{ip: nthIP(3000 + i), email: owner, password: "guess with a device", device: &laptop}.send(t, on(i)))
	}
	throttled(t, "the device's eleventh attempt", signInAttempt{ip: nthIP(3010), email: owner, password: password, device: &laptop}.send(t, on(1)))
	browser = deviceCookieOf(t, "the owner's browser after the device was locked out",
		signInAttempt{ip: nthIP(3011), email: owner, password: password, cookie: true, cookies: []*http.Cookie{browser}}.send(t, e))

	// Tokens that are not a valid one of this account count as none.
	payload, sig, _ := strings.Cut(strings.TrimPrefix(phone, "fsd_"), ".")
	otherPayload, _, _ := strings.Cut(strings.TrimPrefix(other, "fsd_"), ".")
	anon := e.anonymous(t)
	for name, token := range map[string]string{
		"another account's":      other,
		"a forged signature":     "fsd_" + payload + "." + strings.Repeat("A", len(sig)),
		"a tampered payload":     "fsd_" + otherPayload + "." + sig,
		"junk":                   "fsd_junk.junk",
		"not a device token":     anon,
		"empty":                  "",
		"at the length limit":    strings.Repeat("x", 256),
		"a judge's access token": "fsa_" + payload,
		"an over-sized payload":  "fsd_" + strings.Repeat("A", 200) + "." + sig,
	} {
		throttled(t, "the right password with "+name+" device token",
			signInAttempt{ip: nthIP(4000), email: owner, password: password, device: &token}.send(t, e))
	}
	long := strings.Repeat("x", 257)
	r := signInAttempt{ip: nthIP(4001), email: owner, password: password, device: &long}.send(t, e)
	if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "TOO_LONG" || r.ext("field") != "input.deviceToken" {
		t.Fatalf("a 257-byte device token: %d %+v; want BAD_USER_INPUT, TOO_LONG, input.deviceToken", r.Status, r.Errors)
	}
	throttled(t, "the right password with a 3000-byte device cookie",
		signInAttempt{ip: nthIP(4002), email: owner, password: password, cookies: []*http.Cookie{{Name: "fs_device", Value: strings.Repeat("x", 3000)}}}.send(t, e))

	// A year later the device tokens are no longer trusted.
	for _, e := range envs {
		e.Clock.Advance(366 * 24 * time.Hour)
	}
	throttled(t, "the right password with an expired device cookie",
		signInAttempt{ip: nthIP(4003), email: owner, password: password, cookies: []*http.Cookie{browser}}.send(t, on(1)))
}

// together sends reqs at the same moment, each from a goroutine of its own
// released at once, and returns the responses in order.
func together(t *testing.T, e *env, reqs ...request) []*response {
	out := make([]*response, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			<-start
			out[i] = e.do(t, req)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// TestHostileConcurrentSignUps: sign-ups that race for one judge or one
// email never give two accounts or overwrite one another. Three sign-ups
// released together with one anonymous judge's token (one that has voted
// and one that has not; with one email, as a double submit, or with three
// emails) give one account, the judge's, with the winner's handle and
// email, and CONFLICT for the others; three from strangers for one email
// give one account, CONFLICT for those sent while it was being made and
// TAKEN for any that came after (some round must see a CONFLICT). Many
// rounds, on both backends.
func TestHostileConcurrentSignUps(t *testing.T) {
	backends(t, hostileSettings, func(t *testing.T, e *env) {
		var up struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		e.upload(t, e.account(t, "poser"), "me.jpg", imagetest.JPEGWithMetadata(160, 160, 1, imagetest.TopLeft), true).decode(t, &up)
		const signUp = `mutation($in: SignUpInput!) { signUp(input: $in) { token viewer { id user { handle } } } }`
		n, collided := 0, 0
		signUpAs := func(token, handle, email string) request {
			return request{Token: token, Query: signUp, Vars: map[string]any{"in": map[string]any{
				"handle": handle, "email": email, "password": "correct horse battery"}}}
		}
		// Twelve rounds, and more (up to 48) until the strangers' race has
		// met a CONFLICT: on a loaded machine the three may arrive one
		// after another for many rounds (a CI run saw none in twelve).
		for round := 0; round < 12 || collided == 0 && round < 48; round++ {
			for _, c := range []struct {
				name            string
				voted, oneEmail bool
			}{{"NewJudge", false, false}, {"NewJudgeOneEmail", false, true}, {"VotedJudge", true, false}, {"VotedJudgeOneEmail", true, true}} {
				judge := e.anonymous(t)
				var before viewerData
				e.gql(t, judge, viewerQuery, nil, &before)
				if c.voted {
					if r := liveVote(t, e, judge, up.UploadPhoto.Photo.ID, 30); r.code() != "" {
						t.Fatalf("round %d: the judge's vote: %+v", round, r.Errors)
					}
				}
				var reqs []request
				var emails []string
				for i := range 3 {
					n++
					email := fmt.Sprintf("racer%d@example.com", n)
					if c.oneEmail && i > 0 {
						email = emails[0]
					}
					emails = append(emails, email)
					reqs = append(reqs, signUpAs(judge, fmt.Sprintf("racer%d", n), email))
				}
				what := fmt.Sprintf("round %d, %s", round, c.name)
				rs := together(t, e, reqs...)
				winner := oneWinner(t, what, rs, "CONFLICT", "")
				var won struct {
					SignUp struct {
						Viewer struct {
							ID   string
							User struct{ Handle string }
						}
					}
				}
				rs[winner].decode(t, &won)
				if won.SignUp.Viewer.ID != before.Viewer.ID || won.SignUp.Viewer.User.Handle != reqs[winner].Vars["in"].(map[string]any)["handle"] {
					t.Fatalf("%s: the winner is %+v; want the judge %s with the winner's handle", what, won.SignUp.Viewer, before.Viewer.ID)
				}
				onlyAccount(t, e, what, emails, emails[winner])
			}

			what := fmt.Sprintf("round %d, strangers", round)
			n++
			email := fmt.Sprintf("racer%d@example.com", n)
			var reqs []request
			for i := range 3 {
				reqs = append(reqs, signUpAs("", fmt.Sprintf("racer%d_%d", n, i), email))
			}
			rs := together(t, e, reqs...)
			won := 0
			for i, r := range rs {
				switch {
				case r.code() == "":
					won++
				case r.code() == "CONFLICT":
					collided++
				case r.code() != "BAD_USER_INPUT" || r.ext("reason") != "TAKEN" || r.ext("field") != "input.email":
					t.Fatalf("%s: attempt %d: %d %+v; want CONFLICT, or the email said to be taken", what, i, r.Status, r.Errors)
				}
			}
			if won != 1 {
				t.Fatalf("%s: %d sign-ups succeeded, want 1", what, won)
			}
			onlyAccount(t, e, what, []string{email}, email)
		}
		if collided == 0 {
			t.Fatal("no stranger's sign-up ever answered CONFLICT: none ran while another made the account")
		}
	})
}

// onlyAccount fails the test unless exactly one account holds any of
// emails, and it holds want.
func onlyAccount(t *testing.T, e *env, what string, emails []string, want string) {
	t.Helper()
	rows, err := e.App.DB.Client.User.Query().Where(user.EmailIn(emails...)).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Email == nil || *rows[0].Email != want || rows[0].Anonymous {
		t.Fatalf("%s: accounts %+v hold %q; want one, with %s", what, rows, emails, want)
	}
}

// oneWinner fails the test unless exactly one of rs succeeded and every
// other was refused with code (and reason, when not empty), and returns the
// winner's index.
func oneWinner(t *testing.T, what string, rs []*response, code, reason string) int {
	t.Helper()
	winner := -1
	for i, r := range rs {
		switch {
		case r.code() == "" && winner < 0:
			winner = i
		case r.code() == "":
			t.Fatalf("%s: attempts %d and %d both succeeded", what, winner, i)
		case r.code() != code || reason != "" && r.ext("reason") != reason:
			t.Fatalf("%s: attempt %d: %d %+v; want %s %s", what, i, r.Status, r.Errors, code, reason)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: none succeeded: %+v", what, rs)
	}
	return winner
}
