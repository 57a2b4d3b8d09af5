// Command fakes3server is an S3-compatible server for tests, run as a
// process of its own: gofakes3 with its in-memory backend. It listens on
// -addr (127.0.0.1:0 by default, a free port), prints the address it
// listens on as the first line of its standard output, and serves until it
// is killed or its standard input reaches end of file (so it does not
// outlive a test binary that died without killing it).
//
// It fills in one gap of gofakes3, which drops the Cache-Control header of
// an upload: the header is kept with the object (as x-amz-meta-fakes3-cache-control,
// which gofakes3 stores) and returned as Cache-Control on GET and HEAD, as
// S3 does.
//
// It also stands in for the bucket policy production needs (README,
// production layout), which gofakes3 has no notion of: an anonymous GET or
// HEAD (no Authorization header, no X-Amz-Signature) of an object under a
// "private/" segment (<bucket>/[<prefix>/]private/...) answers 403
// AccessDenied, as the policy's Deny on that prefix does; and a presigned
// request past X-Amz-Date + X-Amz-Expires answers 403 "Request has
// expired", as S3 does. It checks that a request is signed, not the
// signature's math (gofakes3 accepts any credentials): a seam with no real
// counterpart here, and the one place tests trust S3 itself.
//
// Start it through package s3test rather than by hand.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// cacheControlMeta carries an upload's Cache-Control inside gofakes3, which
// stores every X-Amz-* request header with the object and sends it back.
const cacheControlMeta = "X-Amz-Meta-Fakes3-Cache-Control"

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	buckets := flag.String("buckets", "", "comma-separated buckets to create at start-up")
	verbose := flag.Bool("v", false, "log every request on stderr")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("fakes3server: ")

	backend := s3mem.New()
	for _, b := range strings.Split(*buckets, ",") {
		if b = strings.TrimSpace(b); b != "" {
			if err := backend.CreateBucket(b); err != nil {
				log.Fatalf("creating bucket %q: %v", b, err)
			}
		}
	}
	opts := []gofakes3.Option{gofakes3.WithAutoBucket(false)}
	if *verbose {
		opts = append(opts, gofakes3.WithGlobalLog())
	}
	handler := privatePolicy(keepCacheControl(gofakes3.New(backend, opts...).Server()))

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// The address is the first line on stdout: s3test waits for it.
	fmt.Println(l.Addr().String())
	os.Stdout.Sync()

	go func() {
		// End of input means the parent is gone.
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(l))
}

// keepCacheControl stores an upload's Cache-Control with the object and
// returns it on reads, as S3 does and gofakes3 does not.
func keepCacheControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			r.Header.Del(cacheControlMeta) // only ever set from Cache-Control
			if cc := r.Header.Get("Cache-Control"); cc != "" {
				r.Header.Set(cacheControlMeta, cc)
			}
		case http.MethodGet, http.MethodHead:
			// A presigned URL's response-cache-control wins, as on S3.
			w = &cacheControlWriter{ResponseWriter: w, override: r.URL.Query().Get("response-cache-control") != ""}
		}
		next.ServeHTTP(w, r)
	})
}

// cacheControlWriter turns the stored header back into Cache-Control just
// before the response's header is sent.
type cacheControlWriter struct {
	http.ResponseWriter
	wrote, override bool
}

func (w *cacheControlWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		if cc := h.Get(cacheControlMeta); cc != "" && !w.override {
			h.Set("Cache-Control", cc)
		}
		h.Del(cacheControlMeta)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cacheControlWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// privatePolicy refuses what the production bucket policy and S3 refuse:
// anonymous reads under a private/ segment, and expired presigned URLs.
func privatePolicy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if date := q.Get("X-Amz-Date"); date != "" {
			t, err := time.Parse("20060102T150405Z", date)
			secs, err2 := strconv.Atoi(q.Get("X-Amz-Expires"))
			if err != nil || err2 != nil || time.Now().After(t.Add(time.Duration(secs)*time.Second)) {
				denied(w, "Request has expired")
				return
			}
		}
		signed := r.Header.Get("Authorization") != "" || q.Get("X-Amz-Signature") != ""
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !signed && underPrivate(r.URL.Path) {
			denied(w, "Access Denied")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// underPrivate reports whether the path /<bucket>/<object> names an
// object with a "private" segment (the object's name, not the bucket).
func underPrivate(p string) bool {
	_, object, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return strings.HasPrefix(object, "private/") || strings.Contains(object, "/private/")
}

func denied(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>%s</Message></Error>", msg)
}
