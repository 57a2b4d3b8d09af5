package db_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/photos"
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

// TestPostgresTimesInUTC: timestamptz values come back in UTC whatever the
// host's zone: pgx would hand them back in time.Local (a location of its
// own even where TZ is UTC, so the check below tells the two apart).
func TestPostgresTimesInUTC(t *testing.T) {
	d, err := db.Open(context.Background(), db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var at time.Time
	if err := d.SQL.QueryRow("SELECT '2026-12-06 10:00:00+00'::timestamptz").Scan(&at); err != nil {
		t.Fatal(err)
	}
	if at.Location() != time.UTC || at.Hour() != 10 {
		t.Fatalf("scanned %v (zone %v), want 10:00 UTC", at, at.Location())
	}
}

// TestMigrationVoteTier: PostgreSQL's backfill of the vote tiers (a
// migration, frozen as it was written: the CASE of the tiers' bounds that
// photos.VoteTierSQL was then) computes photos.VoteTier, around every
// tier's first count and at both ends of bigint.
func TestMigrationVoteTier(t *testing.T) {
	raw, err := db.PGMigrations.ReadFile("migrations/postgres/20261206214123_photos_hot_update_backfill.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	const set, next = `SET "vote_tier" = `, `,
  "fit_due"`
	text := string(raw)
	from, to := strings.Index(text, set), strings.Index(text, next)
	if from < 0 || to < from {
		t.Fatal("the backfill sets no vote_tier")
	}
	expr := text[from+len(set) : to]
	probes := []int64{math.MinInt64, -1, 0, math.MaxInt64}
	for _, first := range photos.VoteTierStarts()[1:] {
		probes = append(probes, first-1, first, first+1)
	}
	d, err := db.Open(context.Background(), db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.SQL.QueryContext(context.Background(), `SELECT vote_count, `+expr+` FROM unnest($1::bigint[]) AS t(vote_count)`, probes)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var votes, tier int64
		if err := rows.Scan(&votes, &tier); err != nil {
			t.Fatal(err)
		}
		if want := photos.VoteTier(int(votes)); tier != int64(want) {
			t.Errorf("the backfill puts a photo of %d votes in tier %d, VoteTier in %d", votes, tier, want)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != len(probes) {
		t.Fatalf("%d of %d probes answered: %v", n, len(probes), err)
	}
}
