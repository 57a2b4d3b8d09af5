package db_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
)

// TestMigrationsMatchSchema replays the PostgreSQL migrations on a fresh
// database and asks ent what it would still change: nothing, or the ent
// schema has drifted from the migrations (run `make migration NAME=...`).
func TestMigrationsMatchSchema(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := d.Migrate(ctx, log); err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx, log); err != nil {
		t.Fatalf("migrating twice: %v", err)
	}
	var plan bytes.Buffer
	if err := d.Schema.WriteTo(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(plan.String(), "\n") {
		if l := strings.TrimSpace(line); l != "" && l != "BEGIN;" && l != "COMMIT;" && !strings.HasPrefix(l, "--") {
			t.Fatalf("the ent schema differs from the migrations; run `make migration NAME=...`. ent would run:\n%s", plan.String())
		}
	}
}

// TestSQLitePragmas checks the embedded default's settings took effect.
func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "2"} {
		var got string
		if err := d.SQL.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}
