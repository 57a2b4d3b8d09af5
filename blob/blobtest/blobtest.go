// Package blobtest checks that a blob.Store keeps the contract written in
// blob.Store's documentation. Every implementation's tests run Contract.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/facestat/facestat/blob"
)

// BadKeys are keys blob.ValidKey rejects, for which every method must
// return an error wrapping blob.ErrBadKey.
var BadKeys = []string{"", "/abs", "a/../../etc/passwd", "..", "a//b", "a/", "A.jpg", "a/./b", "~tmp-1", "a b", "img/é.jpg"}

// Contract runs the blob.Store contract as subtests. newStore returns an
// empty store of the test's own each time it is called.
func Contract(t *testing.T, newStore func(t *testing.T) blob.Store) {
	ctx := context.Background()
	t.Run("OKPutOpen", func(t *testing.T) {
		s := newStore(t)
		data := []byte("\xff\xd8 not really a jpeg")
		key := blob.Key("img", data, ".jpg")
		before := time.Now().Add(-2 * time.Second)
		if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		after := time.Now().Add(2 * time.Second)
		got, info := Read(t, s, key)
		if !bytes.Equal(got, data) {
			t.Errorf("content = %q, want %q", got, data)
		}
		if info.Size != int64(len(data)) || info.ContentType != "image/jpeg" {
			t.Errorf("info = %+v, want size %d, image/jpeg", info, len(data))
		}
		if info.ModTime.Before(before) || info.ModTime.After(after) {
			t.Errorf("ModTime = %v, want between %v and %v", info.ModTime, before, after)
		}
	})
	t.Run("OKPutAgainIsNoop", func(t *testing.T) {
		s := newStore(t)
		key := "img/aa/x.png"
		if err := s.Put(ctx, key, []byte("first"), "image/png"); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, key, []byte("second"), "image/png"); err != nil {
			t.Fatalf("second Put: %v", err)
		}
		if got, _ := Read(t, s, key); string(got) != "first" {
			t.Errorf("content = %q, want the first version", got)
		}
	})
	t.Run("OKPutDoesNotRetainData", func(t *testing.T) {
		s := newStore(t)
		data := []byte("original")
		if err := s.Put(ctx, "a/b.bin", data, ""); err != nil {
			t.Fatal(err)
		}
		copy(data, "CHANGED!")
		if got, _ := Read(t, s, "a/b.bin"); string(got) != "original" {
			t.Errorf("content = %q after the caller changed its slice", got)
		}
	})
	t.Run("OKContentTypes", func(t *testing.T) {
		s := newStore(t)
		for key, ct := range map[string]string{
			"a.jpg":  "image/jpeg",
			"a.png":  "image/png",
			"a.webp": "image/webp",
			"a.bin":  "application/octet-stream",
		} {
			if err := s.Put(ctx, key, []byte(key), ct); err != nil {
				t.Fatalf("Put(%q, %q): %v", key, ct, err)
			}
			if _, info := Read(t, s, key); info.ContentType != ct {
				t.Errorf("%q: ContentType = %q, want %q", key, info.ContentType, ct)
			}
		}
		// Without a content type, the key's extension decides.
		if err := s.Put(ctx, "b/c.jpg", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		if _, info := Read(t, s, "b/c.jpg"); info.ContentType != "image/jpeg" {
			t.Errorf("ContentType = %q, want image/jpeg from the extension", info.ContentType)
		}
	})
	t.Run("OKEmpty", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "e", nil, ""); err != nil {
			t.Fatal(err)
		}
		if got, info := Read(t, s, "e"); len(got) != 0 || info.Size != 0 {
			t.Errorf("got %q, %+v", got, info)
		}
	})
	t.Run("OKSeek", func(t *testing.T) {
		s := newStore(t)
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
		if n, err := r.Seek(-3, io.SeekEnd); err != nil || n != 7 {
			t.Fatalf("Seek(-3, end) = %d, %v", n, err)
		}
		if b, _ := io.ReadAll(r); string(b) != "789" {
			t.Errorf("after Seek(-3, end): %q", b)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "img/ab/c.jpg", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		// Absent keys, including prefixes of a stored key and keys below it.
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
		s := newStore(t)
		for _, key := range BadKeys {
			if err := s.Put(ctx, key, []byte("x"), ""); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Put(%q) = %v, want ErrBadKey", key, err)
			}
			if r, _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrBadKey) || r != nil {
				t.Errorf("Open(%q) = %v, want ErrBadKey and no reader", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Delete(%q) = %v, want ErrBadKey", key, err)
			}
		}
	})
	t.Run("ErrContextDone", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "a", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		defer cancel2()
		for _, tc := range []struct {
			ctx  context.Context
			want error
		}{{canceled, context.Canceled}, {expired, context.DeadlineExceeded}} {
			if err := s.Put(tc.ctx, "b", []byte("x"), ""); !errors.Is(err, tc.want) {
				t.Errorf("Put = %v, want %v", err, tc.want)
			}
			if _, _, err := s.Open(tc.ctx, "a"); !errors.Is(err, tc.want) {
				t.Errorf("Open = %v, want %v", err, tc.want)
			}
			if err := s.Delete(tc.ctx, "a"); !errors.Is(err, tc.want) {
				t.Errorf("Delete = %v, want %v", err, tc.want)
			}
		}
		// Nothing happened: "a" is still there, "b" never was.
		Read(t, s, "a")
		if _, _, err := s.Open(ctx, "b"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open(b) = %v, want ErrNotFound", err)
		}
	})
	t.Run("OKDelete", func(t *testing.T) {
		s := newStore(t)
		var keys []string
		for i := range 10 {
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
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("second Delete(%q) = %v, want nil", key, err)
			}
			for _, other := range keys[i+1:] {
				Read(t, s, other) // the others are still there
			}
		}
	})
	t.Run("OKDeleteAbsent", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "a/b/c", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"nope", "a/b/d", "a/b", "a", "a/b/c/d", "x/y/z"} {
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("Delete(%q) = %v, want nil", key, err)
			}
		}
		if got, _ := Read(t, s, "a/b/c"); string(got) != "x" {
			t.Errorf("a/b/c = %q after deleting absent keys around it", got)
		}
	})
	t.Run("OKConcurrentPutSameKey", func(t *testing.T) {
		ConcurrentPutSameKey(t, newStore(t), 32, 8)
	})
	t.Run("OKConcurrentPutDelete", func(t *testing.T) {
		ConcurrentPutDelete(t, newStore(t), 8, 50)
	})
}

// Read opens key in s and returns its whole content and Info, failing the
// test on any error.
func Read(t *testing.T, s blob.Store, key string) ([]byte, blob.Info) {
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

// ConcurrentPutSameKey runs writers Puts of one 64 KiB object alongside
// readers: every Put succeeds and a reader sees either nothing or the
// whole object.
func ConcurrentPutSameKey(t *testing.T, s blob.Store, writers, readers int) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16)
	key := blob.Key("img", data, ".jpg")
	var wg sync.WaitGroup
	start := make(chan struct{})
	done := make(chan struct{})
	errs := make(chan error, writers+readers)
	for range writers {
		wg.Go(func() {
			<-start
			if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
				errs <- fmt.Errorf("put: %w", err)
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
					errs <- fmt.Errorf("open: %w", err)
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
	if got, _ := Read(t, s, key); !bytes.Equal(got, data) {
		t.Error("final content differs")
	}
}

// ConcurrentPutDelete has workers each Put and Delete keys of their own in
// shared folders, rounds times: every call succeeds, and every key is
// absent at the end.
func ConcurrentPutDelete(t *testing.T, s blob.Store, workers, rounds int) {
	ctx := context.Background()
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
	for w := range workers {
		for i := range 3 {
			key := fmt.Sprintf("p/q/%d-%d", w, i)
			if _, _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
			}
		}
	}
}
