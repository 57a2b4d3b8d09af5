package moderation

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photoserving"
)

// TestServings: servings queued by Record reach photo_servings in the
// background (a repeat renews the time, one row per judge and photo); one
// of a photo that no longer exists is dropped without losing the others;
// Close writes what is queued. On both backends: on PostgreSQL a batch is
// one statement of arrays (servingsPG), on SQLite ent's bulk insert.
func TestServings(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		owner := d.User.Create().SetHandle("owner").SetEmail("owner@example.com").SaveX(ctx)
		photo := func() *ent.Photo {
			return d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("img/" + uuid.NewString()).SetThumbKey("thumb/x").
				SetWidth(10).SetHeight(10).SetThumbWidth(10).SetThumbHeight(10).SaveX(ctx)
		}
		a, b := photo(), photo()
		s := NewServings(d.Client, d.Dialect, slog.New(slog.NewTextHandler(io.Discard, nil)))
		judge := uuid.New()
		s.Record(judge, a.ID)
		s.Flush(ctx)
		first := d.PhotoServing.Query().OnlyX(ctx).ServedAt
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
		if again := d.PhotoServing.Query().Where(photoserving.PhotoID(a.ID)).OnlyX(ctx).ServedAt; !again.After(first) {
			t.Errorf("served again at %v, first at %v: the time was not renewed", again, first)
		}
		// A batch of many, all new: one write.
		many := make([]*ent.Photo, 40)
		for i := range many {
			many[i] = photo()
			s.Record(judge, many[i].ID)
		}
		s.Flush(ctx)
		if n := d.PhotoServing.Query().Where(photoserving.JudgeID(judge)).CountX(ctx); n != 42 || s.Dropped() != 1 {
			t.Fatalf("%d servings of the judge, %d dropped; want 42 and 1", n, s.Dropped())
		}
		c := photo()
		s.Record(uuid.New(), c.ID)
		s.Close()
		if n := d.PhotoServing.Query().CountX(ctx); n != 43 {
			t.Fatalf("after Close: %d servings stored, want 43", n)
		}
		s.Record(judge, c.ID) // after Close: dropped, never blocks
	})
}

// TestServingsOneStatement: on PostgreSQL a batch of servings is one
// statement, of one text whatever its size (servingsPG), not ent's bulk
// insert (a text per size) nor one statement a serving.
func TestServingsOneStatement(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var sent []string
	d, err := db.Open(ctx, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 2,
		Driver: func(drv dialect.Driver) dialect.Driver { return countingDriver{drv, &mu, &sent} }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	owner := d.User.Create().SetHandle("owner").SetEmail("owner@example.com").SaveX(ctx)
	s := NewServings(d.Client, d.Dialect, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer s.Close()
	texts := map[string]bool{}
	for _, n := range []int{1, 7, 30} {
		judge := uuid.New()
		for range n {
			p := d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("img/" + uuid.NewString()).SetThumbKey("thumb/x").
				SetWidth(10).SetHeight(10).SetThumbWidth(10).SetThumbHeight(10).SaveX(ctx)
			s.Record(judge, p.ID)
		}
		mu.Lock()
		sent = nil
		mu.Unlock()
		s.Flush(ctx)
		mu.Lock()
		got := slices.Clone(sent)
		mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("a batch of %d servings: %d statements, want 1: %q", n, len(got), got)
		}
		texts[got[0]] = true
		if c := d.PhotoServing.Query().Where(photoserving.JudgeID(judge)).CountX(ctx); c != n {
			t.Fatalf("%d of %d servings stored", c, n)
		}
	}
	if len(texts) != 1 {
		t.Errorf("%d statement texts for 3 batch sizes, want 1", len(texts))
	}
}

// countingDriver records the statements sent through it.
type countingDriver struct {
	dialect.Driver
	mu   *sync.Mutex
	sent *[]string
}

func (d countingDriver) note(query string) {
	d.mu.Lock()
	*d.sent = append(*d.sent, query)
	d.mu.Unlock()
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.note(query)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.note(query)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	d.note(query)
	return dbtest.ExecContext(ctx, d.Driver, query, args...)
}
