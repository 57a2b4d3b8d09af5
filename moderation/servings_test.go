package moderation

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/ent"
)

// TestServings: servings queued by Record reach photo_servings in the
// background (a repeat renews the time, one row per judge and photo); one
// of a photo that no longer exists is dropped without losing the others;
// Close writes what is queued.
func TestServings(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	owner := d.User.Create().SetHandle("owner").SetEmail("owner@example.com").SaveX(ctx)
	photo := func() *ent.Photo {
		return d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("img/" + uuid.NewString()).SetThumbKey("thumb/x").
			SetWidth(10).SetHeight(10).SetThumbWidth(10).SetThumbHeight(10).SaveX(ctx)
	}
	a, b := photo(), photo()
	s := NewServings(d.Client, slog.New(slog.NewTextHandler(io.Discard, nil)))
	judge := uuid.New()
	s.Record(judge, a.ID)
	s.Record(judge, a.ID)
	s.Record(judge, uuid.New()) // no such photo
	s.Record(judge, b.ID)
	s.Flush(ctx)
	if n := d.PhotoServing.Query().CountX(ctx); n != 2 {
		t.Fatalf("%d servings stored, want 2", n)
	}
	if s.Dropped() != 1 {
		t.Fatalf("dropped %d, want 1 (the missing photo's)", s.Dropped())
	}
	c := photo()
	s.Record(uuid.New(), c.ID)
	s.Close()
	if n := d.PhotoServing.Query().CountX(ctx); n != 3 {
		t.Fatalf("after Close: %d servings stored, want 3", n)
	}
	s.Record(judge, c.ID) // after Close: dropped, never blocks
}
