// Package precompressed serves a body held in memory the way a static file
// server serves precompressed files: compressed once, with gzip (best
// compression) and brotli, when it is made; chosen per request by
// Accept-Encoding; with a strong ETag per representation, If-None-Match
// (304) and HEAD. Serving allocates nothing of its own: every header value
// is made once, with the resource.
package precompressed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
	"net/http"
	"strconv"

	"github.com/andybalholm/brotli"
)

// Encoding is a content coding a Resource can be served in.
type Encoding int

const (
	Identity Encoding = iota
	Gzip
	Brotli
	numEncodings
)

// String is the coding's name in Content-Encoding ("identity" for none).
func (e Encoding) String() string {
	switch e {
	case Gzip:
		return "gzip"
	case Brotli:
		return "br"
	}
	return "identity"
}

// suffix tells the ETags of one body's representations apart: RFC 9110
// makes an ETag name a representation, and a gzip body is not a brotli one.
func (e Encoding) suffix() string {
	switch e {
	case Gzip:
		return "-gz"
	case Brotli:
		return "-br"
	}
	return ""
}

// DefaultBrotliQuality is brotli's best (and slowest) quality: resources
// are compressed once and served many times.
const DefaultBrotliQuality = 11

// Options say how a Resource is served.
type Options struct {
	ContentType  string // Content-Type of every representation
	CacheControl string // Cache-Control of every response, 304s included
	// NoCompression keeps the identity representation only: for formats
	// that are compressed already (JPEG, PNG, WOFF2).
	NoCompression bool
	// BrotliQuality is 0-11; 0 means DefaultBrotliQuality.
	BrotliQuality int
}

// representation is one encoding of the body, with its header values.
type representation struct {
	body      []byte
	etag      string
	hETag     []string
	hLength   []string
	hEncoding []string // nil for identity
}

// Resource is a body in every encoding worth having; immutable once made
// and safe for concurrent use.
type Resource struct {
	reps   [numEncodings]*representation
	have   [numEncodings]bool
	hType  []string
	hCache []string
	hVary  []string // nil when there is only the identity representation
}

// Header values shared by every Resource. net/http only reads them; a
// middleware that Adds to a key gets a new slice (their capacity is 1).
var (
	hVaryAcceptEncoding = []string{"Accept-Encoding"}
	hTextPlain          = []string{"text/plain; charset=utf-8"}
)

// New compresses body (unless o.NoCompression) and returns the resource.
// A compressed representation is kept only when it is smaller than body.
// The ETags are derived from body's SHA-256: the identity representation's
// is `"<16 hex digits>"`, the others add -gz or -br inside the quotes.
// body must not be changed afterwards.
func New(body []byte, o Options) *Resource {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:8])
	r := &Resource{hType: []string{o.ContentType}, hCache: []string{o.CacheControl}}
	r.add(Identity, body, tag)
	if !o.NoCompression {
		if gz := gzipBytes(body); gz != nil && len(gz) < len(body) {
			r.add(Gzip, gz, tag)
		}
		q := o.BrotliQuality
		if q <= 0 || q > 11 {
			q = DefaultBrotliQuality
		}
		if br := brotliBytes(body, q); br != nil && len(br) < len(body) {
			r.add(Brotli, br, tag)
		}
	}
	if r.have[Gzip] || r.have[Brotli] {
		r.hVary = hVaryAcceptEncoding
	}
	return r
}

func (r *Resource) add(e Encoding, body []byte, tag string) {
	etag := `"` + tag + e.suffix() + `"`
	rep := &representation{body: body, etag: etag, hETag: []string{etag}, hLength: []string{strconv.Itoa(len(body))}}
	if e != Identity {
		rep.hEncoding = []string{e.String()}
	}
	r.reps[e], r.have[e] = rep, true
}

func gzipBytes(body []byte) []byte {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	return b.Bytes()
}

func brotliBytes(body []byte, quality int) []byte {
	return brotliWith(body, quality, brotliWindow(len(body)))
}

// brotliWith is body compressed at quality with a window of lgwin bits.
func brotliWith(body []byte, quality, lgwin int) []byte {
	var b bytes.Buffer
	bw := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: quality, LGWin: lgwin})
	if _, err := bw.Write(body); err != nil {
		return nil
	}
	if err := bw.Close(); err != nil {
		return nil
	}
	return b.Bytes()
}

// brotliWindow is the base-2 logarithm of the smallest brotli window that
// holds n bytes (10 to 22). The streaming writer cannot know the body's
// size, so it takes the default window, 22 bits (4 MiB), whose match
// finder at quality 10-11 allocates and clears about 32 MiB for any body:
// for the front page (18 KB) most of its time and nearly all its garbage.
// A window reaches back 2^bits - 16 bytes (brotli's window gap), so one
// that reaches a body's first byte from its last finds every match the
// default window finds. Larger bodies keep the default.
func brotliWindow(n int) int {
	return min(max(bits.Len(uint(max(n, 1)+14)), 10), 22)
}

// Body is the representation's bytes in encoding e, nil when the resource
// does not have that encoding.
func (r *Resource) Body(e Encoding) []byte {
	if e < 0 || e >= numEncodings || r.reps[e] == nil {
		return nil
	}
	return r.reps[e].body
}

// ETag is the representation's entity tag in encoding e (quoted), "" when
// the resource does not have that encoding.
func (r *Resource) ETag(e Encoding) string {
	if e < 0 || e >= numEncodings || r.reps[e] == nil {
		return ""
	}
	return r.reps[e].etag
}

// ServeHTTP answers a GET or HEAD: the representation Accept-Encoding
// prefers (see Negotiate), 304 when If-None-Match names it (or is *), 406
// when the client refuses every representation the resource has.
//
// Headers are set by assigning prepared slices to canonical keys, so a
// request costs no allocation here; Vary, when there are compressed
// representations, replaces any Vary set before.
func (r *Resource) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	if r.hVary != nil {
		h["Vary"] = r.hVary
	}
	e, ok := negotiate(req.Header["Accept-Encoding"], &r.have)
	if !ok {
		h["Content-Type"] = hTextPlain
		w.WriteHeader(http.StatusNotAcceptable)
		if req.Method != http.MethodHead {
			w.Write(notAcceptable)
		}
		return
	}
	rep := r.reps[e]
	h["Cache-Control"] = r.hCache
	h["Etag"] = rep.hETag
	if inm := req.Header["If-None-Match"]; len(inm) > 0 && noneMatch(inm, rep.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = r.hType
	h["Content-Length"] = rep.hLength
	if rep.hEncoding != nil {
		h["Content-Encoding"] = rep.hEncoding
	}
	if req.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Write(rep.body)
}

var notAcceptable = []byte("406 not acceptable: Accept-Encoding refuses every representation of this resource\n")
