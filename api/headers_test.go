package api_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

// TestSecurityHeadersOnEveryResponse: pages, the API's JSON, its errors,
// redirects, images, plain files and refusals all carry nosniff, a
// Referrer-Policy, X-Frame-Options and a Content-Security-Policy with
// frame-ancestors 'none'; HSTS exactly when the public URL is https.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	webapp := fstest.MapFS{"index.html": {Data: shell}, "graphiql.html": {Data: graphiqlShell}, "assets/index-91DTrR4Z.js": {Data: appJS}}
	for publicURL, hsts := range map[string]string{
		"http://127.0.0.1:8080":    "",
		"https://facestat.example": "max-age=63072000; includeSubDomains",
	} {
		ts := newWebServer(t, webapp, map[string]string{"FACESTAT_PUBLIC_URL": publicURL}, fixedFront{})
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/", 200},                               // the front page's short cut
			{"GET", "/judge", 200},                          // an app page
			{"GET", "/graphiql", 200},                       // GraphiQL
			{"GET", "/no-such-page", 404},                   // the app's not-found page
			{"GET", "/judge/", 301},                         // a redirect (HTML body)
			{"GET", "/graphql?query=%7B__typename%7D", 200}, // the API
			{"POST", "/graphql", 400},                       // the API, refusing a request
			{"GET", "/graphql/nope", 404},                   // the API's not-found
			{"DELETE", "/graphql", 405},                     // a method no route serves
			{"GET", "/images/img/nope.jpg", 404},            // an image that is not there
			{"GET", "/schema.graphql", 200},                 // a plain file
			{"GET", "/assets/index-91DTrR4Z.js", 200},       // an asset
			{"GET", "/healthz", 200},                        // a health check
			{"GET", "/photos/UGhvdG86MQ", 404},              // a photo's page for no photo
			{"OPTIONS", "/graphql", http.StatusNoContent},   // a preflight, not granted
			{"GET", "/favicon-that-is-not-there.ico", 404},  // a missing built file
			{"GET", "/graphql?query=%7B", http.StatusOK},    // a syntax error (application/json: 200, no data)
		} {
			req, err := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader("{"))
			if err != nil {
				t.Fatal(err)
			}
			if c.method == "OPTIONS" {
				req.Header.Set("Origin", "https://evil.example")
				req.Header.Set("Access-Control-Request-Method", "POST")
			}
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			h := res.Header
			if res.StatusCode != c.status {
				t.Errorf("%s: %s %s = %d, want %d", publicURL, c.method, c.path, res.StatusCode, c.status)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" ||
				h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
				h.Get("Strict-Transport-Security") != hsts {
				t.Errorf("%s: %s %s lacks a security header (HSTS want %q): %v", publicURL, c.method, c.path, hsts, h)
			}
		}
	}
}

// noRedirect is a client that returns redirects as they are.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestCORSOnlyConfiguredOrigins: with no cors-origins (the default), no
// origin is granted, neither on a preflight nor on a request; with one
// set, that origin is granted and others are not.
func TestCORSOnlyConfiguredOrigins(t *testing.T) {
	grant := func(t *testing.T, url, origin string) (preflight, request string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, url+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type") // as browsers send them: lowercase, sorted
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		preflight = res.Header.Get("Access-Control-Allow-Origin")
		req, _ = http.NewRequest(http.MethodGet, url+"/graphql?query=%7B__typename%7D", nil)
		req.Header.Set("Origin", origin)
		if res, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /graphql from %s: %d", origin, res.StatusCode)
		}
		return preflight, res.Header.Get("Access-Control-Allow-Origin")
	}
	webapp := fstest.MapFS{"index.html": {Data: shell}}
	t.Run("OKNoneByDefault", func(t *testing.T) {
		ts := newWebServer(t, webapp, nil, nil)
		for _, origin := range []string{"https://evil.example", "http://localhost:3000", "null"} {
			if p, r := grant(t, ts.URL, origin); p != "" || r != "" {
				t.Errorf("%s granted: preflight %q, request %q", origin, p, r)
			}
		}
	})
	t.Run("OKListed", func(t *testing.T) {
		ts := newWebServer(t, webapp, map[string]string{"FACESTAT_CORS_ORIGINS": "https://app.example"}, nil)
		if p, r := grant(t, ts.URL, "https://app.example"); p != "https://app.example" || r != "https://app.example" {
			t.Errorf("listed origin: preflight %q, request %q; want it granted", p, r)
		}
		if p, r := grant(t, ts.URL, "https://evil.example"); p != "" || r != "" {
			t.Errorf("unlisted origin granted: preflight %q, request %q", p, r)
		}
	})
}
