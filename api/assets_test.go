package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"

	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/graph"
)

// A built app as Vite lays it out: a shell, hashed assets of text and an
// image that is compressed already.
var (
	appJS  = []byte(strings.Repeat("export function f(a,b){return document.querySelector('#root').append(a,b)}\n", 400))
	appCSS = []byte(strings.Repeat(".prerendered ul{display:grid;grid-template-columns:repeat(auto-fill,minmax(8rem,1fr))}\n", 50))
	shell  = []byte(`<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>FaceStat</title>` +
		`<script type="module" crossorigin src="/assets/index-91DTrR4Z.js"></script>` +
		`<link rel="stylesheet" crossorigin href="/assets/index-D8c8PWAy.css"></head>` +
		`<body><div id="root"></div><noscript>FaceStat needs JavaScript.</noscript></body></html>`)
	// A PNG signature and random-looking bytes: not worth compressing.
	appPNG = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0x13, 0x9f, 0x2e, 0xc4, 0x71, 0x05, 0xda, 0x88}, 64)...)
)

func newAppServer(t *testing.T) *httptest.Server {
	t.Helper()
	cfg, _, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Deps{
		Config:   cfg,
		Log:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Resolver: &graph.Resolver{Limits: graph.Limits{MaxPageSize: cfg.MaxPageSize}},
		WebApp: fstest.MapFS{
			"index.html":                 {Data: shell},
			"assets/index-91DTrR4Z.js":   {Data: appJS},
			"assets/index-D8c8PWAy.css":  {Data: appCSS},
			"assets/logo-5f2a9c1e.png":   {Data: appPNG},
			"favicon.svg":                {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
			"assets/fonts/inter-abc.css": {Data: appCSS},
		},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// rawClient neither asks for compression nor decodes it.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func fetch(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func decodeBody(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(b)
	switch enc {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(r)
	default:
		t.Fatalf("Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", enc, err)
	}
	return out
}

// TestWebAppAssets: hashed assets and the shell come in the encoding
// Accept-Encoding prefers, decode to exactly the built file, carry an ETag
// per encoding (304 for it) and their Cache-Control: a year and immutable
// for assets/*, no-cache for index.html on every app route.
func TestWebAppAssets(t *testing.T) {
	ts := newAppServer(t)
	files := []struct {
		path, ctype, cache string
		body               []byte
	}{
		{"/assets/index-91DTrR4Z.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", appJS},
		{"/assets/index-D8c8PWAy.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable", appCSS},
		{"/assets/fonts/inter-abc.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable", appCSS},
		{"/judge", "text/html; charset=utf-8", "no-cache", shell},
		{"/photos/UGhvdG86MQ", "text/html; charset=utf-8", "no-cache", shell},
		{"/", "text/html; charset=utf-8", "no-cache", shell}, // no front page rendered (none in Deps)
	}
	negotiation := []struct{ accept, enc string }{
		{"-", ""},
		{"", ""},
		{"identity", ""},
		{"gzip, deflate, br, zstd", "br"},
		{"gzip, deflate", "gzip"},
		{"gzip, br;q=0", "gzip"},
		{"br;q=0", ""},
		{"br;q=0.3, gzip;q=0.6", "gzip"},
		{"*", "br"},
	}
	for _, f := range files {
		t.Run(strings.ReplaceAll(f.path, "/", "_"), func(t *testing.T) {
			tags := map[string]string{} // by Content-Encoding
			for _, n := range negotiation {
				h := map[string]string{}
				if n.accept != "-" {
					h["Accept-Encoding"] = n.accept
				}
				res, b := fetch(t, http.MethodGet, ts.URL+f.path, h)
				hd := res.Header
				if res.StatusCode != 200 || hd.Get("Content-Encoding") != n.enc || hd.Get("Content-Type") != f.ctype ||
					hd.Get("Cache-Control") != f.cache || hd.Get("Vary") != "Accept-Encoding" || hd.Get("X-Content-Type-Options") != "nosniff" {
					t.Fatalf("Accept-Encoding %q: %d %v", n.accept, res.StatusCode, hd)
				}
				if res.ContentLength != int64(len(b)) || !bytes.Equal(decodeBody(t, n.enc, b), f.body) {
					t.Fatalf("Accept-Encoding %q: Content-Length %d, %d bytes, not the built file", n.accept, res.ContentLength, len(b))
				}
				if n.enc != "" && len(b) >= len(f.body) {
					t.Fatalf("%s is %d bytes, the file %d", n.enc, len(b), len(f.body))
				}
				etag := hd.Get("ETag")
				if etag == "" || (tags[n.enc] != "" && tags[n.enc] != etag) {
					t.Fatalf("ETag %q for %q (before: %q)", etag, n.enc, tags[n.enc])
				}
				tags[n.enc] = etag
			}
			if len(tags) != 3 || tags[""] == tags["br"] || tags[""] == tags["gzip"] || tags["br"] == tags["gzip"] {
				t.Fatalf("ETags by encoding: %v", tags)
			}
			for enc, accept := range map[string]string{"": "identity", "gzip": "gzip", "br": "br, gzip"} {
				res, b := fetch(t, http.MethodGet, ts.URL+f.path, map[string]string{"Accept-Encoding": accept, "If-None-Match": `"x", ` + tags[enc]})
				if res.StatusCode != http.StatusNotModified || len(b) != 0 || res.Header.Get("ETag") != tags[enc] || res.Header.Get("Cache-Control") != f.cache {
					t.Fatalf("If-None-Match %s with %q: %d %v", tags[enc], accept, res.StatusCode, res.Header)
				}
				other := tags[map[string]string{"": "br", "gzip": "", "br": "gzip"}[enc]]
				if res, _ := fetch(t, http.MethodGet, ts.URL+f.path, map[string]string{"Accept-Encoding": accept, "If-None-Match": other}); res.StatusCode != 200 {
					t.Fatalf("If-None-Match of another encoding with %q: %d", accept, res.StatusCode)
				}
				head, hb := fetch(t, http.MethodHead, ts.URL+f.path, map[string]string{"Accept-Encoding": accept})
				if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("ETag") != tags[enc] || head.Header.Get("Content-Encoding") != enc ||
					head.Header.Get("Content-Length") == "" || head.Header.Get("Content-Length") == "0" {
					t.Fatalf("HEAD with %q: %d %v", accept, head.StatusCode, head.Header)
				}
			}
		})
	}
}

// An asset that compression would not shrink is served as it is, without
// Vary, immutable; files outside assets/ are served as they are,
// revalidated; a missing asset is 404, not the app.
func TestWebAppOtherFiles(t *testing.T) {
	ts := newAppServer(t)
	res, b := fetch(t, http.MethodGet, ts.URL+"/assets/logo-5f2a9c1e.png", map[string]string{"Accept-Encoding": "gzip, br"})
	if res.StatusCode != 200 || !bytes.Equal(b, appPNG) || res.Header.Get("Content-Encoding") != "" || res.Header.Get("Vary") != "" ||
		res.Header.Get("Content-Type") != "image/png" || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		res.Header.Get("ETag") == "" {
		t.Fatalf("png: %d %v", res.StatusCode, res.Header)
	}
	res, _ = fetch(t, http.MethodGet, ts.URL+"/favicon.svg", nil)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg+xml") {
		t.Fatalf("favicon: %d %v", res.StatusCode, res.Header)
	}
	for _, p := range []string{"/assets/index-00000000.js", "/assets/nothing", "/assets/../assets/missing.css"} {
		if res, _ := fetch(t, http.MethodGet, ts.URL+p, nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d", p, res.StatusCode)
		}
	}
}

// Many first requests at once: one compression, every client the same bytes.
func TestWebAppAssetsConcurrentFirstUse(t *testing.T) {
	ts := newAppServer(t)
	var wg sync.WaitGroup
	bodies := make([][]byte, 16)
	for i := range bodies {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/assets/index-91DTrR4Z.js", nil)
			req.Header.Set("Accept-Encoding", []string{"br", "gzip"}[i%2])
			res, err := rawClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
				t.Errorf("Content-Length %s for %d bytes", res.Header.Get("Content-Length"), len(b))
			}
			bodies[i] = b
		})
	}
	wg.Wait()
	for i := 2; i < len(bodies); i++ {
		if !bytes.Equal(bodies[i], bodies[i%2]) {
			t.Fatalf("response %d differs from response %d", i, i%2)
		}
	}
}
