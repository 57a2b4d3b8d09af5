package api_test

import (
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

// fixedFront is a front page that has been rendered: the same bytes always.
type fixedFront struct{}

func (fixedFront) Serve(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "<!doctype html><title>front</title>")
	return true
}

// TestFrontPageShortCut: the front page skips the middleware but keeps the
// security headers; with debug logging it goes the long way and is logged.
func TestFrontPageShortCut(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		cfg, _, err := config.Load(nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		srv := api.New(api.Deps{
			Config:    cfg,
			Log:       slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: level})),
			Resolver:  &graph.Resolver{MaxPageSize: cfg.MaxPageSize},
			WebApp:    fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>app</title>")}},
			FrontPage: fixedFront{},
		})
		ts := httptest.NewServer(srv)
		res, err := http.Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		ts.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), "<title>front</title>") {
			t.Fatalf("%v: / = %d %q", level, res.StatusCode, body)
		}
		for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if res.Header.Get(h) == "" {
				t.Errorf("%v: / lacks %s", level, h)
			}
		}
		logged := strings.Contains(logs.String(), `"path":"/"`)
		if level == slog.LevelDebug && (!logged || res.Header.Get("X-Request-Id") == "") {
			t.Errorf("debug: / was not logged with a request id: %q", logs.String())
		}
	}
}
