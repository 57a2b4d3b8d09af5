package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/panics"
)

type ctxKey int

const (
	requestKey ctxKey = iota
)

// requestMeta is what withRequest puts in a request's context: its id and
// the server's logger, to which logger adds the id when something is
// logged (most requests log nothing but the access line, so they do not
// pay for a logger of their own).
type requestMeta struct {
	id  string
	log *slog.Logger
}

// requestID returns the id of the request ctx belongs to.
func requestID(ctx context.Context) string {
	if m, ok := ctx.Value(requestKey).(*requestMeta); ok {
		return m.id
	}
	return ""
}

// logger returns the request's logger (carrying its id), or the default.
func logger(ctx context.Context) *slog.Logger {
	if m, ok := ctx.Value(requestKey).(*requestMeta); ok {
		return m.log.With("request_id", m.id)
	}
	return slog.Default()
}

// RequestID returns the id of the request ctx belongs to (its
// X-Request-Id), or "" outside a request: what the work a request caused
// is told apart by, in logs and in tests that count it.
func RequestID(ctx context.Context) string {
	if m, ok := ctx.Value(requestKey).(*requestMeta); ok {
		return m.id
	}
	return ""
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequest gives each request an id (the caller's X-Request-Id when it
// is sane), a logger carrying it, and the client's IP address; it logs the
// request when it ends.
func (s *Server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		ip := s.clients.Client(r)
		ctx := context.WithValue(r.Context(), requestKey, &requestMeta{id: id, log: s.log})
		ctx = clientaddr.With(ctx, ip)
		w.Header().Set("X-Request-Id", id)
		if s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.LogAttrs(ctx, slog.LevelDebug, "request started", slog.String("request_id", id),
				slog.String("method", r.Method), slog.String("path", r.URL.Path))
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			level := accessLevel(r, sw.status())
			if !s.log.Enabled(ctx, level) {
				return
			}
			s.log.LogAttrs(ctx, level, "request", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", sw.status()), slog.Int64("bytes", sw.bytes),
				slog.Int64("duration_ms", time.Since(start).Milliseconds()), slog.String("client_ip", ip))
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// recoverPanics is the HTTP layer's one recover: a handler's panic is
// logged with the request id and its stack, and the client gets a 500
// INTERNAL unless the response had begun (the headers the failed handler
// set for its own answer are dropped first). Resolvers' panics are turned
// into INTERNAL errors by gqlgen (see recoverPanic) and never get here.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		defer panics.RecoverHandler(logger(r.Context()), "HTTP handler", func(any) {
			if sw.wroteHeader {
				return
			}
			h := sw.Header()
			for _, k := range []string{"Content-Encoding", "Content-Length", "ETag", "Last-Modified", "Cache-Control", "Vary"} {
				h.Del(k)
			}
			writeError(sw, &facestat.Error{Code: facestat.Internal, Message: "internal error"})
		})
		next.ServeHTTP(sw, r)
	})
}

// accessLevel is the level of a request's access line: debug for health
// checks, and for the successful GETs (2xx, 304) of what is served without
// a query, the same bytes for everyone: the front page, the web app's
// hashed assets and images. Those are the bulk of a spike's requests (a
// JSON line written to stdout for each was a fifth of the front page's
// CPU, bench/front) and say nothing to act on; their errors, and every
// other request, are logged at info.
func accessLevel(r *http.Request, status int) slog.Level {
	p := r.URL.Path
	if p == "/healthz" || p == "/readyz" {
		return slog.LevelDebug
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && status < 400 &&
		(p == "/" || strings.HasPrefix(p, "/assets/") || strings.HasPrefix(p, "/images/")) {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// statusWriter remembers what was written, for the access log.
type statusWriter struct {
	http.ResponseWriter
	code        int
	bytes       int64
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom lets io.Copy reach the connection's own ReadFrom through the
// access log's count: net/http sends a file (an image, with its length
// known) with sendfile, without copying it through a buffer of ours.
// Bytes already in memory (an image from the folder store's cache), which
// http.ServeContent hands over limited to its length, are written at once
// instead: the connection's ReadFrom would copy them through a buffer of
// 32 KiB made for each response, one write per 32 KiB. (A reader in
// memory that is not limited needs nothing of ours: io.Copy writes it
// with its own WriteTo.)
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wroteHeader = true
	var n int64
	var err error
	if lr, m, ok := inMemory(r); ok {
		n, err = m.WriteTo(w.ResponseWriter)
		lr.N -= n
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.bytes += n
	return n, err
}

// memReader is a reader of bytes in memory (bytes.Reader, strings.Reader),
// whose WriteTo writes what is left in one Write and Len says how much
// that is.
type memReader interface {
	io.WriterTo
	Len() int
}

// inMemory reports whether r limits a reader in memory to no less than
// what it holds (as io.CopyN and http.ServeContent do for the whole of
// it), and returns both.
func inMemory(r io.Reader) (*io.LimitedReader, memReader, bool) {
	lr, ok := r.(*io.LimitedReader)
	if !ok {
		return nil, nil, false
	}
	m, ok := lr.R.(memReader)
	return lr, m, ok && int64(m.Len()) <= lr.N
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// The security headers' values, made once: net/http only reads them, and a
// handler that Adds to one of them gets a new slice (their capacity is 1).
var (
	hNosniff        = []string{"nosniff"}
	hReferrerPolicy = []string{"strict-origin-when-cross-origin"}
	hFrameDeny      = []string{"DENY"}
	// hBaseCSP is the policy of every response that sets none of its own
	// (the API's JSON, errors, redirects, images, plain text): nothing to
	// load or run, and never framed. The web app's pages, the busy page
	// and the status page replace it with theirs.
	hBaseCSP = []string{"default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}
	// hHSTS keeps browsers on https for two years, subdomains included,
	// once they have seen the site there.
	hHSTS = []string{"max-age=63072000; includeSubDomains"}
)

// securityHeaders sets the headers every response carries (by assigning
// shared values to canonical keys: no allocation per request).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.setSecurityHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

// setSecurityHeaders sets the headers of securityHeaders on h: HSTS only
// when the public URL is https (a plain-http site cannot set it, and
// browsers ignore it there).
func (s *Server) setSecurityHeaders(h http.Header) {
	h["X-Content-Type-Options"] = hNosniff
	h["Referrer-Policy"] = hReferrerPolicy
	h["X-Frame-Options"] = hFrameDeny
	h["Content-Security-Policy"] = hBaseCSP
	if s.cfg.SecureCookies() {
		h["Strict-Transport-Security"] = hHSTS
	}
}
