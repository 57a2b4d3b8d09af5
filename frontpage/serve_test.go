package frontpage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/google/uuid"

	"github.com/facestat/facestat/precompressed"
	"github.com/facestat/facestat/relay"
)

// testPage is a page as build makes it, of 24 photos with ids and image
// URLs shaped like the real ones (relay ids of uuids, content-addressed
// keys): about 18 KB, as bench/front's seeded page.
func testPage(t testing.TB) []byte {
	t.Helper()
	var d Data
	for i := range 2 * Size {
		sum := sha256.Sum256([]byte{byte(i)})
		id := uuid.Must(uuid.FromBytes(sum[:16]))
		p := Photo{ID: relay.ID("Photo", id), ImageURL: "http://127.0.0.1:8080/images/img/" + id.String() + "/" + hex.EncodeToString(sum[:]) + ".jpg",
			ThumbnailURL: "http://127.0.0.1:8080/images/thumb/" + id.String() + "/" + hex.EncodeToString(sum[:]) + ".jpg", Width: 800, Height: 1000, VoteCount: i * 7}
		p.Owner.Handle = "demo" + strconv.Itoa(i%12)
		if i < Size {
			d.Recent = append(d.Recent, p)
		} else {
			d.Top = append(d.Top, p)
		}
	}
	d.GeneratedAt = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	shell := []byte(`<!doctype html><html><head><title>FaceStat</title></head><body><div id="root"></div><script src="/assets/index-abc.js"></script></body></html>`)
	body, err := build(shell, d)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// frontServer serves a Renderer's page the way api does (Serve, else
// 404), over real HTTP.
func frontServer(t *testing.T, r *Renderer) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !r.Serve(w, req) {
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// raw is a client that neither asks for nor decodes compression itself.
var raw = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func do(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := raw.Do(req)
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

func decode(t *testing.T, enc string, b []byte) []byte {
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

func TestServeBeforeFirstRendering(t *testing.T) {
	ts := frontServer(t, &Renderer{})
	if res, _ := do(t, http.MethodGet, ts.URL, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("served a page before rendering one: %d", res.StatusCode)
	}
}

// TestServeNegotiation: every Accept-Encoding gets the encoding it
// prefers among br, gzip and identity, with the headers caches need, a
// body that decodes to exactly the page, and the ETag of that encoding.
func TestServeNegotiation(t *testing.T) {
	body := testPage(t)
	r := &Renderer{}
	p := newPage(body, time.Now())
	r.page.Store(p)
	ts := frontServer(t, r)
	br, brTag := p.Encoded(precompressed.Brotli)
	gz, gzTag := p.Encoded(precompressed.Gzip)
	if len(br) == 0 || len(gz) == 0 || len(br) >= len(gz) || len(gz) >= len(body) {
		t.Fatalf("sizes: page %d, gzip %d, br %d", len(body), len(gz), len(br))
	}
	if p.ETag == "" || brTag != strings.TrimSuffix(p.ETag, `"`)+`-br"` || gzTag != strings.TrimSuffix(p.ETag, `"`)+`-gz"` {
		t.Fatalf("ETags %s %s %s", p.ETag, gzTag, brTag)
	}
	cases := []struct {
		accept   string // "-": no Accept-Encoding field
		encoding string
		status   int
	}{
		{"-", "", 200},
		{"", "", 200},
		{"identity", "", 200},
		{"gzip, deflate, br, zstd", "br", 200}, // Chrome, Firefox
		{"br", "br", 200},
		{"gzip", "gzip", 200},
		{"gzip, deflate", "gzip", 200}, // curl --compressed without brotli, many bots
		{"gzip, br;q=0", "gzip", 200},
		{"br;q=0", "", 200},
		{"br;q=0.4, gzip;q=0.9", "gzip", 200},
		{"br;q=0.9, gzip;q=0.9, identity;q=0.9", "br", 200},
		{"identity;q=1, br;q=0.5", "", 200},
		{"*", "br", 200},
		{"*;q=0, gzip", "gzip", 200},
		{"deflate", "", 200},
		{"*;q=0", "", http.StatusNotAcceptable},
	}
	for _, c := range cases {
		t.Run(c.accept, func(t *testing.T) {
			h := map[string]string{}
			if c.accept != "-" {
				h["Accept-Encoding"] = c.accept
			}
			res, b := do(t, http.MethodGet, ts.URL, h)
			if res.StatusCode != c.status || res.Header.Get("Vary") != "Accept-Encoding" {
				t.Fatalf("%d, Vary %q", res.StatusCode, res.Header.Get("Vary"))
			}
			if c.status != 200 {
				return
			}
			if res.Header.Get("Content-Encoding") != c.encoding || res.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
				res.Header.Get("Cache-Control") != CacheControl {
				t.Fatalf("headers %v", res.Header)
			}
			if res.ContentLength != int64(len(b)) {
				t.Fatalf("Content-Length %d for %d bytes", res.ContentLength, len(b))
			}
			if !bytes.Equal(decode(t, c.encoding, b), body) {
				t.Fatal("the body does not decode to the page")
			}
			want := map[string]string{"": p.ETag, "gzip": gzTag, "br": brTag}[c.encoding]
			if res.Header.Get("ETag") != want {
				t.Fatalf("ETag %q, want %q", res.Header.Get("ETag"), want)
			}
		})
	}
}

// TestServeConditional: If-None-Match answers 304 for the encoding the
// request gets and only for it, in a list, weak or not, and for *; HEAD
// has the GET's headers and no body.
func TestServeConditional(t *testing.T) {
	r := &Renderer{}
	p := newPage(testPage(t), time.Now())
	r.page.Store(p)
	ts := frontServer(t, r)
	_, brTag := p.Encoded(precompressed.Brotli)
	_, gzTag := p.Encoded(precompressed.Gzip)
	tags := map[string]string{"br": brTag, "gzip": gzTag, "identity": p.ETag}
	for accept, tag := range tags {
		for inm, want := range map[string]int{
			tag:                         304,
			"W/" + tag:                  304,
			`"old", ` + tag:             304,
			`"old",` + tag + `,"older"`: 304,
			"*":                         304,
			`"old"`:                     200,
		} {
			res, b := do(t, http.MethodGet, ts.URL, map[string]string{"Accept-Encoding": accept, "If-None-Match": inm})
			if res.StatusCode != want {
				t.Errorf("Accept-Encoding %s, If-None-Match %s: %d, want %d", accept, inm, res.StatusCode, want)
			}
			if want == 304 && (len(b) != 0 || res.Header.Get("ETag") != tag || res.Header.Get("Vary") != "Accept-Encoding" ||
				res.Header.Get("Cache-Control") != CacheControl) {
				t.Errorf("304 for %s: %v, %d bytes", accept, res.Header, len(b))
			}
		}
		// Another encoding's tag names another representation: 200.
		for other, otherTag := range tags {
			if other == accept {
				continue
			}
			if res, _ := do(t, http.MethodGet, ts.URL, map[string]string{"Accept-Encoding": accept, "If-None-Match": otherTag}); res.StatusCode != 200 {
				t.Errorf("Accept-Encoding %s, If-None-Match of %s: %d, want 200", accept, other, res.StatusCode)
			}
		}
		get, gb := do(t, http.MethodGet, ts.URL, map[string]string{"Accept-Encoding": accept})
		head, hb := do(t, http.MethodHead, ts.URL, map[string]string{"Accept-Encoding": accept})
		if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(gb)) ||
			head.Header.Get("ETag") != get.Header.Get("ETag") || head.Header.Get("Content-Encoding") != get.Header.Get("Content-Encoding") ||
			head.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("HEAD with %s: %d %v, %d bytes; GET: %v", accept, head.StatusCode, head.Header, len(hb), get.Header)
		}
	}
}

// The page's ETag is a hash of its bytes: a new page, a new tag.
func TestNewPageETags(t *testing.T) {
	a, b := newPage([]byte("<p>one</p>"), time.Now()), newPage([]byte("<p>two</p>"), time.Now())
	c := newPage([]byte("<p>one</p>"), time.Now())
	if a.ETag == b.ETag || a.ETag != c.ETag {
		t.Fatalf("ETags %s %s %s", a.ETag, b.ETag, c.ETag)
	}
}

// discard keeps one header map, so that AllocsPerRun counts Serve's own.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }

func TestServeAllocatesNothing(t *testing.T) {
	r := &Renderer{}
	r.page.Store(newPage(testPage(t), time.Now()))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	w := &discard{h: http.Header{}}
	r.Serve(w, req)
	if n := testing.AllocsPerRun(1000, func() { clear(w.h); r.Serve(w, req) }); n != 0 {
		t.Fatalf("%.1f allocations per request", n)
	}
}

// BenchmarkNewPage is what a rendering spends compressing a page of 24
// photos (gzip -9 and brotli 11).
func BenchmarkNewPage(b *testing.B) {
	body := testPage(b)
	var p *Page
	for b.Loop() {
		p = newPage(body, time.Now())
	}
	br, _ := p.Encoded(precompressed.Brotli)
	gz, _ := p.Encoded(precompressed.Gzip)
	b.ReportMetric(float64(len(body)), "page-bytes")
	b.ReportMetric(float64(len(gz)), "gzip-bytes")
	b.ReportMetric(float64(len(br)), "br-bytes")
}
