package fsblob_test

// What every blob.Store must do is checked by blobtest.Contract (see
// contract_test.go). The tests here check only what is particular to
// fsblob: New, the files and folders on disk, their modes, temporary files,
// the content type derived from the key, and the races between Put and
// Delete on shared folders.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/blobtest"
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

// layout returns the listing of a folder holding base (a listing) plus the
// objects stored under keys: each key's file and the folders above it.
func layout(base, keys []string) []string {
	out := slices.Clone(base)
	for _, key := range keys {
		for p := key; p != "."; p = path.Dir(p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	for _, p := range listing(t, dir) {
		if strings.HasPrefix(filepath.Base(p), fsblob.TempPrefix) {
			t.Errorf("temporary file left behind: %s", p)
		}
	}
}

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
	t.Run("OKFile", func(t *testing.T) {
		// The content and Info read back: blobtest's OKPutOpen.
		s, dir := newStore(t)
		data := []byte("\xff\xd8 not really a jpeg")
		key := blob.Key("img", data, ".jpg")
		if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		p := filepath.Join(dir, filepath.FromSlash(key))
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, data) {
			t.Errorf("file %s = %q, %v; want %q", p, got, err, data)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("file mode = %v, want 0o640", fi.Mode().Perm())
		}
		if _, info := blobtest.Read(t, s, key); !info.ModTime.Equal(fi.ModTime()) {
			t.Errorf("ModTime = %v, want the file's %v", info.ModTime, fi.ModTime())
		}
		noTempFiles(t, dir)
	})
	t.Run("OKAgainLeavesFiles", func(t *testing.T) {
		// The second Put's result and the content kept: blobtest's
		// OKPutAgainIsNoop.
		s, dir := newStore(t)
		key := "img/aa/x.png"
		if err := s.Put(ctx, key, []byte("first"), "image/png"); err != nil {
			t.Fatal(err)
		}
		want := listing(t, dir)
		_ = s.Put(ctx, key, []byte("second"), "")
		if got := listing(t, dir); !slices.Equal(got, want) {
			t.Errorf("listing = %v, want %v", got, want)
		}
	})
	t.Run("OKContentTypes", func(t *testing.T) {
		// Exact types and types from the extension: blobtest's OKContentTypes.
		// Here: parameters and case are ignored, and the type is derived.
		s, _ := newStore(t)
		for key, ct := range map[string]string{
			"a.jpeg": "image/jpeg; foo=bar",
			"a.webp": "IMAGE/WEBP",
			"a":      "",
		} {
			if err := s.Put(ctx, key, []byte(key), ct); err != nil {
				t.Fatalf("Put(%q, %q): %v", key, ct, err)
			}
			_, info := blobtest.Read(t, s, key)
			if want := fsblob.ContentType(key); info.ContentType != want {
				t.Errorf("%q: ContentType = %q, want %q", key, info.ContentType, want)
			}
		}
		if ct := fsblob.ContentType("x/y.webp"); ct != "image/webp" {
			t.Errorf("ContentType(.webp) = %q", ct)
		}
	})
	t.Run("ErrBadKeyWritesNothing", func(t *testing.T) {
		// The errors: blobtest's ErrBadKey. Here: nothing is written, not even
		// outside the store's folder ("..", "a/../../etc/passwd").
		root := t.TempDir()
		s, err := fsblob.New(filepath.Join(root, "a", "b"))
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range blobtest.BadKeys {
			_ = s.Put(ctx, key, []byte("x"), "")
		}
		if got, want := listing(t, root), []string{".", "a", "a/b"}; !slices.Equal(got, want) {
			t.Errorf("listing = %v, want %v", got, want)
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
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("OKAfterDelete", func(t *testing.T) {
		// Info, Seek and reading: blobtest's OKSeek. Here: an open reader
		// keeps reading the object after it is deleted.
		s, _ := newStore(t)
		if err := s.Put(ctx, "img/ab/c.webp", []byte("0123456789"), "image/webp"); err != nil {
			t.Fatal(err)
		}
		r, _, err := s.Open(ctx, "img/ab/c.webp")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
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
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	t.Run("OKRemovesEmptyFolders", func(t *testing.T) {
		// Open after Delete, the others still readable and a second Delete:
		// blobtest's OKDelete. Here, with objects sharing folders and files
		// that are not objects: after each Delete the disk holds exactly
		// those files and the other objects, with their folders.
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
		base := listing(t, dir)
		// 50 objects, several to a folder, deleted in an order that empties
		// the folders one after the other and also several at a time.
		var keys []string
		for i := range 50 {
			key := fmt.Sprintf("img/%02x/%d.jpg", i%7, i)
			if i%2 == 0 {
				key = fmt.Sprintf("thumb/small/%02x/%d.webp", i%5, i)
			}
			keys = append(keys, key)
			if err := s.Put(ctx, key, []byte(key), ""); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := listing(t, dir), layout(base, keys); !slices.Equal(got, want) {
			t.Fatalf("listing after the Puts = %v, want %v", got, want)
		}
		for i, key := range keys {
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete(%q): %v", key, err)
			}
			// In the end "img" is kept: it holds a file of its own.
			if got, want := listing(t, dir), layout(base, keys[i+1:]); !slices.Equal(got, want) {
				t.Fatalf("listing after deleting %q = %v, want %v", key, got, want)
			}
		}
	})
	t.Run("OKAbsentLeavesFolders", func(t *testing.T) {
		// The results and the object kept: blobtest's OKDeleteAbsent.
		s, dir := newStore(t)
		if err := s.Put(ctx, "a/b/c", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		want := listing(t, dir)
		for _, key := range []string{"nope", "a/b/d", "a/b", "a", "a/b/c/d", "x/y/z"} {
			_ = s.Delete(ctx, key)
		}
		if got := listing(t, dir); !slices.Equal(got, want) {
			t.Errorf("listing = %v, want %v (folders and objects untouched)", got, want)
		}
	})
	t.Run("ErrBadKeyDeletesNothing", func(t *testing.T) {
		// blobtest's ErrBadKey checks the errors for BadKeys. Here: nothing
		// is deleted, not even by a key that would name "a/b" once cleaned.
		s, dir := newStore(t)
		if err := s.Put(ctx, "a/b", []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		want := listing(t, dir)
		if err := s.Delete(ctx, "a/../a/b"); !errors.Is(err, blob.ErrBadKey) {
			t.Errorf("Delete(%q) = %v, want ErrBadKey", "a/../a/b", err)
		}
		for _, key := range blobtest.BadKeys {
			_ = s.Delete(ctx, key)
		}
		if got := listing(t, dir); !slices.Equal(got, want) {
			t.Errorf("listing = %v, want %v", got, want)
		}
	})
}

// TestConcurrentPutSameKey runs blobtest's scenario with twice the writers
// of the contract's run, then checks that no temporary file is left.
func TestConcurrentPutSameKey(t *testing.T) {
	s, dir := newStore(t)
	blobtest.ConcurrentPutSameKey(t, s, 64, 8)
	noTempFiles(t, dir)
}

// TestConcurrentPutDelete runs blobtest's scenario ten times longer than the
// contract's run, which is what makes Deletes remove a folder a Put is about
// to write into (Put then creates it again), and checks that the folder is
// empty in the end: no temporary file, no folder left behind.
func TestConcurrentPutDelete(t *testing.T) {
	s, dir := newStore(t)
	blobtest.ConcurrentPutDelete(t, s, 8, 500)
	if got := listing(t, dir); !slices.Equal(got, []string{"."}) {
		t.Errorf("listing = %v, want only the root", got)
	}
}
