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
	handler := keepCacheControl(gofakes3.New(backend, opts...).Server())

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
			w = &cacheControlWriter{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

// cacheControlWriter turns the stored header back into Cache-Control just
// before the response's header is sent.
type cacheControlWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *cacheControlWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		if cc := h.Get(cacheControlMeta); cc != "" {
			h.Set("Cache-Control", cc)
			h.Del(cacheControlMeta)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cacheControlWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
