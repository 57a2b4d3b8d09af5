package account

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/fsblob"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/ent/dataexport"
	"github.com/facestat/facestat/photos"
)

// panickyStore panics on its first Put, then stores as its Store does.
type panickyStore struct {
	blob.Store
	puts atomic.Int32
}

func (p *panickyStore) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if p.puts.Add(1) == 1 {
		panic("the store broke")
	}
	return p.Store.Put(ctx, key, data, contentType)
}

// TestBuilderSurvivesPanic: a panic while building one export marks that
// export failed and the builder goes on with the next one (before, the
// panic ended the builder's goroutine: every later export of the instance
// stayed "building" until its deadline, and the queue filled up).
func TestBuilderSurvivesPanic(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	store := &panickyStore{Store: fs}
	log := slog.New(slog.DiscardHandler)
	ph := photos.NewService(d.Client, store, photos.Config{}, log)
	s := NewService(d.Client, store, ph, nil, nil, Config{DataDir: dir, TempDir: dir, ExportTTL: time.Hour, MaxExportBytes: 1 << 20}, log)
	defer s.Close()

	owner := d.Client.User.Create().SetID(uuid.New()).SetHandle("exporter").SetEmail("exporter@example.com").
		SetPasswordHash("x").SaveX(ctx)
	now := time.Now().UTC()
	first := d.Client.DataExport.Create().SetUserID(owner.ID).SetCreatedAt(now).SetExpiresAt(now.Add(time.Hour)).SaveX(ctx)
	second := d.Client.DataExport.Create().SetUserID(owner.ID).SetCreatedAt(now).SetExpiresAt(now.Add(time.Hour)).SaveX(ctx)
	s.run()
	s.queue <- first.ID
	s.queue <- second.ID

	deadline := time.Now().Add(10 * time.Second)
	for {
		a := d.Client.DataExport.GetX(ctx, first.ID)
		b := d.Client.DataExport.GetX(ctx, second.ID)
		if a.State == dataexport.StateFailed && b.State == dataexport.StateReady {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a panic in the first build: first %s, second %s (want failed, ready)", a.State, b.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// failingDeletes is a store whose deletes fail; before runs on the first
// Put (the export's ZIP being stored).
type failingDeletes struct {
	blob.Store
	before func()
	once   atomic.Bool
}

func (f *failingDeletes) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if f.once.CompareAndSwap(false, true) {
		f.before()
	}
	return f.Store.Put(ctx, key, data, contentType)
}

func (f *failingDeletes) Delete(context.Context, string) error {
	return errors.New("the store is down")
}

// TestBuildAfterDeletionJournalsOrphan: an export whose account was deleted
// while it was being built stores its ZIP after the deletion deleted the
// account's blobs; the build deletes it again, and when that fails (the
// store down) the key goes to the journal, for the sweeper to retry
// (before, nothing named the ZIP any more: the account's data stayed in
// the store for good).
func TestBuildAfterDeletionJournalsOrphan(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	owner := d.Client.User.Create().SetID(uuid.New()).SetHandle("deleted").SetEmail("deleted@example.com").
		SetPasswordHash("x").SaveX(ctx)
	now := time.Now().UTC()
	e := d.Client.DataExport.Create().SetUserID(owner.ID).SetCreatedAt(now).SetExpiresAt(now.Add(time.Hour)).SaveX(ctx)
	store := &failingDeletes{Store: fs, before: func() {
		d.Client.DataExport.DeleteOneID(e.ID).ExecX(ctx) // the account's deletion, as far as the export goes
	}}
	log := slog.New(slog.DiscardHandler)
	ph := photos.NewService(d.Client, store, photos.Config{}, log)
	s := NewService(d.Client, store, ph, nil, nil, Config{DataDir: dir, TempDir: dir, ExportTTL: time.Hour, MaxExportBytes: 1 << 20}, log)
	defer s.Close()

	s.build(ctx, e.ID)
	files, _ := filepath.Glob(filepath.Join(dir, "erasure", "*.keys"))
	for _, f := range files {
		if data, _ := os.ReadFile(f); strings.Contains(string(data), exportKey(e.ID)) {
			return
		}
	}
	t.Fatalf("no journal names the orphaned export %s (journals: %v)", exportKey(e.ID), files)
}
