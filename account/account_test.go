package account

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/fsblob"
)

func TestExportKey(t *testing.T) {
	id := uuid.New()
	key := exportKey(id)
	if !blob.ValidKey(key) {
		t.Fatalf("%s is not a valid blob key", key)
	}
	if got, ok := exportOfKey(key); !ok || got != id {
		t.Fatalf("exportOfKey(%s) = %v, %v", key, got, ok)
	}
	for _, k := range []string{"img/" + id.String() + "/ab.jpg", exportPrefix + id.String(), exportPrefix + "x.zip", exportPrefix + id.String() + ".zip/x"} {
		if _, ok := exportOfKey(k); ok {
			t.Errorf("exportOfKey(%s) took it for an export", k)
		}
	}
}

func TestTombstone(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	again := a
	if Tombstone(a) != Tombstone(again) || Tombstone(a) == Tombstone(b) || Tombstone(a) == a {
		t.Fatal("a tombstone is stable per account, differs between accounts and is not the account's id")
	}
}

func TestBoundedWriter(t *testing.T) {
	w := &boundedWriter{w: discard{}, max: 10}
	if n, err := w.Write(make([]byte, 10)); n != 10 || err != nil {
		t.Fatalf("up to the bound: %d, %v", n, err)
	}
	if _, err := w.Write([]byte{1}); !errors.Is(err, errTooLarge) || w.n <= w.max {
		t.Fatalf("past the bound: %v, n %d", err, w.n)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestJournal: a journal's keys are deleted once no row names them;
// those a row still names are dropped from it, never deleted; the file
// goes once every key is dealt with.
func TestJournal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"img/a/1.jpg", "img/b/2.jpg"} {
		if err := store.Put(ctx, k, []byte("x"), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
	}
	j := &journal{dir: filepath.Join(dir, "erasure")}
	name, err := j.write([]string{"img/a/1.jpg", "img/b/2.jpg", "not a key"})
	if err != nil {
		t.Fatal(err)
	}
	inUse := func(_ context.Context, key string) (bool, error) { return key == "img/b/2.jpg", nil }
	if err := j.retry(ctx, store, inUse); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Open(ctx, "img/a/1.jpg"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("an orphan was not deleted: %v", err)
	}
	if f, _, err := store.Open(ctx, "img/b/2.jpg"); err != nil {
		t.Errorf("a key a row names was deleted: %v", err)
	} else {
		f.Close()
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("the journal file stayed: %v", err)
	}
}
