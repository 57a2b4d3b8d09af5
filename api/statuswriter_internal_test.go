package api

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// writeCounter is a ResponseWriter that counts its Write calls.
type writeCounter struct {
	*httptest.ResponseRecorder
	writes int
}

func (w *writeCounter) Write(b []byte) (int, error) {
	w.writes++
	return w.ResponseRecorder.Write(b)
}

func (w *writeCounter) WriteString(s string) (int, error) {
	w.writes++
	return w.ResponseRecorder.WriteString(s)
}

// TestStatusWriterWritesMemoryAtOnce: an image in memory, served by
// http.ServeContent through the access log's writer, reaches the
// connection in one Write (not through a buffer of 32 KiB, a write per
// 32 KiB), whole, and counted; a range of it is still the range; a reader
// that is not in memory is copied as before.
func TestStatusWriterWritesMemoryAtOnce(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16) // 100 KiB: four buffers' worth
	serve := func(rangeHeader string, content io.ReadSeeker) (*writeCounter, *statusWriter) {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "/images/x.jpg", nil)
		if rangeHeader != "" {
			r.Header.Set("Range", rangeHeader)
		}
		rec := &writeCounter{ResponseRecorder: httptest.NewRecorder()}
		sw := &statusWriter{ResponseWriter: rec}
		sw.Header().Set("Content-Type", "image/jpeg")
		http.ServeContent(sw, r, "", time.Unix(1e9, 0), content)
		return rec, sw
	}

	rec, sw := serve("", bytes.NewReader(body))
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), body) {
		t.Fatalf("whole image: status %d, %d bytes, want 200 and the %d bytes", rec.Code, rec.Body.Len(), len(body))
	}
	if rec.writes != 1 {
		t.Errorf("whole image from memory: %d writes, want 1", rec.writes)
	}
	if sw.bytes != int64(len(body)) || sw.status() != http.StatusOK {
		t.Errorf("access log counted %d bytes, status %d; want %d, 200", sw.bytes, sw.status(), len(body))
	}

	rec, sw = serve("bytes=10-99", bytes.NewReader(body))
	if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), body[10:100]) {
		t.Fatalf("range: status %d, body %q, want 206 and bytes 10-99", rec.Code, rec.Body.String())
	}
	if sw.bytes != 90 {
		t.Errorf("range: access log counted %d bytes, want 90", sw.bytes)
	}

	// A range to the end is the reader's rest, in memory too.
	rec, sw = serve("bytes=100-", bytes.NewReader(body))
	if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), body[100:]) || rec.writes != 1 || sw.bytes != int64(len(body)-100) {
		t.Fatalf("range to the end: status %d, %d bytes in %d writes, counted %d; want 206 and %d bytes in 1",
			rec.Code, rec.Body.Len(), rec.writes, sw.bytes, len(body)-100)
	}

	// The limit is spent as io.Copy would spend it.
	lr := &io.LimitedReader{R: bytes.NewReader(body[:10]), N: 25}
	if n, err := (&statusWriter{ResponseWriter: httptest.NewRecorder()}).ReadFrom(lr); n != 10 || err != nil || lr.N != 15 {
		t.Errorf("ReadFrom = %d, %v, the limit left %d; want 10, nil, 15", n, err, lr.N)
	}

	// A strings.Reader is in memory too; a reader that only reads is not.
	rec, _ = serve("", strings.NewReader(string(body)))
	if rec.writes != 1 || !bytes.Equal(rec.Body.Bytes(), body) {
		t.Errorf("strings.Reader: %d writes, %d bytes; want 1 write of %d", rec.writes, rec.Body.Len(), len(body))
	}
	rec, sw = serve("", readSeekerOnly{bytes.NewReader(body)})
	if !bytes.Equal(rec.Body.Bytes(), body) || sw.bytes != int64(len(body)) {
		t.Fatalf("plain reader: %d bytes, counted %d; want %d", rec.Body.Len(), sw.bytes, len(body))
	}
	if rec.writes < 2 {
		t.Errorf("plain reader: %d writes; it should have gone through io.Copy's buffer (the test would not tell the paths apart)", rec.writes)
	}
}

// readSeekerOnly hides every method of its reader but Read and Seek.
type readSeekerOnly struct{ r io.ReadSeeker }

func (r readSeekerOnly) Read(p []byte) (int, error)                { return r.r.Read(p) }
func (r readSeekerOnly) Seek(off int64, whence int) (int64, error) { return r.r.Seek(off, whence) }
