// Package s3blob implements blob.Store on an S3-compatible object store
// (Amazon S3, MinIO, Ceph, R2, ...) through minio-go.
//
// The object stored under key K is <bucket>/<prefix>/K (or <bucket>/K
// without a prefix). Every object is uploaded with its Content-Type and a
// Cache-Control header: Options.PublicCacheControl (CacheControl by
// default, a day) for public keys, so browsers and CDNs reading the bucket
// directly cache it that long, and PrivateCacheControl for keys under
// blob.PrivatePrefix, which are read through presigned URLs (PresignGet)
// only: the bucket's policy must refuse anonymous reads under that prefix.
//
// Put is one conditional PUT (If-None-Match: *): S3 makes a PUT visible
// whole or not at all, and an object already stored under the key is kept
// (the store answers 412, which Put takes as success), so a repeated Put is
// a no-op as blob.Store requires. Stores that ignore the condition overwrite
// the object with the same bytes instead, which is as good for content
// addresses.
//
// Every call is bounded by Options.Timeout (retries included) and retried
// at most Options.MaxAttempts times on network errors and on the store's
// retryable answers (5xx, throttling), with exponential backoff.
package s3blob

import (
	"bytes"
	"cmp"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/fsblob"
)

// CacheControl is sent with public objects when Options.PublicCacheControl
// is empty: a day. Keys are content addresses, but a photo turned private
// moves away from its public key, and a CDN's copy lives out its max-age.
const CacheControl = "public, max-age=86400"

// PrivateCacheControl is stored with objects under blob.PrivatePrefix; the
// presigned URL's response-cache-control overrides it with the URL's own.
const PrivateCacheControl = "private, no-store"

// presignCacheSize bounds the presigned URLs remembered for reuse.
const presignCacheSize = 4096

// Defaults of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 3
)

// ErrNoBucket is returned (wrapped) by New when the bucket does not exist
// and Options.CreateBucket is off.
var ErrNoBucket = errors.New("s3blob: bucket does not exist")

// Options configure a Store.
type Options struct {
	// Endpoint is the store's host[:port], e.g. "s3.eu-west-1.amazonaws.com"
	// or "127.0.0.1:9000"; no scheme (Secure chooses TLS).
	Endpoint string
	// Bucket holds the objects.
	Bucket string
	// Region of the bucket; empty lets the client ask the store (and
	// creates buckets in us-east-1).
	Region string
	// AccessKey and SecretKey sign requests; both empty sends anonymous
	// requests.
	AccessKey, SecretKey string
	// Secure selects HTTPS.
	Secure bool
	// Prefix, when not empty, is put before every key (with a '/'
	// between); leading and trailing slashes are ignored. It must be a
	// valid key itself (see blob.ValidKey).
	Prefix string
	// CreateBucket creates the bucket in New when it is missing; otherwise
	// New fails with ErrNoBucket.
	CreateBucket bool
	// Timeout bounds each call, retries included (DefaultTimeout when
	// zero). It also bounds how long the store may take to start answering
	// one request.
	Timeout time.Duration
	// MaxAttempts bounds the tries of one request (DefaultMaxAttempts when
	// zero; 1 disables retries).
	MaxAttempts int
	// Transport, when set, replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// PublicCacheControl is stored with objects outside
	// blob.PrivatePrefix (CacheControl when empty).
	PublicCacheControl string
}

// Store is a blob.Store on an S3 bucket. It is safe for concurrent use.
type Store struct {
	client  *minio.Client
	core    minio.Core
	bucket  string
	prefix  string // "" or ending in '/'
	where   string // scheme://endpoint/bucket, for errors
	timeout time.Duration
	public  string // Cache-Control of public objects
	anon    bool   // no credentials: nothing can be presigned

	mu       sync.Mutex
	presigns map[presignKey]string // reused within one expiry
}

type presignKey struct {
	key, cacheControl string
	expires           int64
}

var (
	_ blob.Store     = (*Store)(nil)
	_ blob.Presigner = (*Store)(nil)
	_ blob.Stater    = (*Store)(nil)
)

// New returns a Store on o.Bucket, after checking, within o.Timeout, that
// the endpoint answers and the bucket exists (creating it when
// o.CreateBucket is set). It returns an error saying which when the
// options are invalid, the endpoint cannot be reached, or the bucket is
// missing (wrapping ErrNoBucket).
func New(ctx context.Context, o Options) (*Store, error) {
	if o.Endpoint == "" {
		return nil, errors.New("s3blob: no endpoint")
	}
	if strings.Contains(o.Endpoint, "/") {
		return nil, fmt.Errorf("s3blob: endpoint %q must be host[:port], without a scheme or path", o.Endpoint)
	}
	if err := s3utils.CheckValidBucketName(o.Bucket); err != nil {
		return nil, fmt.Errorf("s3blob: bucket %q: %v", o.Bucket, err)
	}
	prefix := strings.Trim(o.Prefix, "/")
	if prefix != "" {
		if !blob.ValidKey(prefix) {
			return nil, fmt.Errorf("s3blob: prefix %q: want [a-z0-9/._-] segments, like a key", o.Prefix)
		}
		prefix += "/"
	}
	if (o.AccessKey == "") != (o.SecretKey == "") {
		return nil, errors.New("s3blob: set both the access key and the secret key, or neither")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	tr := o.Transport
	if tr == nil {
		t, err := minio.DefaultTransport(o.Secure)
		if err != nil {
			return nil, fmt.Errorf("s3blob: %w", err)
		}
		t.DialContext = (&net.Dialer{Timeout: min(5*time.Second, o.Timeout), KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = min(5*time.Second, o.Timeout)
		t.ResponseHeaderTimeout = o.Timeout
		tr = t
	}
	client, err := minio.New(o.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""), // empty: anonymous
		Secure:     o.Secure,
		Region:     o.Region,
		Transport:  tr,
		MaxRetries: o.MaxAttempts,
	})
	if err != nil {
		return nil, fmt.Errorf("s3blob: endpoint %q: %w", o.Endpoint, err)
	}
	scheme := "http"
	if o.Secure {
		scheme = "https"
	}
	s := &Store{
		client:  client,
		core:    minio.Core{Client: client},
		bucket:  o.Bucket,
		prefix:  prefix,
		where:   scheme + "://" + o.Endpoint + "/" + o.Bucket,
		timeout: o.Timeout,
		public:  cmp.Or(o.PublicCacheControl, CacheControl),
		anon:    o.AccessKey == "",
	}
	if err := s.checkBucket(ctx, o.CreateBucket, o.Region); err != nil {
		return nil, err
	}
	return s, nil
}

// checkBucket makes sure the bucket exists, creating it if create is set.
func (s *Store) checkBucket(ctx context.Context, create bool, region string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3blob: cannot reach %s: %w", s.where, explain(ctx, err, s.timeout))
	}
	if ok {
		return nil
	}
	if !create {
		return fmt.Errorf("%w: %s", ErrNoBucket, s.where)
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if code := minio.ToErrorResponse(err).Code; code == minio.BucketAlreadyOwnedByYou || code == minio.BucketAlreadyExists {
		// Created meanwhile, e.g. by another instance starting; make
		// sure it is usable by us.
		ok, err = s.client.BucketExists(ctx, s.bucket)
		if err == nil && !ok {
			err = fmt.Errorf("bucket %q exists but is not ours", s.bucket)
		}
	}
	if err != nil {
		return fmt.Errorf("s3blob: creating %s: %w", s.where, explain(ctx, err, s.timeout))
	}
	return nil
}

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// Object returns the name, within the bucket, of the object stored under
// key: the key behind the prefix.
func (s *Store) Object(key string) string { return s.prefix + key }

// Put stores data under key with contentType (derived from the key's
// extension as fsblob.ContentType does when empty) and the Cache-Control
// of its kind (public, or PrivateCacheControl under blob.PrivatePrefix). If an
// object is already stored under key, Put leaves it and returns nil, even
// if data differs. It returns an error wrapping blob.ErrBadKey for an
// invalid key, and an error for a content type that does not parse.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := begin(ctx, key); err != nil {
		return err
	}
	if contentType == "" {
		contentType = fsblob.ContentType(key)
	} else if _, _, err := mime.ParseMediaType(contentType); err != nil {
		return fmt.Errorf("s3blob: put %q: content type %q: %v", key, contentType, err)
	}
	// One plain PUT (visible whole or not at all) whose signature covers
	// the payload's SHA-256, with Content-MD5: the store checks both.
	// (minio-go would otherwise sign in aws-chunked streaming mode over
	// plain HTTP, which some S3-compatible stores mishandle.)
	md5sum := md5.Sum(data)
	shasum := sha256.Sum256(data)
	opts := minio.PutObjectOptions{
		ContentType:          contentType,
		CacheControl:         s.cacheControl(key),
		DisableContentSha256: true, // no streaming signature: the hash is given
	}
	opts.SetMatchETagExcept("*") // If-None-Match: *, create only
	// S3 answers 409 to a conditional PUT that raced another on the same
	// key; the other one stores the same bytes, so try again to see it.
	for attempt := 1; ; attempt++ {
		octx, cancel := context.WithTimeout(ctx, s.timeout)
		_, err := s.core.PutObject(octx, s.bucket, s.Object(key), bytes.NewReader(data), int64(len(data)),
			base64.StdEncoding.EncodeToString(md5sum[:]), hex.EncodeToString(shasum[:]), opts)
		err = explain(octx, err, s.timeout)
		cancel()
		code := minio.ToErrorResponse(err).Code
		switch {
		case err == nil, code == "PreconditionFailed":
			return nil // stored now, or already
		case code == "ConditionalRequestConflict" && attempt < 3:
			select {
			case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
				continue
			case <-ctx.Done():
			}
		}
		return s.fail(ctx, "put", key, err)
	}
}

// Open reads the object stored under key whole, within the timeout, and
// returns a reader over those bytes (so it keeps working after a Delete,
// and Seek costs nothing) with the object's Info as the store reports it.
// It returns an error wrapping blob.ErrNotFound when no object is stored
// under key, and one wrapping blob.ErrBadKey for an invalid key. Objects
// are images, bounded by the upload limit; Open is meant for them.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, blob.Info, error) {
	if err := begin(ctx, key); err != nil {
		return nil, blob.Info{}, err
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	body, info, _, err := s.core.GetObject(octx, s.bucket, s.Object(key), minio.GetObjectOptions{})
	if err != nil {
		if notFound(err) {
			return nil, blob.Info{}, fmt.Errorf("s3blob: open %q: %w", key, blob.ErrNotFound)
		}
		return nil, blob.Info{}, s.fail(ctx, "open", key, explain(octx, err, s.timeout))
	}
	defer body.Close()
	var buf bytes.Buffer
	if info.Size > 0 {
		buf.Grow(int(min(info.Size, 64<<20)))
	}
	if _, err := io.Copy(&buf, body); err != nil {
		return nil, blob.Info{}, s.fail(ctx, "open", key, explain(octx, err, s.timeout))
	}
	if info.Size >= 0 && int64(buf.Len()) != info.Size {
		return nil, blob.Info{}, s.fail(ctx, "open", key, fmt.Errorf("read %d bytes of %d", buf.Len(), info.Size))
	}
	return readSeekNopCloser{bytes.NewReader(buf.Bytes())}, blob.Info{
		Size:        int64(buf.Len()),
		ContentType: info.ContentType,
		ModTime:     info.LastModified,
	}, nil
}

// Stat returns the Info of the object stored under key (a HEAD request),
// an error wrapping blob.ErrNotFound when there is none.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := begin(ctx, key); err != nil {
		return blob.Info{}, err
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	info, err := s.client.StatObject(octx, s.bucket, s.Object(key), minio.StatObjectOptions{})
	if err != nil {
		if notFound(err) {
			return blob.Info{}, fmt.Errorf("s3blob: stat %q: %w", key, blob.ErrNotFound)
		}
		return blob.Info{}, s.fail(ctx, "stat", key, explain(octx, err, s.timeout))
	}
	return blob.Info{Size: info.Size, ContentType: info.ContentType, ModTime: info.LastModified}, nil
}

// Delete removes the object stored under key; deleting an absent key
// returns nil. It returns an error wrapping blob.ErrBadKey for an invalid
// key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := begin(ctx, key); err != nil {
		return err
	}
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := s.client.RemoveObject(octx, s.bucket, s.Object(key), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return s.fail(ctx, "delete", key, explain(octx, err, s.timeout))
	}
	return nil
}

// cacheControl is the Cache-Control stored with the object at key.
func (s *Store) cacheControl(key string) string {
	if strings.HasPrefix(key, blob.PrivatePrefix) {
		return PrivateCacheControl
	}
	return s.public
}

// ErrAnonymous is returned by PresignGet on a store without credentials,
// which cannot sign; it wraps blob.ErrNoPresign.
var ErrAnonymous = fmt.Errorf("s3blob: anonymous store: %w", blob.ErrNoPresign)

// PresignGet returns a presigned GET URL of the object at key that works
// until expires (the store refuses it afterwards) and answers with
// cacheControl and "Expires: <expires>" (the response-cache-control and
// response-expires overrides the signature covers). The URL is remembered
// and handed out again for the same key and expiry, so that clients'
// caches see one URL per expiry. No request is sent once the bucket's
// region is known. ErrAnonymous without credentials.
func (s *Store) PresignGet(ctx context.Context, key string, expires time.Time, cacheControl string) (string, error) {
	if err := begin(ctx, key); err != nil {
		return "", err
	}
	if s.anon {
		return "", ErrAnonymous
	}
	pk := presignKey{key: key, cacheControl: cacheControl, expires: expires.Unix()}
	s.mu.Lock()
	u, ok := s.presigns[pk]
	s.mu.Unlock()
	if ok {
		return u, nil
	}
	// Valid for whole seconds from the signature's X-Amz-Date, which is the
	// signing time cut to the second: counted from now cut to the second,
	// so that the URL does not expire up to a second early (it lasts as
	// many seconds longer as turn before the client signs: usually none,
	// more only after a slow credentials or region look-up), and at least
	// one, which the client requires (an expiry already past then gets a
	// URL good to the next second or so).
	left := max(expires.Truncate(time.Second).Sub(time.Now().Truncate(time.Second)), time.Second)
	params := url.Values{}
	params.Set("response-cache-control", cacheControl)
	params.Set("response-expires", expires.UTC().Format(http.TimeFormat))
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	pu, err := s.client.PresignedGetObject(octx, s.bucket, s.Object(key), left, params)
	if err != nil {
		return "", s.fail(ctx, "presign", key, explain(octx, err, s.timeout))
	}
	u = pu.String()
	s.mu.Lock()
	if len(s.presigns) >= presignCacheSize || s.presigns == nil {
		s.presigns = make(map[presignKey]string) // older expiries go with the rest
	}
	s.presigns[pk] = u
	s.mu.Unlock()
	return u, nil
}

// begin checks what every method checks first: ctx and the key.
func begin(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !blob.ValidKey(key) {
		return fmt.Errorf("s3blob: %w: %q", blob.ErrBadKey, key)
	}
	return nil
}

// fail wraps err for op on key; the caller's ctx error when ctx is done.
func (s *Store) fail(ctx context.Context, op, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("s3blob: %s %q: %w", op, key, cerr)
	}
	return fmt.Errorf("s3blob: %s %q in %s: %w", op, key, s.where, err)
}

// explain says that the store did not answer in time when the call's own
// deadline (not the caller's), or the transport's equal bound on waiting
// for a response, cut err short.
func explain(octx context.Context, err error, timeout time.Duration) error {
	if err == nil {
		return nil
	}
	var ne net.Error
	if errors.Is(octx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no answer within %s: %w", timeout, err)
	}
	return err
}

func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == minio.NoSuchKey || code == "NotFound"
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }
