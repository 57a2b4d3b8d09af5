package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/frontend"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/precompressed/precompressedtest"
)

// GraphiQL's page as Vite builds it (frontend/graphiql.html).
var graphiqlShell = []byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FaceStat GraphiQL</title>` +
	`<script type="module" crossorigin src="/assets/graphiql-CRahYhWY.js"></script>` +
	`<link rel="modulepreload" crossorigin href="/assets/jsx-runtime-DfYoYcrK.js">` +
	`<link rel="stylesheet" crossorigin href="/assets/graphiql-NkFZp5WX.css"></head>` +
	`<body><div id="graphiql"></div><noscript>GraphiQL needs JavaScript.</noscript></body></html>`)

// newWebServer serves webapp (and front, when set) with the configuration
// env makes.
func newWebServer(t *testing.T, webapp fs.FS, env map[string]string, front interface {
	Serve(http.ResponseWriter, *http.Request) bool
}) *httptest.Server {
	t.Helper()
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Deps{
		Config:    cfg,
		Log:       slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Resolver:  &graph.Resolver{MaxPageSize: cfg.MaxPageSize},
		WebApp:    webapp,
		FrontPage: front,
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// remoteRef finds what a page would load from elsewhere: an attribute
// naming a URL with a host (//host or scheme://, not data:), or a CSS url()
// or @import of one. An xmlns is a name, not a request.
var remoteRef = regexp.MustCompile(`(?i)(?:\b(?:src|href|action|srcset|poster|data|formaction)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["'])(?:[a-z][a-z0-9+.-]*:)?//[^\s"'<>)]+`)

func remoteRefs(page []byte) []string {
	var out []string
	for _, m := range remoteRef.FindAll(page, -1) {
		out = append(out, string(m))
	}
	return out
}

// The check finds what the CDN-loaded playground, which /graphiql served
// before, loads from other hosts, and nothing in a page that loads only
// its own files.
func TestRemoteRefs(t *testing.T) {
	rec := httptest.NewRecorder()
	playground.Handler("FaceStat GraphiQL", "/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql", nil))
	if refs := remoteRefs(rec.Body.Bytes()); len(refs) < 2 {
		t.Errorf("found %q in the CDN playground:\n%s", refs, rec.Body)
	}
	for _, page := range []string{
		`<link rel="stylesheet" href='https://cdn.example/a.css'>`,
		`<script src=//cdn.example/a.js></script>`,
		`<style>@font-face{src:url("https://fonts.example/f.woff2")}</style>`,
		`<style>@import "//fonts.example/css";</style>`,
	} {
		if len(remoteRefs([]byte(page))) != 1 {
			t.Errorf("missed the remote reference in %s", page)
		}
	}
	if refs := remoteRefs(graphiqlShell); len(refs) != 0 {
		t.Errorf("found %q in a page of its own files", refs)
	}
	if refs := remoteRefs([]byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="/schema.graphql">x</a>`)); len(refs) != 0 {
		t.Errorf("found %q", refs)
	}
}

// TestGraphiQLPlaceholder: a binary built without Node answers /graphiql
// with a page saying GraphiQL needs the web app built, which loads nothing
// from another host and whose inline style its policy allows by hash.
func TestGraphiQLPlaceholder(t *testing.T) {
	ts := newWebServer(t, frontend.Placeholder(), nil, nil)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		res, body := precompressedtest.Fetch(t, method, ts.URL+"/graphiql", nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			res.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s /graphiql: %d %v", method, res.StatusCode, res.Header)
		}
		if method == http.MethodHead {
			break
		}
		page := string(body)
		if !strings.Contains(page, "GraphiQL is not built in") || !strings.Contains(page, "make frontend") {
			t.Errorf("the placeholder does not say GraphiQL needs the app built:\n%s", page)
		}
		if refs := remoteRefs(body); len(refs) != 0 {
			t.Errorf("the placeholder loads from other hosts: %q", refs)
		}
		style := regexp.MustCompile(`(?s)<style>(.*)</style>`).FindStringSubmatch(page)
		if style == nil {
			t.Fatalf("no inline style in the placeholder:\n%s", page)
		}
		sum := sha256.Sum256([]byte(style[1]))
		if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(cspDirective(res, "style-src"), hash) {
			t.Errorf("style-src does not allow the placeholder's style (%s): %q", hash, res.Header.Get("Content-Security-Policy"))
		}
	}
}

// TestGraphiQL: /graphiql serves the built graphiql.html as the app's
// index.html is served (compressed once, an ETag per encoding, 304s,
// revalidated), with the app's policy.
func TestGraphiQL(t *testing.T) {
	ts := newWebServer(t, fstest.MapFS{
		"index.html":                     {Data: shell},
		"graphiql.html":                  {Data: graphiqlShell},
		"assets/graphiql-CRahYhWY.js":    {Data: appJS},
		"assets/graphiql-NkFZp5WX.css":   {Data: appCSS},
		"assets/jsx-runtime-DfYoYcrK.js": {Data: appJS},
	}, nil, nil)
	precompressedtest.CheckRepresentations(t, ts.URL+"/graphiql", graphiqlShell, precompressedtest.Options{Header: map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http://127.0.0.1:8080; " +
			"font-src 'self' data:; connect-src 'self' blob: ws://127.0.0.1:8080; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
	}})
	res, _ := precompressedtest.Fetch(t, http.MethodGet, ts.URL+"/assets/graphiql-NkFZp5WX.css", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("GraphiQL's stylesheet: %d %v", res.StatusCode, res.Header)
	}
}

// TestContentSecurityPolicy: every page of the web app (the front page, on
// its short cut too, the app's routes, its not-found page, GraphiQL)
// carries the policy, which
// names the public URL's WebSocket origin and the image base URL's origin.
func TestContentSecurityPolicy(t *testing.T) {
	env := map[string]string{"FACESTAT_PUBLIC_URL": "https://facestat.example", "FACESTAT_IMAGE_BASE_URL": "https://img.example.net/faces"}
	want := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https://img.example.net; " +
		"font-src 'self' data:; connect-src 'self' blob: wss://facestat.example; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
	webapp := fstest.MapFS{"index.html": {Data: shell}, "graphiql.html": {Data: graphiqlShell}, "assets/index-91DTrR4Z.js": {Data: appJS}}
	for _, front := range []bool{false, true} {
		var fp interface {
			Serve(http.ResponseWriter, *http.Request) bool
		}
		if front {
			fp = fixedFront{}
		}
		ts := newWebServer(t, webapp, env, fp)
		for path, status := range map[string]int{"/": 200, "/judge": 200, "/top": 200, "/graphiql": 200, "/no-such-page": 404, "/photos/UGhvdG86MQ": 404} {
			res, _ := precompressedtest.Fetch(t, http.MethodGet, ts.URL+path, nil)
			if got := res.Header.Get("Content-Security-Policy"); res.StatusCode != status || got != want {
				t.Errorf("front page %v: %s: %d (want %d), policy\n%q, want\n%q", front, path, res.StatusCode, status, got, want)
			}
		}
	}
}

// cspDirective is the value of directive in res's Content-Security-Policy.
func cspDirective(res *http.Response, directive string) string {
	for _, d := range strings.Split(res.Header.Get("Content-Security-Policy"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), directive+" "); ok {
			return v
		}
	}
	return ""
}
