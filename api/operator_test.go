package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/metrics"
)

// TestOperatorPagesForwardedByUntrustedProxy: behind a local reverse proxy
// that is not a trusted one, a request carrying forwarding headers is not
// an operator's, however the headers are spelt: an empty first
// X-Forwarded-For line (a proxy such as HAProxy adds its own line after
// the client's) hides nothing. A plain request from loopback is an
// operator's.
func TestOperatorPagesForwardedByUntrustedProxy(t *testing.T) {
	cfg, _, err := config.Load(nil, func(string) string { return "" }, io.Discard)
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
	for name, c := range map[string]struct {
		header http.Header
		want   int
	}{
		"plain loopback":                      {http.Header{}, http.StatusOK},
		"X-Forwarded-For":                     {http.Header{"X-Forwarded-For": {"198.18.0.9"}}, http.StatusForbidden},
		"an empty X-Forwarded-For line first": {http.Header{"X-Forwarded-For": {"", "198.18.0.9"}}, http.StatusForbidden},
		"an empty Forwarded line first":       {http.Header{"Forwarded": {"", "for=198.18.0.9"}}, http.StatusForbidden},
		"an empty X-Real-IP line first":       {http.Header{"X-Real-Ip": {"", "198.18.0.9"}}, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/status.json", nil)
		req.Header = c.header
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", name, res.StatusCode, c.want)
		}
	}
}
