package precompressed

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

var all = [numEncodings]bool{true, true, true}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		name   string
		values []string // nil: no Accept-Encoding field
		have   [numEncodings]bool
		want   Encoding
		ok     bool
	}{
		{"no field", nil, all, Identity, true},
		{"empty field: identity only", []string{""}, all, Identity, true},
		{"browser", []string{"gzip, deflate, br, zstd"}, all, Brotli, true},
		{"gzip only", []string{"gzip"}, all, Gzip, true},
		{"x-gzip", []string{"x-gzip"}, all, Gzip, true},
		{"case", []string{"GZip, BR"}, all, Brotli, true},
		{"case: x-gzip, identity", []string{"IDENTITY;q=0, X-Gzip;q=0.5"}, all, Gzip, true},
		{"not a coding we know, of the same length", []string{"bz, gzap, identite"}, all, Identity, true},
		{"br;q=0 refuses br", []string{"gzip, br;q=0"}, all, Gzip, true},
		{"br;q=0.0 with spaces", []string{"br ; q=0.0 , gzip"}, all, Gzip, true},
		{"br;Q=0", []string{"br;Q=0, gzip"}, all, Gzip, true},
		{"only br, refused", []string{"br;q=0"}, all, Identity, true},
		{"higher q wins over preference", []string{"br;q=0.5, gzip;q=0.8"}, all, Gzip, true},
		{"equal q: br first", []string{"gzip;q=0.7, br;q=0.7"}, all, Brotli, true},
		{"three decimals", []string{"br;q=0.001, gzip;q=0.002"}, all, Gzip, true},
		{"identity named higher", []string{"identity, gzip;q=0.5"}, all, Identity, true},
		{"identity only", []string{"identity"}, all, Identity, true},
		{"identity refused", []string{"gzip, identity;q=0"}, all, Gzip, true},
		{"star", []string{"*"}, all, Brotli, true},
		{"star minus br", []string{"*, br;q=0"}, all, Gzip, true},
		{"star refused, identity named", []string{"*;q=0, identity"}, all, Identity, true},
		{"star refused: nothing", []string{"*;q=0"}, all, Identity, false},
		{"everything refused", []string{"identity;q=0, br;q=0, gzip;q=0"}, all, Identity, false},
		{"a coding named twice takes its lower weight", []string{"br, br;q=0"}, all, Identity, true},
		{"two field lines", []string{"deflate", "br"}, all, Brotli, true},
		{"malformed q ignored", []string{"br;q=2, gzip"}, all, Gzip, true},
		{"malformed q ignored (1.5)", []string{"br;q=1.5"}, all, Identity, true},
		{"malformed q ignored (too many digits)", []string{"br;q=0.0001"}, all, Identity, true},
		{"q=1.000", []string{"br;q=1.000"}, all, Brotli, true},
		{"other parameters", []string{"br;level=3"}, all, Brotli, true},
		{"unknown codings only", []string{"deflate, zstd"}, all, Identity, true},
		{"no brotli representation", []string{"br, gzip"}, [numEncodings]bool{true, true, false}, Gzip, true},
		{"identity only representation", []string{"br, gzip"}, [numEncodings]bool{true, false, false}, Identity, true},
		{"identity only representation, refused", []string{"br, identity;q=0"}, [numEncodings]bool{true, false, false}, Identity, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := negotiate(c.values, &c.have)
			if got != c.want || ok != c.ok {
				t.Fatalf("negotiate(%q) = %v, %v; want %v, %v", c.values, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestNoneMatch(t *testing.T) {
	const tag = `"0123abcd-br"`
	cases := []struct {
		values []string
		want   bool
	}{
		{[]string{tag}, true},
		{[]string{`W/` + tag}, true},
		{[]string{`"other", ` + tag}, true},
		{[]string{`"other",W/"x"  ,  ` + tag + `, "more"`}, true},
		{[]string{`"other"`, tag}, true},
		{[]string{"*"}, true},
		{[]string{`"0123abcd"`}, false},       // the identity tag names another representation
		{[]string{`"0123abcd-gz"`}, false},    // so does gzip's
		{[]string{`0123abcd-br`}, false},      // unquoted: malformed
		{[]string{`"0123abcd-br`}, false},     // unterminated
		{[]string{`"x,"0123abcd-br"`}, false}, // not a list of tags that holds it
		{[]string{""}, false},
	}
	for _, c := range cases {
		if got := noneMatch(c.values, tag); got != c.want {
			t.Errorf("noneMatch(%q) = %v, want %v", c.values, got, c.want)
		}
	}
}

// page is compressible, like HTML.
var page = []byte(strings.Repeat("<li><a href=\"/photos/UGhvdG86MTIz\"><img src=\"/images/thumb/abc.jpg\" alt=\"Photo by someone\"></a></li>\n", 80))

func decode(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("unknown Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", enc, err)
	}
	return out
}

func serve(r *Resource, method string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", nil)
	req.Header = header
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	return rec
}

func TestServe(t *testing.T) {
	res := New(page, Options{ContentType: "text/html; charset=utf-8", CacheControl: "public, max-age=0"})
	if len(res.Body(Brotli)) == 0 || len(res.Body(Gzip)) == 0 || len(res.Body(Brotli)) >= len(res.Body(Gzip)) {
		t.Fatalf("sizes: identity %d, gzip %d, br %d", len(page), len(res.Body(Gzip)), len(res.Body(Brotli)))
	}
	etags := map[string]bool{}
	for _, c := range []struct {
		accept, enc string
		e           Encoding
	}{{"", "", Identity}, {"gzip", "gzip", Gzip}, {"gzip, deflate, br", "br", Brotli}} {
		h := http.Header{}
		if c.accept != "" {
			h.Set("Accept-Encoding", c.accept)
		}
		rec := serve(res, http.MethodGet, h)
		hd := rec.Header()
		if rec.Code != 200 || hd.Get("Content-Encoding") != c.enc || hd.Get("Vary") != "Accept-Encoding" ||
			hd.Get("Content-Type") != "text/html; charset=utf-8" || hd.Get("Cache-Control") != "public, max-age=0" {
			t.Fatalf("Accept-Encoding %q: %d %v", c.accept, rec.Code, hd)
		}
		if hd.Get("Content-Length") != itoa(rec.Body.Len()) {
			t.Fatalf("Accept-Encoding %q: Content-Length %s for %d bytes", c.accept, hd.Get("Content-Length"), rec.Body.Len())
		}
		if got := decode(t, c.enc, rec.Body.Bytes()); !bytes.Equal(got, page) {
			t.Fatalf("Accept-Encoding %q: the body does not decode to the page", c.accept)
		}
		etag := hd.Get("Etag")
		if etag != res.ETag(c.e) || etags[etag] {
			t.Fatalf("ETag %q (want %q, distinct per representation: %v)", etag, res.ETag(c.e), etags)
		}
		etags[etag] = true

		// The representation's own tag: 304, with the headers a 200 would have
		// that caches need, and no body.
		h.Set("If-None-Match", `"nope", W/`+etag)
		rec = serve(res, http.MethodGet, h)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("Etag") != etag ||
			rec.Header().Get("Vary") != "Accept-Encoding" || rec.Header().Get("Cache-Control") == "" {
			t.Fatalf("Accept-Encoding %q, If-None-Match its tag: %d %v %q", c.accept, rec.Code, rec.Header(), rec.Body.Bytes())
		}
		// Another representation's tag: 200.
		h.Set("If-None-Match", res.ETag((c.e+1)%numEncodings))
		if rec = serve(res, http.MethodGet, h); rec.Code != 200 || rec.Body.Len() == 0 {
			t.Fatalf("Accept-Encoding %q, If-None-Match another representation's tag: %d", c.accept, rec.Code)
		}
		h.Set("If-None-Match", "*")
		if rec = serve(res, http.MethodGet, h); rec.Code != http.StatusNotModified {
			t.Fatalf("If-None-Match *: %d", rec.Code)
		}

		// HEAD: the GET's headers, no body.
		h.Del("If-None-Match")
		rec = serve(res, http.MethodHead, h)
		if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != itoa(len(res.Body(c.e))) ||
			rec.Header().Get("Content-Encoding") != c.enc || rec.Header().Get("Etag") != etag {
			t.Fatalf("HEAD with Accept-Encoding %q: %d %v", c.accept, rec.Code, rec.Header())
		}
	}
	h := http.Header{"Accept-Encoding": {"*;q=0"}}
	if rec := serve(res, http.MethodGet, h); rec.Code != http.StatusNotAcceptable || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("everything refused: %d %v", rec.Code, rec.Header())
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// A body that does not shrink is served as it is, and without Vary: the
// response does not depend on Accept-Encoding.
func TestIncompressible(t *testing.T) {
	body := []byte("ok")
	res := New(body, Options{ContentType: "text/plain"})
	if res.Body(Gzip) != nil || res.Body(Brotli) != nil {
		t.Fatal("kept a compressed representation larger than the body")
	}
	rec := serve(res, http.MethodGet, http.Header{"Accept-Encoding": {"br, gzip"}})
	if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Vary") != "" || rec.Body.String() != "ok" {
		t.Fatalf("%d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
	res = New(page, Options{NoCompression: true})
	if res.Body(Gzip) != nil || res.Body(Brotli) != nil {
		t.Fatal("NoCompression compressed")
	}
}

// discard is a ResponseWriter that keeps one header map, so that what
// AllocsPerRun counts is ServeHTTP's own.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.code = code }
func (d *discard) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

func TestServeAllocatesNothing(t *testing.T) {
	res := New(page, Options{ContentType: "text/html; charset=utf-8", CacheControl: "no-cache"})
	for _, c := range []struct{ name, accept, inm string }{
		{"br", "gzip, deflate, br, zstd", ""},
		{"gzip", "gzip;q=1.0, identity; q=0.5, *;q=0", ""},
		{"identity", "", ""},
		{"304", "gzip, deflate, br", res.ETag(Brotli)},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if c.accept != "" {
			req.Header.Set("Accept-Encoding", c.accept)
		}
		if c.inm != "" {
			req.Header.Set("If-None-Match", `"abc", `+c.inm)
		}
		w := &discard{h: http.Header{}}
		res.ServeHTTP(w, req) // the map's first growth is net/http's
		allocs := testing.AllocsPerRun(1000, func() {
			clear(w.h)
			res.ServeHTTP(w, req)
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per request", c.name, allocs)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for _, size := range []int{len(page), 64 << 10} {
		body := bytes.Repeat(page, size/len(page)+1)[:size]
		b.Run(itoa(size), func(b *testing.B) {
			for b.Loop() {
				New(body, Options{})
			}
		})
	}
}

// BenchmarkNegotiate: what choosing costs per request, for a browser's
// Accept-Encoding.
func BenchmarkNegotiate(b *testing.B) {
	v := []string{"gzip, deflate, br, zstd"}
	for b.Loop() {
		negotiate(v, &all)
	}
}

// TestBrotliWindowFitsTheBody: the window is the smallest that reaches a
// body's first byte from its last (10 to 22 bits: brotli's window gap takes
// 16 bytes; the table pins the edges), and a body whose end repeats its
// start, at, under and over a window's size, decodes to itself and
// compresses as well as with the default window.
func TestBrotliWindowFitsTheBody(t *testing.T) {
	for n, want := range map[int]int{0: 10, 1: 10, 1009: 10, 1010: 11, 1024: 11, 18000: 15, 16369: 14, 16370: 15, 65521: 16, 65522: 17, 65536: 17, 1 << 30: 22} {
		if got := brotliWindow(n); got != want {
			t.Errorf("brotliWindow(%d) = %d, want %d", n, got, want)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 1009, 1010, 1024, 1025, 16369, 16370} {
		// Random letters whose last 64 repeat the first 64: the repeat is
		// as far back as the body allows.
		body := make([]byte, n)
		for i := range body {
			body[i] = byte('a' + rnd.IntN(26))
		}
		if n >= 128 {
			copy(body[n-64:], body[:64])
		}
		b := brotliBytes(body, DefaultBrotliQuality)
		if got := decode(t, "br", b); !bytes.Equal(got, body) {
			t.Fatalf("%d bytes: brotli round trip gave %d different bytes", n, len(got))
		}
		// The window's size is in the stream's header: a byte or two apart.
		// A missed repeat costs about 38 (64 letters at 0.59 bytes each).
		if def := brotliWith(body, DefaultBrotliQuality, 22); len(b) > len(def)+8 {
			t.Errorf("%d bytes whose end repeats their start: %d bytes with a window of %d bits, %d with the default: the window misses the repeat",
				n, len(b), brotliWindow(n), len(def))
		}
	}
}
