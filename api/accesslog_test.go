package api_test

import (
	"encoding/json"
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
)

// accessLines are the access log's lines ("msg":"request") by path.
func accessLines(t *testing.T, logs string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == "request" {
			p, _ := m["path"].(string)
			out[p] = append(out[p], m)
		}
	}
	return out
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestAccessLogLevels: at the default level (info), successful GETs of the
// front page, the app's hashed assets and images leave no access line;
// their errors and every other request do, with the request's id.
func TestAccessLogLevels(t *testing.T) {
	ts, logs := newServer(t, nil)
	for path, want := range map[string]int{
		"/":                   200,
		"/assets/app-1a2b.js": 200,
		"/healthz":            200,
		"/assets/missing.js":  404,
		"/images/img/NOPE":    404,
		"/judge":              200,
	} {
		if got := getStatus(t, ts.URL+path); got != want {
			t.Fatalf("GET %s: %d, want %d", path, got, want)
		}
	}
	post(t, ts.URL, `{"query":"{ __typename }"}`, http.Header{"X-Request-Id": {"req-access-1"}})
	lines := accessLines(t, logs.String())
	for _, quiet := range []string{"/", "/assets/app-1a2b.js", "/healthz"} {
		if len(lines[quiet]) != 0 {
			t.Errorf("GET %s logged at info: %v", quiet, lines[quiet])
		}
	}
	for _, logged := range []string{"/assets/missing.js", "/images/img/NOPE", "/judge", "/graphql"} {
		if len(lines[logged]) != 1 || lines[logged][0]["level"] != "INFO" || lines[logged][0]["request_id"] == "" ||
			lines[logged][0]["status"] == nil || lines[logged][0]["client_ip"] == nil {
			t.Errorf("%s: access lines %v", logged, lines[logged])
		}
	}
	if g := lines["/graphql"]; len(g) == 1 && (g[0]["request_id"] != "req-access-1" || g[0]["method"] != "POST" || g[0]["status"] != 200.0) {
		t.Errorf("graphql access line %v", g[0])
	}
}

// At debug level, the quiet requests are logged too, each with its id.
func TestAccessLogDebug(t *testing.T) {
	cfg, _, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := api.New(api.Deps{
		Config:   cfg,
		Log:      slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Resolver: &graph.Resolver{MaxPageSize: cfg.MaxPageSize},
		WebApp:   fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>FaceStat</title>")}},
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	req.Header.Set("X-Request-Id", "req-front-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	lines := accessLines(t, logs.String())["/"]
	if len(lines) != 1 || lines[0]["level"] != "DEBUG" || lines[0]["request_id"] != "req-front-1" || lines[0]["status"] != 200.0 {
		t.Fatalf("access lines of /: %v\n%s", lines, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"request started","request_id":"req-front-1"`) {
		t.Fatalf("no request started line:\n%s", logs.String())
	}
}
