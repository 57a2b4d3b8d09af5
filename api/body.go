package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/identity"
)

// multipartOverhead is what a multipart body may carry beyond the file:
// the operations and map parts and the part headers.
const multipartOverhead = 64 << 10

// uploadHead is how much of an upload must have arrived, at the minimum
// rate, before it takes an upload slot: a client that connects and then
// trickles holds no slot, only its connection, until the rate cuts it off.
const uploadHead = 64 << 10

// limitBody bounds what a request may send and hold before gqlgen reads
// it. Every body must keep up min-body-rate (408 BODY_TOO_SLOW, see
// rateReader). A JSON body is read whole, to MaxBodyBytes (413
// BODY_TOO_LARGE). An upload (multipart) is for accounts only (401), must
// declare its length (411) within MaxUploadBytes plus the operation (413
// FILE_TOO_LARGE), may be one of at most max-uploads-per-ip from its
// address (429), and takes its upload slot only once its first uploadHead
// bytes have arrived (see serveUpload). A WebSocket counts against
// ws-max-sockets-per-ip for as long as it is open (429 before the upgrade)
// and carries the bound on its operations (see socketOps). Every refusal
// is sent at once and closes the connection without reading the rest of
// the body (see refuse).
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Upgrade") != "":
			s.serveSocket(next, w, r)
		case r.Method != http.MethodPost:
			next.ServeHTTP(w, r)
		case isMultipart(r):
			s.serveUpload(next, w, r)
		default:
			s.serveJSON(next, w, r)
		}
	})
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// serveJSON reads a JSON body whole, at the minimum rate, before gqlgen
// sees it.
func (s *Server) serveJSON(next http.Handler, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(s.rateLimited(w, r.Body), s.cfg.MaxBodyBytes+1))
	if err != nil {
		refuseBody(w, err)
		return
	}
	if int64(len(body)) > s.cfg.MaxBodyBytes {
		refuse(w, http.StatusRequestEntityTooLarge, facestat.InputError("", facestat.ReasonBodyTooLarge,
			"the request body is larger than %d KiB", s.cfg.MaxBodyBytes>>10))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	next.ServeHTTP(w, r)
}

// serveUpload checks an upload before reading it, reads its head at the
// minimum rate, and only then takes an upload slot (admitUpload) and hands
// the request to gqlgen, which reads the rest at the same rate.
func (s *Server) serveUpload(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if !identity.FromContext(r.Context()).IsAccount() {
		refuse(w, 0, facestat.Errorf(facestat.Unauthenticated, "uploading needs an account: sign in first"))
		return
	}
	if r.ContentLength < 0 {
		refuse(w, http.StatusLengthRequired, facestat.InputError("", facestat.ReasonLengthRequired, "an upload must declare its Content-Length"))
		return
	}
	limit := s.cfg.MaxUploadBytes + multipartOverhead
	if r.ContentLength > limit {
		refuse(w, http.StatusRequestEntityTooLarge, facestat.InputError("input.file", facestat.ReasonFileTooLarge,
			"the file is larger than %d MiB", s.cfg.MaxUploadBytes>>20))
		return
	}
	leave, ok := holdPerAddress(w, r, s.uploadsPerIP, facestat.ReasonTooManyUploads, 5*time.Second,
		"too many uploads at once from your address: wait for one to finish")
	if !ok {
		return
	}
	defer leave()
	body := s.rateLimited(w, r.Body)
	head := make([]byte, min(r.ContentLength, uploadHead))
	if _, err := io.ReadFull(body, head); err != nil {
		refuseBody(w, err)
		return
	}
	ctx, release, err := s.admitUpload(r)
	if err != nil {
		refuse(w, 0, err)
		return
	}
	defer release()
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(w, readCloser{io.MultiReader(bytes.NewReader(head), body), body}, limit)
	next.ServeHTTP(&slowBodyWriter{ResponseWriter: w, body: body}, r)
}

// uploadTransport is gqlgen's multipart transport, which reads an upload
// once serveUpload has admitted it.
func (s *Server) uploadTransport() transport.MultipartForm {
	return transport.MultipartForm{
		MaxUploadSize: s.cfg.MaxUploadBytes + multipartOverhead,
		// Everything stays in memory (the body is bounded already): no temp
		// files, and no file descriptor per path listed in the map.
		MaxMemory: s.cfg.MaxUploadBytes + multipartOverhead + 1,
	}
}

// holdPerAddress takes one of the places of the request's client address
// in p, or refuses the request at once with RATE_LIMITED, reason, retry and
// message.
func holdPerAddress(w http.ResponseWriter, r *http.Request, p *admission.PerKey, reason string, retry time.Duration, message string) (leave func(), ok bool) {
	leave, ok = p.Acquire(clientaddr.Group(clientaddr.From(r.Context())))
	if !ok {
		refuse(w, 0, &facestat.Error{Code: facestat.RateLimited, Reason: reason, RetryAfter: retry, Message: message})
	}
	return leave, ok
}

type readCloser struct {
	io.Reader
	io.Closer
}

// rateLimited returns body wrapped in a rateReader for cfg's minimum rate.
func (s *Server) rateLimited(w http.ResponseWriter, body io.ReadCloser) *rateReader {
	return newRateReader(w, body, s.cfg.MinBodyRate, s.cfg.MinBodyWindow)
}

// errBodyTooSlow is what a rateReader returns once its body fell behind.
var errBodyTooSlow = errors.New("the request body arrives too slowly")

// rateReader is a request body that must arrive at min bytes a second on
// average: every byte buys 1/min of a second, credit never reaches more
// than window ahead, and the body fails (errBodyTooSlow) once it is behind
// that schedule, that is when it has been more than window late. A client
// sending at twice the rate may pause for a window; a trickle is cut off
// about a window after it began. The connection's read deadline follows the
// schedule (http.ResponseController), so a client that stalls outright is
// cut off too, not only one whose bytes still come; it is cleared at the
// end of the body, so that net/http's background read of an idle
// connection does not time out while the handler works.
type rateReader struct {
	body      io.ReadCloser
	rc        *http.ResponseController
	perByte   float64 // nanoseconds of credit one byte buys
	window    time.Duration
	deadline  time.Time
	deadlines bool  // the connection's read deadline can be set
	err       error // errBodyTooSlow, once cut off
}

func newRateReader(w http.ResponseWriter, body io.ReadCloser, min int64, window time.Duration) *rateReader {
	r := &rateReader{body: body, rc: http.NewResponseController(w), perByte: float64(time.Second) / float64(min),
		window: window, deadline: time.Now().Add(window)}
	r.deadlines = r.rc.SetReadDeadline(r.deadline) == nil
	return r
}

// Read implements io.Reader.
func (r *rateReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.body.Read(p)
	now := time.Now()
	if n > 0 {
		r.deadline = r.deadline.Add(time.Duration(float64(n) * r.perByte))
		if limit := now.Add(r.window); r.deadline.After(limit) {
			r.deadline = limit
		}
	}
	switch {
	case err == io.EOF:
		if r.deadlines {
			r.rc.SetReadDeadline(time.Time{})
		}
	case isTimeout(err) || now.After(r.deadline):
		r.err = errBodyTooSlow
		return n, r.err
	case n > 0 && r.deadlines:
		r.rc.SetReadDeadline(r.deadline)
	}
	return n, err
}

// Close implements io.Closer.
func (r *rateReader) Close() error { return r.body.Close() }

// tooSlow reports whether the body was cut off for falling behind.
func (r *rateReader) tooSlow() bool { return r.err == errBodyTooSlow }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// slowBodyWriter answers 408 BODY_TOO_SLOW in place of whatever the
// handler answers once its body was cut off for slowness (gqlgen's
// multipart transport reports any read error as a malformed request).
type slowBodyWriter struct {
	http.ResponseWriter
	body     *rateReader
	replaced bool
}

func (w *slowBodyWriter) WriteHeader(status int) {
	if w.body.tooSlow() && !w.replaced {
		w.replaced = true
		w.ResponseWriter.Header().Del("Content-Length")
		refuseBody(w.ResponseWriter, errBodyTooSlow)
		return
	}
	if !w.replaced {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *slowBodyWriter) Write(b []byte) (int, error) {
	if !w.replaced && w.body.tooSlow() {
		w.WriteHeader(http.StatusOK)
	}
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *slowBodyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// refuseBody answers a request whose body could not be read: 408
// BODY_TOO_SLOW when it fell below the minimum rate; nothing otherwise (the
// client went away, or sent less than it declared).
func refuseBody(w http.ResponseWriter, err error) {
	if errors.Is(err, errBodyTooSlow) {
		refuse(w, http.StatusRequestTimeout, facestat.InputError("", facestat.ReasonBodyTooSlow,
			"the request body arrived too slowly"))
	}
}

// refuse answers e at once, with status (or e's own when 0), and closes the
// connection after the answer without reading the rest of the body: with
// Connection: close, net/http sends the answer before touching the body,
// and with a read deadline already past, its closing of the body (which
// otherwise reads up to 256 KiB of what is left, however slowly it comes)
// fails at once.
func refuse(w http.ResponseWriter, status int, e *facestat.Error) {
	w.Header().Set("Connection", "close")
	if status == 0 {
		writeError(w, e)
	} else {
		writeErrorStatus(w, status, e)
	}
	http.NewResponseController(w).SetReadDeadline(time.Now())
}

// writeErrorStatus is writeError with an explicit status.
func writeErrorStatus(w http.ResponseWriter, status int, e *facestat.Error) {
	writeError(&statusOverride{ResponseWriter: w, status: status}, e)
}

type statusOverride struct {
	http.ResponseWriter
	status int
}

func (w *statusOverride) WriteHeader(int) { w.ResponseWriter.WriteHeader(w.status) }
