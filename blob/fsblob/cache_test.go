package fsblob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/blobtest"
	"github.com/facestat/facestat/blob/fsblob"
)

func newCachedStore(t *testing.T, total, each int64) (*fsblob.Store, string) {
	t.Helper()
	s, dir := newStore(t)
	return s.Cached(total, each), dir
}

// TestCachedContract: a Store that keeps small objects in memory passes
// what every blob.Store passes, with a cache so small that objects come
// and go from it throughout; and the concurrent scenarios, where Puts
// replace and Deletes remove the files a cached read found.
func TestCachedContract(t *testing.T) {
	blobtest.Contract(t, func(t *testing.T) blob.Store {
		s, _ := newCachedStore(t, 64, 32)
		return s
	})
	t.Run("ConcurrentPutSameKey", func(t *testing.T) {
		s, dir := newCachedStore(t, 1<<20, 1<<20)
		blobtest.ConcurrentPutSameKey(t, s, 16, 8)
		noTempFiles(t, dir)
	})
	t.Run("ConcurrentPutDelete", func(t *testing.T) {
		s, _ := newCachedStore(t, 1<<20, 1<<20)
		blobtest.ConcurrentPutDelete(t, s, 8, 200)
	})
}

// TestCachedIsTheFileAsItIs: an object served from memory is the file
// as it is now: a Delete, and a file replaced (by one of the same
// length and time) or removed behind the Store's back are seen by the
// next Open. Objects over the size limit are opened, not kept, and the
// total stays under its bound.
func TestCachedIsTheFileAsItIs(t *testing.T) {
	ctx := context.Background()
	s, dir := newCachedStore(t, 100, 40)
	read := func(key string) ([]byte, io.ReadSeekCloser) {
		t.Helper()
		r, _, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("Open(%q): %v", key, err)
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return b, r
	}
	put := func(key, data string) {
		t.Helper()
		if err := s.Put(ctx, key, []byte(data), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
	}
	put("img/a.jpg", "first version of a")
	if b, r := read("img/a.jpg"); string(b) != "first version of a" {
		t.Fatalf("a: %q", b)
	} else if _, isFile := r.(*os.File); isFile {
		t.Fatal("a small object was served from its file, not kept")
	}
	if n, objects := fsblob.CachedBytes(s); n != 18 || objects != 1 {
		t.Fatalf("cache holds %d bytes in %d objects, want 18 in 1", n, objects)
	}
	// Behind the Store's back (Put never replaces an object: keys are
	// content addresses): replaced by a file of the same length and time
	// (a rename: a new inode), then removed.
	path := filepath.Join(dir, "img", "a.jpg")
	fi, _ := os.Stat(path)
	tmp := filepath.Join(dir, "img", "elsewhere")
	if err := os.WriteFile(tmp, []byte("third version of a"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if b, _ := read("img/a.jpg"); string(b) != "third version of a" {
		t.Fatalf("a replaced behind the store's back: %q", b)
	}
	// Rewritten in place (the same inode and length, another time).
	if err := os.WriteFile(path, []byte("fourth version of "), 0o640); err != nil {
		t.Fatal(err)
	}
	later := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if b, _ := read("img/a.jpg"); string(b) != "fourth version of " {
		t.Fatalf("a rewritten in place behind the store's back: %q", b)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(ctx, "img/a.jpg"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a removed behind the store's back: %v, want ErrNotFound", err)
	}
	put("img/a.jpg", "a again")
	read("img/a.jpg")
	if err := s.Delete(ctx, "img/a.jpg"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(ctx, "img/a.jpg"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a deleted: %v, want ErrNotFound", err)
	}
	if n, objects := fsblob.CachedBytes(s); n != 0 || objects != 0 {
		t.Fatalf("after a's Delete the cache holds %d bytes in %d objects", n, objects)
	}

	// Not an image (a data export): opened each time, never kept.
	if err := s.Put(ctx, "export/u/1.zip", []byte("PK-an-export"), ""); err != nil {
		t.Fatal(err)
	}
	if _, r := read("export/u/1.zip"); func() bool { _, isFile := r.(*os.File); return !isFile }() {
		t.Fatal("a data export was kept in memory")
	}

	// Over the size limit: opened each time; the total stays bounded.
	big := string(bytes.Repeat([]byte("b"), 41))
	put("img/big.jpg", big)
	if b, r := read("img/big.jpg"); string(b) != big {
		t.Fatal("big: wrong bytes")
	} else if _, isFile := r.(*os.File); !isFile {
		t.Fatal("an object over the limit was kept")
	}
	for _, k := range []string{"img/1.jpg", "img/2.jpg", "img/3.jpg"} {
		put(k, string(bytes.Repeat([]byte(k[4:5]), 40)))
		read(k)
	}
	if n, objects := fsblob.CachedBytes(s); n != 80 || objects != 2 {
		t.Fatalf("three objects of 40 bytes under a total of 100: the cache holds %d bytes in %d objects, want 80 in 2", n, objects)
	}
	if b, _ := read("img/1.jpg"); string(b) != string(bytes.Repeat([]byte("1"), 40)) {
		t.Fatalf("the object the cache let go: %q", b)
	}
}
