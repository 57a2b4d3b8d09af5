package api_test

import (
	"bytes"
	"github.com/facestat/facestat"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/facestat/facestat/precompressed/precompressedtest"
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
	return newWebServer(t, fstest.MapFS{
		"index.html":                 {Data: shell},
		"assets/index-91DTrR4Z.js":   {Data: appJS},
		"assets/index-D8c8PWAy.css":  {Data: appCSS},
		"assets/logo-5f2a9c1e.png":   {Data: appPNG},
		"favicon.svg":                {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"assets/fonts/inter-abc.css": {Data: appCSS},
	}, nil, nil)
}

// TestWebAppAssets: hashed assets and the shell come in the encoding
// Accept-Encoding prefers, decode to exactly the built file, carry an ETag
// per encoding (304 for it), nosniff and their Cache-Control: a year and
// immutable for assets/*, no-cache for index.html on every app route
// (precompressedtest.CheckRepresentations).
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
		{"/top", "text/html; charset=utf-8", "no-cache", shell},
		{"/", "text/html; charset=utf-8", "no-cache", shell}, // no front page rendered (none in Deps)
		{"/schema.graphql", "text/plain; charset=utf-8", "no-cache", facestat.Schema},
	}
	for _, f := range files {
		t.Run(strings.ReplaceAll(f.path, "/", "_"), func(t *testing.T) {
			precompressedtest.CheckRepresentations(t, ts.URL+f.path, f.body, precompressedtest.Options{Header: map[string]string{
				"Content-Type": f.ctype, "Cache-Control": f.cache, "X-Content-Type-Options": "nosniff",
			}})
		})
	}
}

// An asset that compression would not shrink is served as it is, without
// Vary, immutable; files outside assets/ are served as they are,
// revalidated; a missing asset is 404, not the app.
func TestWebAppOtherFiles(t *testing.T) {
	ts := newAppServer(t)
	res, b := precompressedtest.Fetch(t, http.MethodGet, ts.URL+"/assets/logo-5f2a9c1e.png", map[string]string{"Accept-Encoding": "gzip, br"})
	if res.StatusCode != 200 || !bytes.Equal(b, appPNG) || res.Header.Get("Content-Encoding") != "" || res.Header.Get("Vary") != "" ||
		res.Header.Get("Content-Type") != "image/png" || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		res.Header.Get("ETag") == "" {
		t.Fatalf("png: %d %v", res.StatusCode, res.Header)
	}
	res, _ = precompressedtest.Fetch(t, http.MethodGet, ts.URL+"/favicon.svg", nil)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg+xml") {
		t.Fatalf("favicon: %d %v", res.StatusCode, res.Header)
	}
	for _, p := range []string{"/assets/index-00000000.js", "/assets/nothing", "/assets/../assets/missing.css"} {
		if res, _ := precompressedtest.Fetch(t, http.MethodGet, ts.URL+p, nil); res.StatusCode != http.StatusNotFound {
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
			res, err := precompressedtest.Client.Do(req)
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
