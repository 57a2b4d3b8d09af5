package dbtest

import (
	"context"
	"database/sql"
	"fmt"
)

// The raw statements of ent's sql/execquery feature (Client.QueryContext,
// Tx.QueryContext and their Exec twins, which the ingester, the refit's
// reads of votes, the judging order's pick and the photos' lock use) go to driver or transaction methods outside
// dialect.Driver's interface. A test's wrapper of a driver or transaction
// passes them on to the one it wraps with these.

// QueryContext runs a raw query on inner, a dialect.Driver or dialect.Tx.
func QueryContext(ctx context.Context, inner any, query string, args ...any) (*sql.Rows, error) {
	q, ok := inner.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, fmt.Errorf("dbtest: %T runs no raw query", inner)
	}
	return q.QueryContext(ctx, query, args...)
}

// ExecContext runs a raw statement on inner, a dialect.Driver or dialect.Tx.
func ExecContext(ctx context.Context, inner any, query string, args ...any) (sql.Result, error) {
	e, ok := inner.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, fmt.Errorf("dbtest: %T runs no raw statement", inner)
	}
	return e.ExecContext(ctx, query, args...)
}
