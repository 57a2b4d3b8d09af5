package db

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPostgres opens a pool of pgx connections to databaseURL with the
// settings lib/pq gave FaceStat before pgx (see withDefaultSSLMode) and
// timestamptz values scanned in UTC whatever the host's time zone.
func openPostgres(databaseURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(withDefaultSSLMode(databaseURL))
	if err != nil {
		return nil, fmt.Errorf("database-url: %w", err)
	}
	return stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(scanTimesInUTC)), nil
}

// scanTimesInUTC makes a connection hand back timestamptz values in UTC:
// pgx would use time.Local, so the API's times and exports would change
// their offset with the host's TZ (lib/pq used the session's zone, UTC).
func scanTimesInUTC(_ context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	return nil
}

// withDefaultSSLMode adds sslmode=require to a URL or key=value string that
// names no sslmode (and when PGSSLMODE is unset). lib/pq, FaceStat's driver
// before pgx, required TLS when no mode was given; pgx's default, prefer,
// falls back to plain text, which an attacker on the path can force. A
// server without TLS needs sslmode=disable said out loud, as before.
func withDefaultSSLMode(s string) string {
	if strings.Contains(s, "sslmode=") || os.Getenv("PGSSLMODE") != "" {
		return s
	}
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		sep := "?"
		if strings.Contains(s, "?") {
			sep = "&"
		}
		if i := strings.IndexByte(s, '#'); i >= 0 {
			return s[:i] + sep + "sslmode=require" + s[i:]
		}
		return s + sep + "sslmode=require"
	}
	return strings.TrimSpace(s) + " sslmode=require"
}
