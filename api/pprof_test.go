package api_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/metrics"
)

// TestProfilingNeedsTheOperatorToken: /debug/pprof/ answers 403 to
// everyone without the operator token, even from loopback (in
// operator-cidrs, which opens /status.json), and to a wrong token; with the
// token it serves the index and a profile (gzipped protobuf, as go tool
// pprof reads it), but never the command line.
func TestProfilingNeedsTheOperatorToken(t *testing.T) {
	const token = "an-operator-token-of-at-least-32-bytes"
	settings := map[string]string{"FACESTAT_OPERATOR_TOKEN": token}
	cfg, _, err := config.Load(nil, func(k string) string { return settings[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	zero := func() int { return 0 }
	srv := api.New(api.Deps{
		Config:   cfg,
		Log:      slog.New(slog.DiscardHandler),
		Resolver: &graph.Resolver{MaxPageSize: cfg.MaxPageSize},
		Metrics:  metrics.New(nil, nil, zero, zero, zero),
		WebApp:   fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}, "graphiql.html": {Data: []byte("<!doctype html>")}},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	get := func(method, path, auth string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if cc := res.Header.Get("Cache-Control"); res.StatusCode != http.StatusNotFound && cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", method, path, cc)
		}
		return res.StatusCode, body
	}
	// Loopback is an operator's address: /status.json opens, profiles do not.
	if code, _ := get("GET", "/status.json", ""); code != http.StatusOK {
		t.Fatalf("/status.json from loopback: %d", code)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1", "/debug/pprof/goroutine?debug=2", "/debug/pprof/symbol"} {
		for _, auth := range []string{"", "Bearer wrong-token-wrong-token-wrong-token", token} {
			if code, _ := get("GET", path, auth); code != http.StatusForbidden {
				t.Errorf("GET %s with %q: %d, want 403", path, auth, code)
			}
		}
	}
	if code, _ := get("POST", "/debug/pprof/symbol", ""); code != http.StatusForbidden {
		t.Errorf("POST /debug/pprof/symbol without the token: %d, want 403", code)
	}

	bearer := "Bearer " + token
	code, body := get("GET", "/debug/pprof/", bearer)
	if code != http.StatusOK || !strings.Contains(string(body), "heap") {
		t.Fatalf("index with the token: %d %.200s", code, body)
	}
	code, body = get("GET", "/debug/pprof/heap", bearer)
	if code != http.StatusOK || !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		t.Fatalf("heap profile with the token: %d, %d bytes, want a gzipped profile", code, len(body))
	}
	code, body = get("GET", "/debug/pprof/profile?seconds=1", bearer)
	if code != http.StatusOK || !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		t.Fatalf("CPU profile with the token: %d, %d bytes, want a gzipped profile", code, len(body))
	}
	if code, _ := get("GET", "/debug/pprof/cmdline", bearer); code != http.StatusNotFound {
		t.Errorf("cmdline with the token: %d, want 404 (flags may carry secrets)", code)
	}
}
