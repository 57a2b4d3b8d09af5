package integration_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/andybalholm/brotli"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/frontend"
	"github.com/facestat/facestat/frontpage"
)

var frontData = regexp.MustCompile(`<script id="facestat-data" type="application/json">(.*?)</script>`)

// TestFrontPage: / is generated in the background with the recent public
// photos inlined as markup and JSON; serving it costs no statement, and a
// client holding the current version gets 304.
func TestFrontPage(t *testing.T) {
	var n atomic.Int64
	count := app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &n} })
	e := startEnv(t, "", nil, count)
	owner := e.account(t, "front_owner")
	public := liveUpload(t, e, owner, true)
	private := liveUpload(t, e, owner, false)
	if err := e.App.Front.Render(context.Background()); err != nil {
		t.Fatal(err)
	}
	quiesce(&n)
	n.Store(0)
	res, body := get(t, e.URL+"/")
	if res.StatusCode != http.StatusOK || n.Load() != 0 {
		t.Fatalf("GET /: %d, %d statements", res.StatusCode, n.Load())
	}
	m := frontData.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no inlined data in %s", body)
	}
	var data frontpage.Data
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Recent) != 1 || data.Recent[0].ID != public || data.Recent[0].Owner.Handle != "front_owner" {
		t.Fatalf("recent photos: %+v (private %s must not be listed)", data.Recent, private)
	}
	if !regexp.MustCompile(`<img src="[^"]+/thumb/`).Match(body) {
		t.Fatal("no thumbnail markup")
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified || res.Header.Get("ETag") == "" {
		t.Fatalf("conditional GET: %d (ETag %q)", again.StatusCode, res.Header.Get("ETag"))
	}

	// Every encoding, as browsers and others ask: the same page, compressed
	// once per rendering, an ETag each, 304s and HEAD; still no statement.
	page := e.App.Front.Current()
	if page == nil || !bytes.Equal(decodeContent(t, "gzip", encodedFrontPage(t, e.URL, "gzip")), page.Body) {
		t.Fatal("the page served is not the current rendering")
	}
	tags := map[string]string{}
	for _, c := range []struct{ accept, encoding string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip, deflate", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"identity", ""},
		{"", ""},
	} {
		res, b := getEncoded(t, http.MethodGet, e.URL+"/", map[string]string{"Accept-Encoding": c.accept})
		h := res.Header
		if res.StatusCode != 200 || h.Get("Content-Encoding") != c.encoding || h.Get("Vary") != "Accept-Encoding" ||
			h.Get("Cache-Control") != frontpage.CacheControl || h.Get("Content-Type") != "text/html; charset=utf-8" ||
			h.Get("Content-Length") != strconv.Itoa(len(b)) || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("Accept-Encoding %q: %d %v", c.accept, res.StatusCode, h)
		}
		if !bytes.Equal(decodeContent(t, c.encoding, b), page.Body) {
			t.Fatalf("Accept-Encoding %q: the body does not decode to the page", c.accept)
		}
		if c.encoding != "" && len(b) >= len(page.Body) {
			t.Fatalf("%s: %d bytes for a page of %d", c.encoding, len(b), len(page.Body))
		}
		if prev, ok := tags[c.encoding]; ok && prev != h.Get("ETag") {
			t.Fatalf("two ETags for %q: %s, %s", c.encoding, prev, h.Get("ETag"))
		}
		tags[c.encoding] = h.Get("ETag")
	}
	if tags[""] != page.ETag || tags["br"] != strings.TrimSuffix(page.ETag, `"`)+`-br"` || tags["gzip"] != strings.TrimSuffix(page.ETag, `"`)+`-gz"` {
		t.Fatalf("ETags %v, page %s", tags, page.ETag)
	}
	for enc, accept := range map[string]string{"br": "gzip, deflate, br, zstd", "gzip": "gzip", "": "identity"} {
		res, b := getEncoded(t, http.MethodGet, e.URL+"/", map[string]string{"Accept-Encoding": accept, "If-None-Match": `W/"old", ` + tags[enc]})
		if res.StatusCode != http.StatusNotModified || len(b) != 0 || res.Header.Get("ETag") != tags[enc] {
			t.Fatalf("If-None-Match %s: %d %v", tags[enc], res.StatusCode, res.Header)
		}
		other := tags[map[string]string{"br": "gzip", "gzip": "", "": "br"}[enc]]
		if res, _ := getEncoded(t, http.MethodGet, e.URL+"/", map[string]string{"Accept-Encoding": accept, "If-None-Match": other}); res.StatusCode != 200 {
			t.Fatalf("If-None-Match of another encoding (%s) with %q: %d", other, accept, res.StatusCode)
		}
		head, hb := getEncoded(t, http.MethodHead, e.URL+"/", map[string]string{"Accept-Encoding": accept})
		if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("ETag") != tags[enc] || head.Header.Get("Content-Encoding") != enc {
			t.Fatalf("HEAD with %q: %d %v", accept, head.StatusCode, head.Header)
		}
	}
	if n.Load() != 0 {
		t.Fatalf("serving the front page ran %d statements", n.Load())
	}

	// Rendering again with nothing changed keeps the page, its ETags and so
	// the clients' 304s; a new photo makes a new page.
	if err := e.App.Front.Render(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.App.Front.Current() != page {
		t.Fatal("an unchanged rendering replaced the page")
	}
	newer := liveUpload(t, e, owner, true)
	if err := e.App.Front.Render(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := e.App.Front.Current()
	if next == page || next.ETag == page.ETag || !strings.Contains(string(next.Body), newer) {
		t.Fatalf("a new photo did not make a new page (ETag %s, was %s)", next.ETag, page.ETag)
	}
	res, _ = getEncoded(t, http.MethodGet, e.URL+"/", map[string]string{"Accept-Encoding": "br", "If-None-Match": tags["br"]})
	if res.StatusCode != 200 || res.Header.Get("ETag") != strings.TrimSuffix(next.ETag, `"`)+`-br"` {
		t.Fatalf("the old page's ETag after a new rendering: %d %v", res.StatusCode, res.Header)
	}
}

// TestWebAppPrecompressed: the embedded app's index.html (app routes) and
// hashed assets come compressed, decode to the embedded files, and carry
// their cache lifetimes; images keep theirs (TestPhoto checks them).
func TestWebAppPrecompressed(t *testing.T) {
	e := startEnv(t, "", nil)
	dist := frontend.Dist()
	shell, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"/judge": shell}
	assets, _ := fs.Glob(dist, "assets/*.js")
	if len(assets) > 0 { // a build with the app (make frontend), not the placeholder
		b, err := fs.ReadFile(dist, assets[0])
		if err != nil {
			t.Fatal(err)
		}
		files["/"+assets[0]] = b
	}
	for p, want := range files {
		cache := "no-cache"
		if strings.HasPrefix(p, "/assets/") {
			cache = "public, max-age=31536000, immutable"
		}
		for accept, enc := range map[string]string{"gzip, deflate, br, zstd": "br", "gzip": "gzip", "identity": ""} {
			res, b := getEncoded(t, http.MethodGet, e.URL+p, map[string]string{"Accept-Encoding": accept})
			if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != enc || res.Header.Get("Cache-Control") != cache ||
				res.Header.Get("Vary") != "Accept-Encoding" || res.Header.Get("ETag") == "" {
				t.Fatalf("GET %s with %q: %d %v", p, accept, res.StatusCode, res.Header)
			}
			if !bytes.Equal(decodeContent(t, enc, b), want) {
				t.Fatalf("GET %s with %q: not the embedded file", p, accept)
			}
			res, _ = getEncoded(t, http.MethodGet, e.URL+p, map[string]string{"Accept-Encoding": accept, "If-None-Match": res.Header.Get("ETag")})
			if res.StatusCode != http.StatusNotModified {
				t.Fatalf("GET %s with %q and its ETag: %d", p, accept, res.StatusCode)
			}
		}
	}
}

// getEncoded sends a request without net/http's transparent compression.
func getEncoded(t *testing.T, method, u string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := noDecompressClient.Do(req)
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

// encodedFrontPage is the front page's body with Accept-Encoding accept, as sent.
func encodedFrontPage(t *testing.T, base, accept string) []byte {
	t.Helper()
	_, b := getEncoded(t, http.MethodGet, base+"/", map[string]string{"Accept-Encoding": accept})
	return b
}

var noDecompressClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func decodeContent(t *testing.T, enc string, b []byte) []byte {
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
