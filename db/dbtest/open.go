package dbtest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/facestat/facestat/db"
)

// OnBoth runs fn, in parallel subtests, on a fresh migrated SQLite
// database and on a fresh migrated PostgreSQL one.
func OnBoth(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		fn(t, OpenMigrated(t, db.Options{DataDir: t.TempDir()}))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		fn(t, OpenMigrated(t, db.Options{DatabaseURL: MustCreatePGDatabase(t), MaxConns: 4}))
	})
}

// OpenMigrated opens the database opts names, brought to the current
// schema, closed when the test ends.
func OpenMigrated(t testing.TB, opts db.Options) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return d
}
