package frontpage

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/precompressed"
	"github.com/facestat/facestat/precompressed/precompressedtest"
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
		p.PostedBy.Handle = "demo" + strconv.Itoa(i%12)
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

func TestServeBeforeFirstRendering(t *testing.T) {
	ts := frontServer(t, &Renderer{})
	if res, _ := precompressedtest.Fetch(t, http.MethodGet, ts.URL, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("served a page before rendering one: %d", res.StatusCode)
	}
}

// TestServeRepresentations: every Accept-Encoding gets the encoding it
// prefers among br, gzip and identity, with the headers caches need, a
// body that decodes to exactly the page, and the ETag of that encoding
// (the page's, and Encoded's); If-None-Match answers 304 for the encoding
// the request gets and only for it, in a list, weak or not, and for *;
// HEAD has the GET's headers and no body
// (precompressedtest.CheckRepresentations).
func TestServeRepresentations(t *testing.T) {
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
	tags := precompressedtest.CheckRepresentations(t, ts.URL, body, precompressedtest.Options{
		Header: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": CacheControl},
		ETag:   p.ETag,
	})
	if tags["br"] != brTag || tags["gzip"] != gzTag {
		t.Fatalf("ETags served %v, Encoded's: gzip %s, br %s", tags, gzTag, brTag)
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
