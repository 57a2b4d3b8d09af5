package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/admission"
)

// Unreachable reports whether err says the database could not be reached
// or stopped answering, rather than that something asked of it was wrong:
// the server refuses connections, is shutting down or starting up, cut the
// connection, has no connection left, or did not answer before the
// caller's deadline (a stalled server). Such errors are the outage's, not
// the request's; the API answers them UNAVAILABLE (DATABASE_DOWN) with a
// retry time, and the pool reconnects by itself when the server returns.
// This is the one place that knows what they look like.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var state interface{ SQLState() string } // pgx's *pgconn.PgError (lib/pq's too)
	if errors.As(err, &state) {
		code := state.SQLState()
		return strings.HasPrefix(code, "08") || // connection exception
			code == "57P01" || code == "57P02" || code == "57P03" || // admin or crash shutdown, cannot connect now
			code == "53300" // too many connections
	}
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, pgconn.ErrConnClosed) || pgconn.Timeout(err) || // pgx: a connection the server cut, a stalled one
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
}

// down returns err, or, when it says the database is unreachable, the
// UNAVAILABLE error (DATABASE_DOWN, with a retry time) wrapping it.
func down(err error) error {
	var fe *facestat.Error
	if err == nil || errors.As(err, &fe) || !Unreachable(err) {
		return err
	}
	e := admission.DatabaseDown()
	e.Err = err
	return e
}

// downDriver is the ent driver every DB's client goes through: each error
// of an unreachable database (Unreachable) leaves it as UNAVAILABLE
// (DATABASE_DOWN) with a retry time, so that whatever path met the outage,
// the client is told to come back rather than shown INTERNAL.
type downDriver struct{ dialect.Driver }

// Exec implements dialect.Driver.
func (d downDriver) Exec(ctx context.Context, query string, args, v any) error {
	return down(d.Driver.Exec(ctx, query, args, v))
}

// Query implements dialect.Driver.
func (d downDriver) Query(ctx context.Context, query string, args, v any) error {
	return down(d.Driver.Query(ctx, query, args, v))
}

// Tx implements dialect.Driver.
func (d downDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, down(err)
	}
	return downTx{tx}, nil
}

// BeginTx is the inner driver's, for ent's Client.BeginTx.
func (d downDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	tx, err := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}).BeginTx(ctx, opts)
	if err != nil {
		return nil, down(err)
	}
	return downTx{tx}, nil
}

// ExecContext is the inner driver's, for ent's Client.ExecContext (raw
// statements).
func (d downDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := d.Driver.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}).ExecContext(ctx, query, args...)
	return r, down(err)
}

// QueryContext is the inner driver's, for ent's Client.QueryContext.
func (d downDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r, err := d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}).QueryContext(ctx, query, args...)
	return r, down(err)
}

// downTx is a transaction of downDriver.
type downTx struct{ dialect.Tx }

// Exec implements dialect.Tx.
func (t downTx) Exec(ctx context.Context, query string, args, v any) error {
	return down(t.Tx.Exec(ctx, query, args, v))
}

// Query implements dialect.Tx.
func (t downTx) Query(ctx context.Context, query string, args, v any) error {
	return down(t.Tx.Query(ctx, query, args, v))
}

// Commit implements dialect.Tx.
func (t downTx) Commit() error { return down(t.Tx.Commit()) }

// Rollback implements dialect.Tx.
func (t downTx) Rollback() error { return down(t.Tx.Rollback()) }

// ExecContext is the inner transaction's, for ent's Tx.ExecContext (raw
// statements).
func (t downTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := t.Tx.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}).ExecContext(ctx, query, args...)
	return r, down(err)
}

// QueryContext is the inner transaction's, for ent's Tx.QueryContext.
func (t downTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r, err := t.Tx.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}).QueryContext(ctx, query, args...)
	return r, down(err)
}
