// Package precompressedtest checks, over HTTP, a resource served by
// precompressed: negotiation among br, gzip and identity, bodies that
// decode to exactly the identity bytes, Vary, Content-Encoding,
// Content-Length, an ETag per representation, 304 for If-None-Match and
// HEAD. The web app's assets (api), the front page (frontpage) and the
// running server (integration) share these checks.
package precompressedtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// Client neither asks for compression nor decodes it: the bodies it
// returns are as sent.
var Client = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// Fetch sends a request with Client, the header fields set, and returns the
// response with its whole body (closed).
func Fetch(t testing.TB, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := Client.Do(req)
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

// Decode is b decoded from Content-Encoding enc ("", "gzip" or "br"); any
// other coding or a body that does not decode fails the test.
func Decode(t testing.TB, enc string, b []byte) []byte {
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

// Case is a request's Accept-Encoding and what a resource with all three
// representations answers it.
type Case struct {
	Accept   string
	Omit     bool   // no Accept-Encoding field at all (Accept is ignored)
	Encoding string // Content-Encoding of the answer: "", "gzip" or "br"
	Status   int    // 0 for 200
}

func (c Case) String() string {
	if c.Omit {
		return "no Accept-Encoding"
	}
	return "Accept-Encoding " + strconv.Quote(c.Accept)
}

func (c Case) header() map[string]string {
	h := map[string]string{}
	if !c.Omit {
		h["Accept-Encoding"] = c.Accept
	}
	return h
}

// Negotiation is what browsers, curl, bots and odd clients ask, and the
// representation each gets: br before gzip before identity at equal
// weights, q=0 refuses, "*" weighs what is not named, and 406 when
// everything is refused.
var Negotiation = []Case{
	{Omit: true, Encoding: ""},
	{Accept: "", Encoding: ""},
	{Accept: "identity", Encoding: ""},
	{Accept: "gzip, deflate, br, zstd", Encoding: "br"}, // Chrome, Firefox
	{Accept: "br", Encoding: "br"},
	{Accept: "br, gzip", Encoding: "br"},
	{Accept: "gzip", Encoding: "gzip"},
	{Accept: "gzip, deflate", Encoding: "gzip"}, // curl --compressed without brotli, many bots
	{Accept: "gzip, br;q=0", Encoding: "gzip"},
	{Accept: "br;q=0, gzip", Encoding: "gzip"},
	{Accept: "br;q=0", Encoding: ""},
	{Accept: "br;q=0.3, gzip;q=0.6", Encoding: "gzip"},
	{Accept: "br;q=0.4, gzip;q=0.9", Encoding: "gzip"},
	{Accept: "br;q=0.9, gzip;q=0.9, identity;q=0.9", Encoding: "br"},
	{Accept: "identity;q=1, br;q=0.5", Encoding: ""},
	{Accept: "*", Encoding: "br"},
	{Accept: "*;q=0, gzip", Encoding: "gzip"},
	{Accept: "deflate", Encoding: ""},
	{Accept: "*;q=0", Status: http.StatusNotAcceptable},
}

// Options are what a resource's responses carry besides what
// CheckRepresentations checks of every one.
type Options struct {
	// Header holds fields every 200 carries with exactly these values
	// (Content-Type, Cache-Control, X-Content-Type-Options...); a 304
	// carries Header's Cache-Control too.
	Header map[string]string
	// ETag, when set, is the identity representation's ETag.
	ETag string
	// Cases replaces Negotiation.
	Cases []Case
}

// CheckRepresentations requests url with each case of Negotiation (or
// o.Cases) and checks:
//
//   - the status; Vary: Accept-Encoding on every answer, 406 included;
//   - Content-Encoding, o.Header, Content-Length (the field and the bytes
//     read), a body that decodes to exactly identity and, compressed, is
//     smaller than it;
//   - one ETag per representation, three distinct ones, the identity's
//     o.ETag if set, the others derived from it with -gz and -br;
//   - If-None-Match naming that ETag (alone, weak, in a list) or "*": 304,
//     no body, the ETag, Vary and o.Header's Cache-Control; naming an
//     unknown tag or another representation's: 200;
//   - HEAD: 200, no body, the GET's ETag, Content-Encoding and
//     Content-Length, and Vary.
//
// It stops the test when a check fails, and returns the ETags by
// Content-Encoding ("" for identity).
func CheckRepresentations(t testing.TB, url string, identity []byte, o Options) map[string]string {
	t.Helper()
	failed := false
	errorf := func(format string, args ...any) {
		t.Helper()
		failed = true
		t.Errorf(format, args...)
	}
	cases := o.Cases
	if cases == nil {
		cases = Negotiation
	}
	if len(identity) == 0 {
		t.Fatal("precompressedtest: no identity bytes")
	}

	tags := map[string]string{} // by Content-Encoding
	for _, c := range cases {
		want := c.Status
		if want == 0 {
			want = http.StatusOK
		}
		res, b := Fetch(t, http.MethodGet, url, c.header())
		h := res.Header
		if res.StatusCode != want || h.Get("Vary") != "Accept-Encoding" {
			errorf("%s: %d (want %d), Vary %q", c, res.StatusCode, want, h.Get("Vary"))
			continue
		}
		if want != http.StatusOK {
			continue
		}
		if h.Get("Content-Encoding") != c.Encoding {
			errorf("%s: Content-Encoding %q, want %q", c, h.Get("Content-Encoding"), c.Encoding)
			continue
		}
		for k, v := range o.Header {
			if h.Get(k) != v {
				errorf("%s: %s %q, want %q", c, k, h.Get(k), v)
			}
		}
		if res.ContentLength != int64(len(b)) || h.Get("Content-Length") != strconv.Itoa(len(b)) {
			errorf("%s: Content-Length %q for %d bytes", c, h.Get("Content-Length"), len(b))
		}
		if !bytes.Equal(Decode(t, c.Encoding, b), identity) {
			errorf("%s: the body does not decode to the identity bytes", c)
		}
		if c.Encoding != "" && len(b) >= len(identity) {
			errorf("%s: %s is %d bytes, identity %d", c, c.Encoding, len(b), len(identity))
		}
		etag := h.Get("ETag")
		if prev, ok := tags[c.Encoding]; etag == "" || (ok && prev != etag) {
			errorf("%s: ETag %q for %q (before: %q)", c, etag, c.Encoding, prev)
			continue
		}
		tags[c.Encoding] = etag
	}
	if failed {
		t.FailNow()
	}
	id := strings.TrimSuffix(tags[""], `"`)
	if len(tags) != 3 || tags[""] == "" || tags[""] == tags["br"] || tags[""] == tags["gzip"] || tags["br"] == tags["gzip"] ||
		(o.ETag != "" && tags[""] != o.ETag) || tags["gzip"] != id+`-gz"` || tags["br"] != id+`-br"` {
		t.Fatalf("ETags by Content-Encoding: %v (identity's: %q)", tags, o.ETag)
	}

	for _, c := range cases {
		if c.Status != 0 && c.Status != http.StatusOK {
			continue
		}
		tag := tags[c.Encoding]
		for inm, want := range map[string]int{
			tag:                         http.StatusNotModified,
			"W/" + tag:                  http.StatusNotModified,
			`"old", ` + tag:             http.StatusNotModified,
			`W/"old", ` + tag:           http.StatusNotModified,
			`"old",` + tag + `,"older"`: http.StatusNotModified,
			"*":                         http.StatusNotModified,
			`"old"`:                     http.StatusOK,
		} {
			hd := c.header()
			hd["If-None-Match"] = inm
			res, b := Fetch(t, http.MethodGet, url, hd)
			if res.StatusCode != want {
				errorf("%s, If-None-Match %s: %d, want %d", c, inm, res.StatusCode, want)
				continue
			}
			if want == http.StatusNotModified && (len(b) != 0 || res.Header.Get("ETag") != tag || res.Header.Get("Vary") != "Accept-Encoding" ||
				(o.Header["Cache-Control"] != "" && res.Header.Get("Cache-Control") != o.Header["Cache-Control"])) {
				errorf("%s, If-None-Match %s: 304 with %v, %d bytes", c, inm, res.Header, len(b))
			}
		}
		// Another representation's tag names another representation: 200.
		for other, otherTag := range tags {
			if other == c.Encoding {
				continue
			}
			hd := c.header()
			hd["If-None-Match"] = otherTag
			if res, _ := Fetch(t, http.MethodGet, url, hd); res.StatusCode != http.StatusOK {
				errorf("%s, If-None-Match of %q (%s): %d, want 200", c, other, otherTag, res.StatusCode)
			}
		}
		get, gb := Fetch(t, http.MethodGet, url, c.header())
		head, hb := Fetch(t, http.MethodHead, url, c.header())
		if get.StatusCode != http.StatusOK || get.Header.Get("ETag") != tag || get.Header.Get("Content-Encoding") != c.Encoding ||
			head.StatusCode != http.StatusOK || len(hb) != 0 || len(gb) == 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(gb)) ||
			head.Header.Get("ETag") != tag || head.Header.Get("Content-Encoding") != c.Encoding || head.Header.Get("Vary") != "Accept-Encoding" {
			errorf("%s: HEAD %d %v, %d bytes; GET %d %v, %d bytes", c, head.StatusCode, head.Header, len(hb), get.StatusCode, get.Header, len(gb))
		}
	}
	if failed {
		t.FailNow()
	}
	return tags
}
