package integration_test

import (
	"net/http"
	"testing"
	"time"
)

const viewerQuery = `{ viewer { id isAnonymous user { id handle } } }`

type viewerData struct {
	Viewer *struct {
		ID          string
		IsAnonymous bool
		User        *struct{ ID, Handle string }
	}
}

type sessionData struct {
	Token, RefreshToken string
	ExpiresAt           time.Time
	Viewer              struct{ ID string }
}

func TestAccountLifecycle(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		var up struct{ SignUp sessionData }
		e.gql(t, "", `mutation { signUp(input: {handle: "Alice_1", email: " Alice@Example.com ", password: "correct horse battery"}) {
			token refreshToken expiresAt viewer { id } } }`, nil, &up)
		if up.SignUp.Token == "" || up.SignUp.RefreshToken == "" || !up.SignUp.ExpiresAt.After(time.Now()) {
			t.Fatalf("signUp returned %+v", up.SignUp)
		}
		var v viewerData
		e.gql(t, up.SignUp.Token, viewerQuery, nil, &v)
		if v.Viewer == nil || v.Viewer.IsAnonymous || v.Viewer.User == nil || v.Viewer.User.Handle != "alice_1" {
			t.Fatalf("viewer after signUp: %+v", v.Viewer)
		}

		t.Run("ErrTaken", func(t *testing.T) {
			r := e.do(t, request{Query: `mutation { signUp(input: {handle: "bob", email: "alice@example.com", password: "correct horse battery"}) { token } }`})
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "TAKEN" || r.ext("field") != "input.email" {
				t.Fatalf("got %+v", r.Errors)
			}
		})
		t.Run("ErrWeakPassword", func(t *testing.T) {
			r := e.do(t, request{Query: `mutation { signUp(input: {handle: "bob", email: "bob@example.com", password: "short"}) { token } }`})
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "WEAK_PASSWORD" || r.ext("field") != "input.password" {
				t.Fatalf("got %+v", r.Errors)
			}
		})
		t.Run("ErrWrongPassword", func(t *testing.T) {
			r := e.do(t, request{Query: `mutation { signIn(input: {email: "alice@example.com", password: "wrong password!"}) { token } }`})
			if r.code() != "UNAUTHENTICATED" || r.ext("reason") != "BAD_CREDENTIALS" {
				t.Fatalf("got %+v", r.Errors)
			}
		})

		var in struct{ SignIn sessionData }
		e.gql(t, "", `mutation { signIn(input: {email: "ALICE@example.com", password: "correct horse battery"}) {
			token refreshToken expiresAt viewer { id } } }`, nil, &in)
		if in.SignIn.Viewer.ID != up.SignUp.Viewer.ID || in.SignIn.Token == up.SignUp.Token {
			t.Fatalf("signIn: %+v, signUp: %+v", in.SignIn, up.SignUp)
		}

		var ref struct{ RefreshSession sessionData }
		e.gql(t, "", `mutation($r: String!) { refreshSession(input: {refreshToken: $r}) { token refreshToken expiresAt viewer { id } } }`,
			map[string]any{"r": in.SignIn.RefreshToken}, &ref)
		if ref.RefreshSession.Viewer.ID != up.SignUp.Viewer.ID || ref.RefreshSession.RefreshToken == in.SignIn.RefreshToken {
			t.Fatalf("refresh: %+v", ref.RefreshSession)
		}
		t.Run("ErrRefreshReused", func(t *testing.T) {
			r := e.do(t, request{Query: `mutation($r: String!) { refreshSession(input: {refreshToken: $r}) { token } }`,
				Vars: map[string]any{"r": in.SignIn.RefreshToken}})
			if r.code() != "UNAUTHENTICATED" {
				t.Fatalf("reusing a refresh token: %+v", r.Errors)
			}
		})
		t.Run("ErrOldTokenAfterRefresh", func(t *testing.T) {
			if r := e.do(t, request{Token: in.SignIn.Token, Query: viewerQuery}); r.Status != http.StatusUnauthorized {
				t.Fatalf("the refreshed-away token still works: %d %+v", r.Status, r.Errors)
			}
		})

		var out struct{ SignOut struct{ Ok bool } }
		e.gql(t, ref.RefreshSession.Token, `mutation { signOut { ok } }`, nil, &out)
		if !out.SignOut.Ok {
			t.Fatal("signOut not ok")
		}
		if r := e.do(t, request{Token: ref.RefreshSession.Token, Query: viewerQuery}); r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Fatalf("token after signOut: %d %+v", r.Status, r.Errors)
		}
		// The first session is untouched by signing out of another one.
		e.gql(t, up.SignUp.Token, viewerQuery, nil, &v)
		if v.Viewer == nil {
			t.Fatal("signing out of one session ended another")
		}
	})
}

func TestAnonymousJudge(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		before := e.snapshot(t)
		var anon struct{ StartAnonymousSession sessionData }
		e.gql(t, "", `mutation { startAnonymousSession { token expiresAt viewer { id } } }`, nil, &anon)
		if after := e.snapshot(t); after.String() != before.String() {
			t.Fatalf("an anonymous session wrote to the database: %v -> %v", before, after)
		}
		var v viewerData
		e.gql(t, anon.StartAnonymousSession.Token, viewerQuery, nil, &v)
		if v.Viewer == nil || !v.Viewer.IsAnonymous || v.Viewer.User != nil || v.Viewer.ID != anon.StartAnonymousSession.Viewer.ID {
			t.Fatalf("anonymous viewer: %+v", v.Viewer)
		}

		t.Run("SignUpKeepsIdentity", func(t *testing.T) {
			var up struct{ SignUp sessionData }
			e.gql(t, anon.StartAnonymousSession.Token, `mutation { signUp(input: {handle: "judge", email: "judge@example.com", password: "correct horse battery"}) {
				token viewer { id } } }`, nil, &up)
			if up.SignUp.Viewer.ID != anon.StartAnonymousSession.Viewer.ID {
				t.Fatalf("signing up as a judge changed its id: %s -> %s", anon.StartAnonymousSession.Viewer.ID, up.SignUp.Viewer.ID)
			}
		})

		t.Run("ErrExpired", func(t *testing.T) {
			var a struct{ StartAnonymousSession sessionData }
			e.gql(t, "", `mutation { startAnonymousSession { token } }`, nil, &a)
			e.Clock.Advance(e.App.Config.AnonTokenTTL + time.Second)
			r := e.do(t, request{Token: a.StartAnonymousSession.Token, Query: viewerQuery})
			if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || r.ext("reason") != "TOKEN_EXPIRED" {
				t.Fatalf("expired anonymous token: %d %+v", r.Status, r.Errors)
			}
		})
	})
}

func TestCookieSession(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		cookiesOf := func(r *response) map[string]*http.Cookie {
			m := map[string]*http.Cookie{}
			for _, c := range (&http.Response{Header: r.Header}).Cookies() {
				m[c.Name] = c
			}
			return m
		}
		r := e.do(t, request{Query: `mutation { signUp(input: {handle: "carol", email: "carol@example.com", password: "correct horse battery", cookie: true}) {
			token refreshToken viewer { id } } }`})
		var up struct{ SignUp sessionData }
		r.decode(t, &up)
		if up.SignUp.Token != "" || up.SignUp.RefreshToken != "" {
			t.Fatalf("a cookie session handed its tokens to the page: %+v", up.SignUp)
		}
		c := cookiesOf(r)
		session, refresh, csrf := c["fs_session"], c["fs_refresh"], c["fs_csrf"]
		if session == nil || refresh == nil || csrf == nil || !session.HttpOnly || !refresh.HttpOnly || csrf.HttpOnly || refresh.Path != "/graphql" {
			t.Fatalf("cookies: %v", c)
		}
		jar := []*http.Cookie{{Name: session.Name, Value: session.Value}, {Name: csrf.Name, Value: csrf.Value}}
		withCSRF := http.Header{"X-Csrf-Token": {csrf.Value}}
		t.Run("ErrNoCSRFHeader", func(t *testing.T) {
			r := e.do(t, request{Query: viewerQuery, Cookies: jar})
			if r.Status != http.StatusForbidden || r.code() != "FORBIDDEN" || r.ext("reason") != "CSRF_TOKEN_INVALID" {
				t.Fatalf("POST without CSRF header: %d %+v", r.Status, r.Errors)
			}
		})
		t.Run("ErrCrossSite", func(t *testing.T) {
			// What a browser sends for a form posted from another site.
			r := e.do(t, request{Query: viewerQuery, Cookies: jar,
				Header: http.Header{"X-Csrf-Token": {csrf.Value}, "Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}})
			if r.Status != http.StatusForbidden || r.code() != "FORBIDDEN" {
				t.Fatalf("cross-site POST: %d %+v", r.Status, r.Errors)
			}
		})
		t.Run("ErrCrossSiteSignIn", func(t *testing.T) {
			// No cookie at all: a cross-site form must not sign the browser in.
			r := e.do(t, request{Query: `mutation { signIn(input: {email: "carol@example.com", password: "correct horse battery", cookie: true}) { token } }`,
				Header: http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}})
			if r.Status != http.StatusForbidden || len(cookiesOf(r)) != 0 {
				t.Fatalf("cross-site sign-in: %d %+v %v", r.Status, r.Errors, r.Header)
			}
		})
		t.Run("OK", func(t *testing.T) {
			var v viewerData
			e.do(t, request{Query: viewerQuery, Cookies: jar, Header: withCSRF}).decode(t, &v)
			if v.Viewer == nil || v.Viewer.User == nil || v.Viewer.User.Handle != "carol" {
				t.Fatalf("cookie viewer: %+v", v.Viewer)
			}
		})
		t.Run("RefreshFromCookie", func(t *testing.T) {
			r := e.do(t, request{Query: `mutation { refreshSession(input: {cookie: true}) { token viewer { id } } }`,
				Cookies: append(jar, &http.Cookie{Name: refresh.Name, Value: refresh.Value}), Header: withCSRF})
			var ref struct{ RefreshSession sessionData }
			r.decode(t, &ref)
			nc := cookiesOf(r)
			if ref.RefreshSession.Viewer.ID != up.SignUp.Viewer.ID || ref.RefreshSession.Token != "" ||
				nc["fs_session"] == nil || nc["fs_session"].Value == session.Value || nc["fs_refresh"] == nil {
				t.Fatalf("refresh from cookie: %+v %v", ref.RefreshSession, nc)
			}
			// The old session was rotated away.
			if r := e.do(t, request{Query: viewerQuery, Cookies: jar, Header: withCSRF}); r.code() != "" {
				t.Fatalf("old cookie after refresh: %+v", r.Errors)
			}
			var v viewerData
			e.do(t, request{Query: viewerQuery, Cookies: jar, Header: withCSRF}).decode(t, &v)
			if v.Viewer != nil {
				t.Fatalf("the rotated-away cookie still signs in: %+v", v.Viewer)
			}
			session = nc["fs_session"]
			csrf = nc["fs_csrf"]
		})
		t.Run("SignOutClearsCookies", func(t *testing.T) {
			r := e.do(t, request{Query: `mutation { signOut { ok } }`,
				Cookies: []*http.Cookie{{Name: session.Name, Value: session.Value}, {Name: csrf.Name, Value: csrf.Value}},
				Header:  http.Header{"X-Csrf-Token": {csrf.Value}}})
			r.decode(t, &struct{}{})
			for name, c := range cookiesOf(r) {
				if c.MaxAge >= 0 {
					t.Errorf("cookie %s not cleared: %+v", name, c)
				}
			}
		})
	})
}
