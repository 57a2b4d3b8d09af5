package api_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/precompressed"
)

// frontPage serves a fixed page as frontpage.Renderer does.
type frontPage struct{ res *precompressed.Resource }

func (f frontPage) Serve(w http.ResponseWriter, r *http.Request) bool {
	f.res.ServeHTTP(w, r)
	return true
}

// headerWriter keeps one header map, as a connection's response would
// have one per request, and discards the body.
type headerWriter struct {
	h    http.Header
	code int
}

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) WriteHeader(code int)        { w.code = code }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkFrontPageHandler is what facestat's handler stack (request id,
// client IP, access log, security headers, routing, the front page's
// negotiation) costs per request on top of net/http, in process: compare
// with BenchmarkFixedBytesHandler, a handler that only sets the same
// headers and writes the same bytes (bench/front's baseline).
func BenchmarkFrontPageHandler(b *testing.B) {
	cfg, _, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	page := bytes.Repeat([]byte("<li><a href=\"/photos/UGhvdG86MTIz\"><img src=\"/images/thumb/abc.jpg\"></a></li>\n"), 200)
	srv := api.New(api.Deps{
		Config:    cfg,
		Log:       slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Resolver:  &graph.Resolver{MaxPageSize: cfg.MaxPageSize},
		WebApp:    fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>FaceStat</title>")}},
		FrontPage: frontPage{precompressed.New(page, precompressed.Options{ContentType: "text/html; charset=utf-8", CacheControl: "no-cache"})},
	})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	req.RemoteAddr = "192.0.2.1:1234"
	w := &headerWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		srv.ServeHTTP(w, req)
	}
	if w.h.Get("Content-Encoding") != "br" {
		b.Fatalf("headers %v", w.h)
	}
}

// BenchmarkFixedBytesHandler is the baseline of BenchmarkFrontPageHandler:
// the same eleven headers and the same bytes, and nothing else.
func BenchmarkFixedBytesHandler(b *testing.B) {
	page := bytes.Repeat([]byte("<li><a href=\"/photos/UGhvdG86MTIz\"><img src=\"/images/thumb/abc.jpg\"></a></li>\n"), 200)
	res := precompressed.New(page, precompressed.Options{ContentType: "text/html; charset=utf-8", CacheControl: "no-cache"})
	body := res.Body(precompressed.Brotli)
	headers := [][2]string{{"X-Request-Id", "0123456789abcdef"}, {"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "strict-origin-when-cross-origin"}, {"X-Frame-Options", "DENY"}, {"Vary", "Accept-Encoding"},
		{"Cache-Control", "no-cache"}, {"Etag", res.ETag(precompressed.Brotli)}, {"Content-Type", "text/html; charset=utf-8"},
		{"Content-Length", strconv.Itoa(len(body))}, {"Content-Encoding", "br"},
		{"Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http://127.0.0.1:8080; " +
			"font-src 'self' data:; connect-src 'self' blob: ws://127.0.0.1:8080; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"}}
	vals := make([][]string, len(headers))
	for i, h := range headers {
		vals[i] = []string{h[1]}
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for i, kv := range headers {
			h[kv[0]] = vals[i]
		}
		w.Write(body)
	})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	w := &headerWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		handler.ServeHTTP(w, req)
	}
}
