package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/entx"
)

// wantDatabaseDown fails unless err is UNAVAILABLE (DATABASE_DOWN) with a
// retry time.
func wantDatabaseDown(t *testing.T, what string, err error) {
	t.Helper()
	var fe *facestat.Error
	if !errors.As(err, &fe) || fe.Code != facestat.Unavailable || fe.Reason != facestat.ReasonDatabaseDown || fe.RetryAfter <= 0 {
		t.Fatalf("%s with the database stopped: %v, want UNAVAILABLE (DATABASE_DOWN) with a retry time", what, err)
	}
}

// TestDatabaseDown stops a PostgreSQL server of the test's own under an
// open client: queries, writes and transactions fail as UNAVAILABLE
// (DATABASE_DOWN) with a retry time, a mistake in a statement stays what it
// is, and when the server is back the same client works again by itself.
func TestDatabaseDown(t *testing.T) {
	ctx := context.Background()
	pg := dbtest.StartPrivatePG(t)
	d, err := db.Open(ctx, db.Options{DatabaseURL: pg.URL, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	count := func() error { _, err := d.User.Query().Count(ctx); return err }
	if err := count(); err != nil {
		t.Fatal(err)
	}
	_, err = d.ExecContext(ctx, "SELEC 1")
	var state interface{ SQLState() string }
	if !errors.As(err, &state) || db.Unreachable(err) {
		t.Fatalf("a syntax error: %v; want PostgreSQL's error, not an outage", err)
	}

	pg.Stop()
	wantDatabaseDown(t, "a query", count())
	wantDatabaseDown(t, "a write", d.User.Create().SetHandle("x").SetEmail("x@example.com").Exec(ctx))
	wantDatabaseDown(t, "a transaction", entx.WithTx(ctx, d.Client, func(tx *ent.Tx) error { return nil }))

	pg.Start()
	deadline := time.Now().Add(10 * time.Second)
	for err := count(); err != nil; err = count() {
		if time.Now().After(deadline) {
			t.Fatalf("still failing 10 s after the database came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // polling, with the deadline above
	}
}

// TestUnreachableKnowsPgx: pgx's own words for a connection the server cut
// (as ent wraps them when a transaction cannot start) are the outage's.
func TestUnreachableKnowsPgx(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("ent: starting a transaction: %w", pgconn.ErrConnClosed),
	} {
		if !db.Unreachable(err) {
			t.Errorf("Unreachable(%v) = false", err)
		}
	}
	if db.Unreachable(&pgconn.PgError{Code: "42601"}) { // a syntax error
		t.Error("a statement's own error counted as an outage")
	}
}
