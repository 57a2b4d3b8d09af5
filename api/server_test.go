package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/graph"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newServer returns an api.Server whose resolver has no services: enough
// for the HTTP layer, and any resolver that needs one panics.
func newServer(t *testing.T, env map[string]string) (*httptest.Server, *syncBuffer) {
	t.Helper()
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := api.New(api.Deps{
		Config:   cfg,
		Log:      slog.New(slog.NewJSONHandler(logs, nil)),
		Resolver: &graph.Resolver{MaxPageSize: cfg.MaxPageSize},
		WebApp: fstest.MapFS{
			"index.html":         {Data: []byte("<!doctype html><title>FaceStat</title>")},
			"graphiql.html":      {Data: []byte("<!doctype html><title>FaceStat GraphiQL</title>")},
			"assets/app-1a2b.js": {Data: []byte("console.log(1)")},
		},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, logs
}

func post(t *testing.T, url, body string, header http.Header) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return res, out
}

func TestResolverPanicIsInternal(t *testing.T) {
	ts, logs := newServer(t, nil)
	res, out := post(t, ts.URL, `{"query":"{ photos(first: 1) { nodes { id } } }"}`, http.Header{"X-Request-Id": {"req-panic-1"}})
	raw, _ := json.Marshal(out)
	if !strings.Contains(string(raw), `"code":"INTERNAL"`) || !strings.Contains(string(raw), `"message":"internal error"`) {
		t.Fatalf("response: %s", raw)
	}
	if strings.Contains(string(raw), "nil pointer") || strings.Contains(string(raw), "goroutine") {
		t.Fatalf("the panic leaked to the client: %s", raw)
	}
	if res.Header.Get("X-Request-Id") != "req-panic-1" {
		t.Fatalf("request id header %q", res.Header.Get("X-Request-Id"))
	}
	l := logs.String()
	if !strings.Contains(l, `panic in resolver: runtime error`) || !strings.Contains(l, `"request_id":"req-panic-1"`) || !strings.Contains(l, "nil pointer") {
		t.Fatalf("the panic was not logged with its request id:\n%s", l)
	}
}

func TestCORS(t *testing.T) {
	ts, _ := newServer(t, map[string]string{"FACESTAT_CORS_ORIGINS": "https://app.example.com"})
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	t.Run("Allowed", func(t *testing.T) {
		res := preflight("https://app.example.com")
		if res.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
			t.Fatalf("allowed origin refused: %v", res.Header)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		if res := preflight("https://evil.example.net"); res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("unknown origin allowed: %v", res.Header)
		}
	})
}

func TestRoutes(t *testing.T) {
	ts, _ := newServer(t, nil)
	cases := []struct {
		path, wantType string
		status         int
		cache          string
	}{
		{"/", "text/html", 200, "no-cache"},
		{"/judge", "text/html", 200, "no-cache"}, // an app route gets index.html
		{"/top", "text/html", 200, "no-cache"},
		{"/no-such-page", "text/html", 404, "no-store"}, // the app's not-found page
		{"/photos/abc", "text/html", 404, "no-store"},   // not a photo id
		{"/judge/x", "text/html", 404, "no-store"},      // no such page under a page
		{"/assets/app-1a2b.js", "text/javascript", 200, "immutable"},
		{"/assets/missing.js", "text/plain", 404, "no-store"}, // a plain 404, never the app
		{"/missing.png", "text/plain", 404, "no-store"},
		{"/index.html", "text/plain", 404, "no-store"}, // the shell only at app routes
		{"/graphql/nope", "application/json", 404, ""}, // under the API: its shape
		{"/graphiql", "text/html", 200, "no-cache"},
		{"/schema.graphql", "text/plain", 200, ""},
		{"/healthz", "", 200, ""},
		{"/readyz", "", 503, ""}, // never set ready
		{"/images/img/..%2f..%2fgo.mod", "", 404, ""},
		{"/images/img/%2e%2e/%2e%2e/secret.jpg", "", 404, ""},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.path, "/", "_"), func(t *testing.T) {
			res, err := http.Get(ts.URL + c.path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), c.wantType) ||
				!strings.Contains(res.Header.Get("Cache-Control"), c.cache) {
				t.Fatalf("GET %s: %d %q %q", c.path, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatal("missing nosniff")
			}
		})
	}
}

func TestGETRefusesMutations(t *testing.T) {
	ts, _ := newServer(t, nil)
	res, err := http.Get(ts.URL + `/graphql?query=mutation%7BsignOut%7Bok%7D%7D`)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK && !strings.Contains(string(b), "errors") {
		t.Fatalf("a mutation ran over GET: %d %s", res.StatusCode, b)
	}
}

// introspectionQuery is graphql-js's getIntrospectionQuery(), as GraphiQL
// and code generators send it; it nests 13 fields deep.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func TestIntrospection(t *testing.T) {
	ts, _ := newServer(t, nil)
	body, _ := json.Marshal(map[string]string{"query": introspectionQuery})
	res, out := post(t, ts.URL, string(body), nil)
	if res.StatusCode != http.StatusOK || out["errors"] != nil || out["data"] == nil {
		raw, _ := json.Marshal(out)
		t.Fatalf("introspection: %d %.300s", res.StatusCode, raw)
	}
}

// TestNotFoundPage: an unknown path gets the app's shell (which shows its
// not-found page) with 404, also for HEAD and for a conditional request
// naming the shell's ETag (never a 304 for a 404); a missing asset gets a
// plain 404 that is not the shell; a page with a trailing slash redirects
// to the page.
func TestNotFoundPage(t *testing.T) {
	ts, _ := newServer(t, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, header http.Header) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	app, shell := do(http.MethodGet, "/judge", nil)
	if app.StatusCode != 200 || app.Header.Get("ETag") == "" {
		t.Fatalf("GET /judge: %d, ETag %q", app.StatusCode, app.Header.Get("ETag"))
	}
	if res, _ := do(http.MethodGet, "/judge", http.Header{"If-None-Match": {app.Header.Get("ETag")}}); res.StatusCode != 304 {
		t.Errorf("conditional GET /judge: %d, want 304", res.StatusCode)
	}
	res, body := do(http.MethodGet, "/no/such/page", nil)
	if res.StatusCode != 404 || body != shell || res.Header.Get("ETag") != "" {
		t.Errorf("GET /no/such/page: %d, ETag %q, body %q; want 404 with the shell and no ETag", res.StatusCode, res.Header.Get("ETag"), body)
	}
	if res, body := do(http.MethodGet, "/no-such-page", http.Header{"If-None-Match": {app.Header.Get("ETag")}}); res.StatusCode != 404 || body != shell {
		t.Errorf("conditional GET of an unknown path: %d %q, want 404 with the shell", res.StatusCode, body)
	}
	if res, body := do(http.MethodHead, "/no-such-page", nil); res.StatusCode != 404 || body != "" {
		t.Errorf("HEAD of an unknown path: %d %q, want 404 without a body", res.StatusCode, body)
	}
	if res, body := do(http.MethodGet, "/assets/nope.js", nil); res.StatusCode != 404 || strings.Contains(body, "<") {
		t.Errorf("GET /assets/nope.js: %d %q, want a plain 404", res.StatusCode, body)
	}
	for from, to := range map[string]string{"/judge/": "/judge", "/top/?q=1": "/top?q=1", "/photos/abc/": "/photos/abc"} {
		if res, _ := do(http.MethodGet, from, nil); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != to {
			t.Errorf("GET %s: %d to %q, want 301 to %s", from, res.StatusCode, res.Header.Get("Location"), to)
		}
	}
	if res, body := do(http.MethodPost, "/graphql/nope", nil); res.StatusCode != 404 || !strings.Contains(body, `"code":"NOT_FOUND"`) {
		t.Errorf("POST /graphql/nope: %d %s, want a JSON NOT_FOUND", res.StatusCode, body)
	}
}
