package precompressedtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/facestat/facestat/precompressed"
	"github.com/facestat/facestat/precompressed/precompressedtest"
)

var body = []byte(strings.Repeat("<li><a href=\"/photos/1\">a photo</a></li>\n", 200))

func serve(t *testing.T, h http.Handler) string {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestCheckRepresentations(t *testing.T) {
	res := precompressed.New(body, precompressed.Options{ContentType: "text/html; charset=utf-8", CacheControl: "no-cache"})
	tags := precompressedtest.CheckRepresentations(t, serve(t, res), body, precompressedtest.Options{
		Header: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"},
		ETag:   res.ETag(precompressed.Identity),
	})
	if tags[""] != res.ETag(precompressed.Identity) || tags["gzip"] != res.ETag(precompressed.Gzip) || tags["br"] != res.ETag(precompressed.Brotli) {
		t.Fatalf("tags %v", tags)
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recorder) Fatal(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)); r.FailNow() }
func (r *recorder) FailNow()                          { r.failed = true; runtime.Goexit() }

// dropping removes a header field before the header is sent.
type dropping struct {
	http.ResponseWriter
	field string
}

func (d dropping) WriteHeader(code int) {
	d.Header().Del(d.field)
	d.ResponseWriter.WriteHeader(code)
}

func (d dropping) Write(b []byte) (int, error) {
	d.Header().Del(d.field)
	return d.ResponseWriter.Write(b)
}

// fails runs CheckRepresentations against h on a recorder.
func fails(t *testing.T, h http.Handler, identity []byte, o precompressedtest.Options) *recorder {
	r := &recorder{TB: t}
	url := serve(t, h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		precompressedtest.CheckRepresentations(r, url, identity, o)
	}()
	<-done
	return r
}

// Each way of serving a representation wrongly fails the check.
func TestCheckRepresentationsFails(t *testing.T) {
	res := precompressed.New(body, precompressed.Options{ContentType: "text/html; charset=utf-8", CacheControl: "no-cache"})
	header := map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}
	for name, c := range map[string]struct {
		h        http.Handler
		identity []byte
		o        precompressedtest.Options
	}{
		"other bytes":  {res, append([]byte("x"), body...), precompressedtest.Options{Header: header}},
		"header":       {res, body, precompressedtest.Options{Header: map[string]string{"Cache-Control": "no-store"}}},
		"identity tag": {res, body, precompressedtest.Options{Header: header, ETag: `"0123456789abcdef"`}},
		"no Vary": {http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			res.ServeHTTP(dropping{w, "Vary"}, req)
		}), body, precompressedtest.Options{Header: header}},
		"no 304": {http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			req.Header.Del("If-None-Match")
			res.ServeHTTP(w, req)
		}), body, precompressedtest.Options{Header: header}},
		"HEAD without Content-Length": {http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Method == http.MethodHead {
				w = dropping{w, "Content-Length"}
			}
			res.ServeHTTP(w, req)
		}), body, precompressedtest.Options{Header: header}},
		"304 without Cache-Control": {http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Header.Get("If-None-Match") != "" {
				w = dropping{w, "Cache-Control"}
			}
			res.ServeHTTP(w, req)
		}), body, precompressedtest.Options{Header: header}},
	} {
		t.Run(name, func(t *testing.T) {
			if r := fails(t, c.h, c.identity, c.o); !r.failed {
				t.Fatal("passed")
			} else {
				t.Log(r.msgs[0])
			}
		})
	}
}
