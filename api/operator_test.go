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
	testOperatorPages(t, nil, map[string]operatorCase{
		"plain loopback":                      {http.Header{}, http.StatusOK},
		"X-Forwarded-For":                     {http.Header{"X-Forwarded-For": {"198.18.0.9"}}, http.StatusForbidden},
		"an empty X-Forwarded-For line first": {http.Header{"X-Forwarded-For": {"", "198.18.0.9"}}, http.StatusForbidden},
		"an empty Forwarded line first":       {http.Header{"Forwarded": {"", "for=198.18.0.9"}}, http.StatusForbidden},
		"an empty X-Real-IP line first":       {http.Header{"X-Real-Ip": {"", "198.18.0.9"}}, http.StatusForbidden},
	})
}

// TestOperatorPagesJunkLastHop: behind a trusted proxy on loopback (in
// operator-cidrs), a forwarded request whose X-Forwarded-For names no
// client outside the trusted proxies (junk, or only trusted hops) falls
// back to the proxy's own address, which must not make it an operator's;
// an operator's address forwarded by the proxy is one.
func TestOperatorPagesJunkLastHop(t *testing.T) {
	testOperatorPages(t, map[string]string{"FACESTAT_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}, map[string]operatorCase{
		"plain loopback":           {http.Header{}, http.StatusOK},
		"a stranger forwarded":     {http.Header{"X-Forwarded-For": {"198.18.0.9"}}, http.StatusForbidden},
		"junk last hop":            {http.Header{"X-Forwarded-For": {"198.18.0.9, not-an-address"}}, http.StatusForbidden},
		"only trusted hops":        {http.Header{"X-Forwarded-For": {"127.0.0.1"}}, http.StatusForbidden},
		"an empty X-Forwarded-For": {http.Header{"X-Forwarded-For": {""}}, http.StatusForbidden},
		"an operator forwarded":    {http.Header{"X-Forwarded-For": {"198.18.0.9, ::ffff:127.0.0.2"}}, http.StatusOK},
	})
}

// operatorCase is a request's headers and the status /status.json answers.
type operatorCase struct {
	header http.Header
	want   int
}

// testOperatorPages asks /status.json of a server with settings (from
// loopback) with each case's headers.
func testOperatorPages(t *testing.T, settings map[string]string, cases map[string]operatorCase) {
	t.Helper()
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
	for name, c := range cases {
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
