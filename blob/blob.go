// Package blob defines the small storage interface that images are kept
// behind, plus helpers for building and checking object keys.
//
// Keys are content addresses (see Key): an object stored under a key never
// changes, so implementations may treat a repeated Put of an existing key as
// a no-op. Objects under PrivatePrefix are never served without a
// signature.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"time"
)

// ErrNotFound is returned (possibly wrapped; test with errors.Is) by
// Store.Open when no object is stored under the key.
var ErrNotFound = errors.New("blob: not found")

// ErrBadKey is returned (possibly wrapped; test with errors.Is) by Store
// methods given a key for which ValidKey reports false. Nothing is read,
// written or deleted in that case.
var ErrBadKey = errors.New("blob: invalid key")

// Info describes a stored object.
type Info struct {
	// Size is the object's length in bytes.
	Size int64
	// ContentType is the object's media type, e.g. "image/jpeg".
	ContentType string
	// ModTime is when the object was stored (as recorded by the backend).
	ModTime time.Time
}

// Store keeps immutable objects under content-addressed keys.
//
// Implementations are safe for concurrent use by multiple goroutines. Every
// method returns an error wrapping ErrBadKey for a key that ValidKey rejects,
// and returns ctx.Err() (possibly wrapped) if ctx is already done.
type Store interface {
	// Put stores data under key; storing the same key again is a no-op
	// success (keys are content addresses). Must be atomic: a reader never
	// sees a partial object. Put does not retain data after it returns.
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Open returns the object for reading; ErrNotFound if absent. The caller
	// must Close the returned reader.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error)
	// Delete removes the object; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
}

// PrivatePrefix starts the keys of objects that must never be readable
// without a signature (private and hidden photos' images): FaceStat serves
// them only through signed URLs, an S3 store stores them with
// "Cache-Control: private, no-store" and presigns their URLs, and the
// bucket's policy (README, production layout) refuses anonymous reads
// under it.
const PrivatePrefix = "private/"

// ErrNoPresign is returned (possibly wrapped) by Presigner.PresignGet when
// the store cannot presign at all (no credentials): the caller serves the
// object another way.
var ErrNoPresign = errors.New("blob: cannot presign")

// Presigner is a Store whose objects can be read straight from the store
// through a presigned URL (S3).
type Presigner interface {
	// PresignGet returns a URL that reads the object at key until expires
	// (a whole second), answering with cacheControl and an Expires header
	// of expires. Asked again for the same key and expiry, it may return
	// the same URL.
	PresignGet(ctx context.Context, key string, expires time.Time, cacheControl string) (string, error)
}

// Stater is a Store that can tell whether an object exists without reading
// it (S3: a HEAD). Stores without it are asked with Open.
type Stater interface {
	// Stat returns the object's Info; ErrNotFound if absent.
	Stat(ctx context.Context, key string) (Info, error)
}

// MaxKeyLen is the maximum length of a valid key, in bytes.
const MaxKeyLen = 200

// ValidKey reports whether key is acceptable: 1-200 chars of [a-z0-9/._-],
// no leading '/', no '..' segment, no empty segment (so no trailing '/' and
// no "//"). A "." segment is also rejected, so that two different valid
// keys never name the same file on a file system.
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '/', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// Key returns the content-addressed key for data:
// "<prefix>/<first 2 hex of sha256>/<full sha256 hex><ext>", e.g.
// Key("img", data, ".jpg") = "img/ab/ab12…ef.jpg". An empty prefix yields
// "<first 2 hex>/<full hex><ext>" (no leading '/'). ext should include its
// leading dot and may be empty. Key does not validate its arguments: the
// result satisfies ValidKey whenever prefix is empty or a valid key, ext is
// empty or made of [a-z0-9._-], and the whole fits in MaxKeyLen
// (the hash part takes 67 bytes).
func Key(prefix string, data []byte, ext string) string {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	var b strings.Builder
	b.Grow(len(prefix) + 1 + 3 + len(h) + len(ext))
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteByte('/')
	}
	b.WriteString(h[:2])
	b.WriteByte('/')
	b.WriteString(h)
	b.WriteString(ext)
	return b.String()
}
