package fsblob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/fsblob"
)

func newStore(t *testing.T) (*fsblob.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := fsblob.New(dir)
	if err != nil {
		t.Fatalf("New(%q): %v", dir, err)
	}
	return s, dir
}

// listing returns every path under dir (relative, slash-separated), sorted.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	slices.Sort(out)
	return out
}

func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	for _, p := range listing(t, dir) {
		if strings.HasPrefix(filepath.Base(p), fsblob.TempPrefix) {
			t.Errorf("temporary file left behind: %s", p)
		}
	}
}

func read(t *testing.T, s *fsblob.Store, key string) ([]byte, blob.Info) {
	t.Helper()
	r, info, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b, info
}

var badKeys = []string{"", "/abs", "a/../../etc/passwd", "..", "a//b", "a/", "A.jpg", "a/./b", fsblob.TempPrefix + "1"}

func TestNew(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		s, err := fsblob.New(dir)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if !fi.IsDir() || fi.Mode().Perm()&^0o750 != 0 {
			t.Errorf("mode = %v, want a folder within 0o750", fi.Mode())
		}
		if s.Dir() != dir {
			t.Errorf("Dir() = %q, want %q", s.Dir(), dir)
		}
		if _, err := fsblob.New(dir); err != nil {
			t.Errorf("New on an existing folder: %v", err)
		}
	})
	t.Run("ErrNotFolder", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := fsblob.New(file); err == nil {
			t.Error("New on a regular file: got nil error")
		}
		if _, err := fsblob.New(""); err == nil {
			t.Error(`New(""): got nil error`)
		}
	})
}

func TestPut(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s, dir := newStore(t)
		data := []byte("\xff\xd8 not really a jpeg")
		key := blob.Key("img", data, ".jpg")
		before := time.Now().Add(-time.Second)
		if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, info := read(t, s, key)
		if !bytes.Equal(got, data) {
			t.Errorf("content = %q, want %q", got, data)
		}
		if info.Size != int64(len(data)) || info.ContentType != "image/jpeg" || info.ModTime.Before(before) {
			t.Errorf("info = %+v", info)
		}
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("file mode = %v, want 0o640", fi.Mode().Perm())
		}
		noTempFiles(t, dir)
	})
	t.Run("OKAgainIsNoop", func(t *testing.T) {
		s, dir := newStore(t)
		key := "img/aa/x.png"
		if err := s.Put(ctx, key, []byte("first"), "image/png"); err != nil {
			t.Fatal(err)
		}
		want := listing(t, dir)
		if err := s.Put(ctx, key, []byte("second"), ""); err != nil {
			t.Fatalf("second Put: %v", err)
		}
		if got, _ := read(t, s, key); string(got) != "first" {
			t.Errorf("content = %q, want the first version", got)
		}
		if got := listing(t, dir); !slices.Equal(got, want) {
			t.Errorf("listing = %v, want %v", got, want)
		}
	})
	t.Run("OKContentTypes", func(t *testing.T) {
		s, _ := newStore(t)
		for key, ct := range map[string]string{
			"a.jpg":  "image/jpeg",
			"a.jpeg": "image/jpeg; foo=bar",
			"a.png":  "image/png",
			"a.webp": "IMAGE/WEBP",
			"a.bin":  "application/octet-stream",
			"a":      "",
		} {
			if err := s.Put(ctx, key, []byte(key), ct); err != nil {
				t.Errorf("Put(%q, %q): %v", key, ct, err)
			}
			_, info := read(t, s, key)
			if want := fsblob.ContentType(key); info.ContentType != want {
				t.Errorf("%q: ContentType = %q, want %q", key, info.ContentType, want)
			}
		}
		if ct := fsblob.ContentType("x/y.webp"); ct != "image/webp" {
			t.Errorf("ContentType(.webp) = %q", ct)
		}
	})
	t.Run("OKEmpty", func(t *testing.T) {
		s, _ := newStore(t)
		if err := s.Put(ctx, "e", nil, ""); err != nil {
			t.Fatal(err)
		}
		if got, info := read(t, s, "e"); len(got) != 0 || info.Size != 0 {
			t.Errorf("got %q, %+v", got, info)
		}
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		s, dir := newStore(t)
		for _, key := range badKeys {
			if err := s.Put(ctx, key, []byte("x"), ""); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Put(%q) = %v, want ErrBadKey", key, err)
			}
		}
		if got := listing(t, dir); len(got) != 1 {
			t.Errorf("listing = %v, want only the root", got)
		}
	})
	t.Run("ErrContentType", func(t *testing.T) {
		s, dir := newStore(t)
		for key, ct := range map[string]string{"a.jpg": "image/png", "a.bin": "text/plain", "b.png": ";;"} {
			if err := s.Put(ctx, key, []byte("x"), ct); err == nil {
				t.Errorf("Put(%q, %q): got nil error", key, ct)
			}
		}
		if got := listing(t, dir); len(got) != 1 {
			t.Errorf("listing = %v, want only the root", got)
		}
	})
	t.Run("ErrKeyIsFolder", func(t *testing.T) {
		s, _ := newStore(t)
		if err := s.Put(ctx, "img/a/b", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, "img/a", []byte("x"), ""); err == nil {
			t.Error("Put over a folder: got nil error")
		}
		if err := s.Put(ctx, "img/a/b/c", []byte("x"), ""); err == nil {
			t.Error("Put below an object: got nil error")
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		s, _ := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Put(cctx, "a", []byte("x"), ""); !errors.Is(err, context.Canceled) {
			t.Errorf("Put = %v, want context.Canceled", err)
		}
		if _, _, err := s.Open(cctx, "a"); !errors.Is(err, context.Canceled) {
			t.Errorf("Open = %v, want context.Canceled", err)
		}
		if err := s.Delete(cctx, "a"); !errors.Is(err, context.Canceled) {
			t.Errorf("Delete = %v, want context.Canceled", err)
		}
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s, _ := newStore(t)
		if err := s.Put(ctx, "img/ab/c.webp", []byte("0123456789"), "image/webp"); err != nil {
			t.Fatal(err)
		}
		r, info, err := s.Open(ctx, "img/ab/c.webp")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if info.Size != 10 || info.ContentType != "image/webp" {
			t.Errorf("info = %+v", info)
		}
		if _, err := r.Seek(5, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(r); string(b) != "56789" {
			t.Errorf("after Seek(5): %q", b)
		}
		// The reader survives a Delete.
		if err := s.Delete(ctx, "img/ab/c.webp"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(r); string(b) != "0123456789" {
			t.Errorf("after Delete: %q", b)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s, _ := newStore(t)
		if err := s.Put(ctx, "img/ab/c.jpg", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"nope", "img/ab/d.jpg", "img/ab", "img", "img/ab/c.jpg/d", "zz/zz/zz"} {
			r, _, err := s.Open(ctx, key)
			if !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
			}
			if r != nil {
				t.Errorf("Open(%q) returned a reader", key)
				r.Close()
			}
		}
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		s, _ := newStore(t)
		for _, key := range badKeys {
			if _, _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Open(%q) = %v, want ErrBadKey", key, err)
			}
		}
	})
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s, dir := newStore(t)
		if err := os.WriteFile(filepath.Join(dir, "keep"), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, "img"), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "img", "keep"), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		want := listing(t, dir)
		var keys []string
		for i := range 50 {
			data := fmt.Appendf(nil, "object %d", i)
			key := blob.Key("img", data, ".jpg")
			if i%2 == 0 {
				key = blob.Key("thumb/small", data, ".webp")
			}
			keys = append(keys, key)
			if err := s.Put(ctx, key, data, ""); err != nil {
				t.Fatal(err)
			}
		}
		for i, key := range keys {
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete(%q): %v", key, err)
			}
			if _, _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("Open after Delete = %v, want ErrNotFound", err)
			}
			// The others are still there.
			for _, other := range keys[i+1:] {
				r, _, err := s.Open(ctx, other)
				if err != nil {
					t.Fatalf("Open(%q) after deleting %q: %v", other, key, err)
				}
				r.Close()
			}
		}
		// "img" held a file of its own and is kept.
		if got := listing(t, dir); !slices.Equal(got, want) {
			t.Errorf("listing after deleting everything = %v, want %v", got, want)
		}
	})
	t.Run("OKAbsent", func(t *testing.T) {
		s, dir := newStore(t)
		if err := s.Put(ctx, "a/b/c", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		want := listing(t, dir)
		for _, key := range []string{"nope", "a/b/d", "a/b", "a", "a/b/c/d", "x/y/z"} {
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("Delete(%q) = %v, want nil", key, err)
			}
		}
		if got := listing(t, dir); !slices.Equal(got, want) {
			t.Errorf("listing = %v, want %v (folders and objects untouched)", got, want)
		}
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		s, dir := newStore(t)
		if err := s.Put(ctx, "a/b", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		want := listing(t, dir)
		for _, key := range append(badKeys, "a/../a/b", "a/./b") {
			if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Delete(%q) = %v, want ErrBadKey", key, err)
			}
		}
		if got := listing(t, dir); !slices.Equal(got, want) {
			t.Errorf("listing = %v, want %v", got, want)
		}
	})
}

// TestConcurrentPutSameKey runs many Puts of one key alongside readers: every
// Put succeeds and a reader sees either nothing or the whole object.
func TestConcurrentPutSameKey(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16) // 64 KiB
	key := blob.Key("img", data, ".jpg")
	const writers, readers = 64, 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	done := make(chan struct{})
	errs := make(chan error, writers+readers)
	for range writers {
		wg.Go(func() {
			<-start
			if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
				errs <- fmt.Errorf("Put: %w", err)
			}
		})
	}
	var rg sync.WaitGroup
	for range readers {
		rg.Go(func() {
			<-start
			for {
				select {
				case <-done:
					return
				default:
				}
				r, info, err := s.Open(ctx, key)
				if errors.Is(err, blob.ErrNotFound) {
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("Open: %w", err)
					return
				}
				got, err := io.ReadAll(r)
				r.Close()
				if err != nil || info.Size != int64(len(data)) || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("partial object: size %d, read %d bytes, err %v", info.Size, len(got), err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(done)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, _ := read(t, s, key); !bytes.Equal(got, data) {
		t.Error("final content differs")
	}
	noTempFiles(t, dir)
}

// TestConcurrentPutDelete races Puts against Deletes that remove the folders
// the Puts write into: every call succeeds, and deleting everything at the
// end leaves the folder empty.
func TestConcurrentPutDelete(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	const workers, rounds = 8, 500
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				key := fmt.Sprintf("p/q/%d-%d", w, i%3)
				if err := s.Put(ctx, key, []byte(key), ""); err != nil {
					errs <- err
					return
				}
				if err := s.Delete(ctx, key); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := listing(t, dir); !slices.Equal(got, []string{"."}) {
		t.Errorf("listing = %v, want only the root", got)
	}
}
