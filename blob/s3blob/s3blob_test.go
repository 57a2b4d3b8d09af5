package s3blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/blobtest"
	"github.com/facestat/facestat/blob/s3blob"
	"github.com/facestat/facestat/blob/s3blob/s3test"
)

func TestMain(m *testing.M) {
	code := m.Run()
	s3test.Cleanup()
	os.Exit(code)
}

var buckets atomic.Int64

// newBucket returns a store on a new bucket of srv, created by New.
func newBucket(t *testing.T, srv *s3test.Server, o s3blob.Options) *s3blob.Store {
	t.Helper()
	o.Endpoint = srv.Endpoint
	if o.Bucket == "" {
		o.Bucket = fmt.Sprintf("bucket-%d", buckets.Add(1))
	}
	o.CreateBucket = true
	o.AccessKey, o.SecretKey = "test-access", "test-secret"
	s, err := s3blob.New(context.Background(), o)
	if err != nil {
		t.Fatalf("New(%+v): %v", o, err)
	}
	return s
}

func TestContract(t *testing.T) {
	srv := s3test.StartServer(t)
	t.Run("NoPrefix", func(t *testing.T) {
		blobtest.Contract(t, func(t *testing.T) blob.Store { return newBucket(t, srv, s3blob.Options{}) })
	})
	t.Run("Prefix", func(t *testing.T) {
		blobtest.Contract(t, func(t *testing.T) blob.Store { return newBucket(t, srv, s3blob.Options{Prefix: "/site/a/"}) })
	})
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartServer(t, "existing")
	opts := func(bucket string, create bool) s3blob.Options {
		return s3blob.Options{Endpoint: srv.Endpoint, Bucket: bucket, CreateBucket: create, Region: "us-east-1"}
	}
	t.Run("OKExisting", func(t *testing.T) {
		if _, err := s3blob.New(ctx, opts("existing", false)); err != nil {
			t.Fatal(err)
		}
		if _, err := s3blob.New(ctx, opts("existing", true)); err != nil {
			t.Fatalf("CreateBucket on an existing bucket: %v", err)
		}
	})
	t.Run("OKCreate", func(t *testing.T) {
		if _, err := s3blob.New(ctx, opts("created", true)); err != nil {
			t.Fatal(err)
		}
		if _, err := s3blob.New(ctx, opts("created", false)); err != nil {
			t.Fatalf("the bucket was not created: %v", err)
		}
		// Listed by the server itself, not only by the client.
		res, err := http.Get("http://" + srv.Endpoint + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Contains(body, []byte("<Name>created</Name>")) {
			t.Errorf("bucket list lacks the new bucket: %s", body)
		}
	})
	t.Run("ErrNoBucket", func(t *testing.T) {
		_, err := s3blob.New(ctx, opts("missing", false))
		if !errors.Is(err, s3blob.ErrNoBucket) || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("New = %v, want ErrNoBucket naming the bucket", err)
		}
		if _, err := s3blob.New(ctx, opts("missing", false)); !errors.Is(err, s3blob.ErrNoBucket) {
			t.Fatalf("the failed New created the bucket: %v", err)
		}
	})
	t.Run("ErrUnreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		start := time.Now()
		_, err = s3blob.New(ctx, s3blob.Options{Endpoint: addr, Bucket: "bucket", Timeout: 5 * time.Second})
		if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), addr) {
			t.Fatalf("New = %v, want a 'cannot reach %s' error", err, addr)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("New took %v to give up on a closed port", d)
		}
	})
	t.Run("ErrNoAnswer", func(t *testing.T) {
		hole := blackHole(t)
		start := time.Now()
		_, err := s3blob.New(ctx, s3blob.Options{Endpoint: hole, Bucket: "bucket", Timeout: 500 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "no answer within 500ms") {
			t.Fatalf("New = %v, want a 'no answer within 500ms' error", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("New took %v against a server that never answers (timeout 500ms)", d)
		}
	})
	t.Run("ErrOptions", func(t *testing.T) {
		for name, o := range map[string]s3blob.Options{
			"NoEndpoint":     {Bucket: "bucket"},
			"Scheme":         {Endpoint: "http://" + srv.Endpoint, Bucket: "existing"},
			"Path":           {Endpoint: srv.Endpoint + "/x", Bucket: "existing"},
			"NoBucket":       {Endpoint: srv.Endpoint},
			"BadBucket":      {Endpoint: srv.Endpoint, Bucket: "Not_A_Bucket"},
			"BadPrefix":      {Endpoint: srv.Endpoint, Bucket: "existing", Prefix: "a/../b"},
			"UpperPrefix":    {Endpoint: srv.Endpoint, Bucket: "existing", Prefix: "Site"},
			"HalfCredential": {Endpoint: srv.Endpoint, Bucket: "existing", AccessKey: "k"},
		} {
			if _, err := s3blob.New(ctx, o); err == nil {
				t.Errorf("%s: New(%+v) = nil error", name, o)
			}
		}
	})
}

// TestObjectsOnTheWire fetches what Put stored straight from the server,
// as a browser or CDN does: the bytes, the content type, Cache-Control.
func TestObjectsOnTheWire(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartServer(t)
	data := []byte("\xff\xd8\xff pretend jpeg")
	key := blob.Key("img/x", data, ".jpg")
	for name, prefix := range map[string]string{"NoPrefix": "", "Prefix": "facestat/v1"} {
		t.Run(name, func(t *testing.T) {
			s := newBucket(t, srv, s3blob.Options{Prefix: prefix})
			if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
				t.Fatal(err)
			}
			object := key
			if prefix != "" {
				object = prefix + "/" + key
			}
			if got := s.Object(key); got != object {
				t.Errorf("Object(%q) = %q, want %q", key, got, object)
			}
			res, err := http.Get(srv.URL(s.Bucket(), object))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
				t.Fatalf("GET %s: %d %q", object, res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "image/jpeg" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cc := res.Header.Get("Cache-Control"); cc != s3blob.CacheControl {
				t.Errorf("Cache-Control = %q, want %q", cc, s3blob.CacheControl)
			}
			if ce := res.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding = %q, want none", ce)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			res, err = http.Get(srv.URL(s.Bucket(), object))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET after Delete: %d, want 404", res.StatusCode)
			}
		})
	}
	t.Run("PrefixSeparates", func(t *testing.T) {
		// Two stores on one bucket, one with a prefix: each sees its own keys.
		plain := newBucket(t, srv, s3blob.Options{Bucket: "shared"})
		prefixed := newBucket(t, srv, s3blob.Options{Bucket: "shared", Prefix: "p"})
		if err := prefixed.Put(ctx, "k/1", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := plain.Open(ctx, "k/1"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("unprefixed Open(k/1) = %v, want ErrNotFound", err)
		}
		if got, _ := blobtest.Read(t, plain, "p/k/1"); string(got) != "x" {
			t.Errorf("unprefixed Open(p/k/1) = %q", got)
		}
	})
}

func TestOpenReaderOutlivesDelete(t *testing.T) {
	ctx := context.Background()
	s := newBucket(t, s3test.StartServer(t), s3blob.Options{})
	if err := s.Put(ctx, "a.jpg", []byte("0123456789"), ""); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Open(ctx, "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := s.Delete(ctx, "a.jpg"); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(r); err != nil || string(b) != "0123456789" {
		t.Errorf("read after Delete: %q, %v", b, err)
	}
}

// TestServerKilled kills the S3 process: every call fails promptly, with an
// error that is not ErrNotFound (a missing image is not a dead store).
func TestServerKilled(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartServer(t)
	s := newBucket(t, srv, s3blob.Options{Timeout: 5 * time.Second})
	if err := s.Put(ctx, "a.jpg", []byte("x"), ""); err != nil {
		t.Fatal(err)
	}
	blobtest.Read(t, s, "a.jpg")
	srv.Kill()
	for name, call := range map[string]func() error{
		"Put":    func() error { return s.Put(ctx, "b.jpg", []byte("y"), "") },
		"Open":   func() error { _, _, err := s.Open(ctx, "a.jpg"); return err },
		"Delete": func() error { return s.Delete(ctx, "a.jpg") },
	} {
		start := time.Now()
		err := call()
		d := time.Since(start)
		if err == nil || errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s with the server gone = %v, want an error other than ErrNotFound", name, err)
		} else if !strings.Contains(err.Error(), srv.Endpoint) {
			t.Errorf("%s error %q does not name the endpoint", name, err)
		}
		if d > 4*time.Second {
			t.Errorf("%s took %v with the server gone", name, d)
		}
	}
}

// TestServerStopsAnswering puts a proxy between the store and the server
// and makes it swallow everything: calls give up after the timeout, or
// sooner when the caller's context ends.
func TestServerStopsAnswering(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartServer(t, "bucket")
	p := newProxy(t, srv.Endpoint)
	s, err := s3blob.New(ctx, s3blob.Options{Endpoint: p.addr, Bucket: "bucket", Timeout: time.Second, AccessKey: "k", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "a.jpg", []byte("x"), ""); err != nil {
		t.Fatal(err)
	}
	p.swallow()
	for name, call := range map[string]func(context.Context) error{
		"Put":    func(ctx context.Context) error { return s.Put(ctx, "b.jpg", []byte("y"), "") },
		"Open":   func(ctx context.Context) error { _, _, err := s.Open(ctx, "a.jpg"); return err },
		"Delete": func(ctx context.Context) error { return s.Delete(ctx, "a.jpg") },
	} {
		start := time.Now()
		err := call(ctx)
		if d := time.Since(start); err == nil || !strings.Contains(err.Error(), "no answer within 1s") || d > 3*time.Second {
			t.Errorf("%s against a silent server: %v after %v, want 'no answer within 1s' after about 1s", name, err, d)
		}
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		start = time.Now()
		err = call(short)
		cancel()
		if d := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || d > time.Second {
			t.Errorf("%s with a 200ms context: %v after %v, want DeadlineExceeded after about 200ms", name, err, d)
		}
	}
}

// blackHole returns the address of a listener that accepts connections and
// never answers.
func blackHole(t *testing.T) string {
	return newProxy(t, "").addr
}

// proxy forwards TCP connections to a backend until swallow is called, or
// always swallows when it has no backend: it then reads what comes and
// answers nothing.
type proxy struct {
	addr    string
	backend string
	l       net.Listener
	mu      sync.Mutex
	conns   []net.Conn
	silent  bool
}

func newProxy(t *testing.T, backend string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: l.Addr().String(), backend: backend, l: l, silent: backend == ""}
	t.Cleanup(func() {
		l.Close()
		p.closeAll()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c)
			silent := p.silent
			p.mu.Unlock()
			if silent {
				go io.Copy(io.Discard, c)
				continue
			}
			go p.forward(c)
		}
	}()
	return p
}

func (p *proxy) forward(c net.Conn) {
	b, err := net.Dial("tcp", p.backend)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, b)
	p.mu.Unlock()
	go io.Copy(b, c)
	io.Copy(c, b)
}

// swallow closes the connections open so far; later ones get no answer.
func (p *proxy) swallow() {
	p.mu.Lock()
	p.silent = true
	p.mu.Unlock()
	p.closeAll()
}

func (p *proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestPrivateObjects: an object under blob.PrivatePrefix is stored with
// PrivateCacheControl and refused to anonymous readers (by the fake
// server, as the production bucket policy does); PresignGet's URL reads it
// with the asked Cache-Control and Expires, is handed out again for the
// same expiry, and is refused once expired. Public objects carry
// Options.PublicCacheControl. Stat tells what is there. An anonymous store
// cannot presign.
func TestPrivateObjects(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartServer(t)
	s := newBucket(t, srv, s3blob.Options{Prefix: "site", PublicCacheControl: "public, max-age=60"})
	priv, pub := blob.PrivatePrefix+"img/ab/abc.jpg", "img/ab/abc.jpg"
	for _, k := range []string{priv, pub} {
		if err := s.Put(ctx, k, []byte("jpeg"), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := s.Stat(ctx, priv); err != nil || info.Size != 4 {
		t.Errorf("Stat: %+v, %v", info, err)
	}
	if _, err := s.Stat(ctx, "img/none.jpg"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat of nothing: %v", err)
	}
	res, err := http.Get(srv.URL(s.Bucket(), s.Object(pub)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("public object: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	res, err = http.Get(srv.URL(s.Bucket(), s.Object(priv)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("private object read anonymously: %d", res.StatusCode)
	}
	expires := time.Now().Add(3 * time.Second).Truncate(time.Second)
	before := time.Now()
	u, err := s.PresignGet(ctx, priv, expires, "private")
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	var until time.Time
	// Valid from its X-Amz-Date for X-Amz-Expires seconds: until expires
	// at least (a URL cut short by the signing time's fraction of a second
	// expired under a loaded CI machine before its first use).
	if q, err := url.Parse(u); err != nil {
		t.Fatal(err)
	} else {
		signed, err := time.Parse("20060102T150405Z", q.Query().Get("X-Amz-Date"))
		secs, err2 := strconv.Atoi(q.Query().Get("X-Amz-Expires"))
		if err != nil || err2 != nil {
			t.Fatalf("presigned URL %s: %v %v", u, err, err2)
		}
		// Later only by the seconds that turned while it was signed.
		until = signed.Add(time.Duration(secs) * time.Second)
		if late := after.Truncate(time.Second).Sub(before.Truncate(time.Second)); until.Before(expires) || until.After(expires.Add(late)) {
			t.Errorf("presigned URL valid until %s, want %s (or up to %s later)", until, expires.UTC(), late)
		}
	}
	if again, _ := s.PresignGet(ctx, priv, expires, "private"); again != u {
		t.Errorf("asked again for the same expiry: %s, then %s", u, again)
	}
	res, err = http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "jpeg" || res.Header.Get("Cache-Control") != "private" ||
		res.Header.Get("Expires") != expires.UTC().Format(http.TimeFormat) {
		t.Errorf("presigned: %d %q, Cache-Control %q, Expires %q", res.StatusCode, body, res.Header.Get("Cache-Control"), res.Header.Get("Expires"))
	}
	time.Sleep(time.Until(until.Add(100 * time.Millisecond)))
	if res, err = http.Get(u); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("presigned URL after its expiry: %d", res.StatusCode)
	}
	anon, err := s3blob.New(ctx, s3blob.Options{Endpoint: srv.Endpoint, Bucket: s.Bucket(), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.PresignGet(ctx, priv, expires, "private"); !errors.Is(err, s3blob.ErrAnonymous) {
		t.Errorf("anonymous PresignGet: %v", err)
	}
}
