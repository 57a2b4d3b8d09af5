// Package entx holds the few helpers every package that writes through ent
// shares.
package entx

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
)

// WithTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise, a panic in fn included (the panic goes on).
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("entx: begin: %w", err)
	}
	returned := false
	defer func() {
		if !returned { // fn panicked
			tx.Rollback()
		}
	}()
	err = fn(tx)
	returned = true
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("entx: commit: %w", err)
	}
	return nil
}

// AfterCommit arranges for fn to run once tx has committed successfully
// (never after a rollback or a failed commit), on the committing
// goroutine: fn must be quick and must not block (hand slow work off).
func AfterCommit(tx *ent.Tx, fn func()) {
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			fn()
			return nil
		})
	})
}

// ByID indexes rows by their id.
func ByID[T any](rows []T, id func(T) uuid.UUID) map[uuid.UUID]T {
	out := make(map[uuid.UUID]T, len(rows))
	for _, r := range rows {
		out[id(r)] = r
	}
	return out
}

// Querier runs a raw statement (ent's sql/execquery feature): an
// *ent.Client or an *ent.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// QueryRows runs query on q and calls scan for each row it returns; the
// rows are closed whatever happens, and their errors returned.
func QueryRows(ctx context.Context, q Querier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := scan(rows); err != nil {
			rows.Close()
			return err
		}
	}
	return errors.Join(rows.Err(), rows.Close())
}

// BinaryUUIDs returns ids as pgx sends them in binary, as they are
// ([16]byte; a uuid.UUID goes through its driver.Valuer's text).
func BinaryUUIDs(ids []uuid.UUID) [][16]byte {
	raw := make([][16]byte, len(ids))
	for i, id := range ids {
		raw[i] = id
	}
	return raw
}

// TryAdvisoryLock takes PostgreSQL's transaction-scoped advisory lock key
// within tx, without waiting: false when another transaction holds it.
// PostgreSQL only (the embedded default has one instance).
func TryAdvisoryLock(ctx context.Context, tx *ent.Tx, key int64) (bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT pg_try_advisory_xact_lock($1)", key)
	if err != nil {
		return false, fmt.Errorf("entx: advisory lock: %w", err)
	}
	defer rows.Close()
	var ok bool
	if rows.Next() {
		err = rows.Scan(&ok)
	}
	return ok, errors.Join(err, rows.Err())
}
