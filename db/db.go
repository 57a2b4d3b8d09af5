// Package db opens FaceStat's database: PostgreSQL (pgx) when a URL is
// configured, otherwise SQLite in the data folder. Both are reached through
// the same ent client, so everything above this package is written once.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/golang-migrate/migrate/v4"
	migratepg "github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"modernc.org/sqlite" // registers "sqlite"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/photos"
)

// SQLite's connections get photos.VoteTier as the SQL function
// photos.VoteTierFunc, which the vote path's UPDATE calls there (as a
// CASE of its tiers' bounds, each statement cost SQLite half a millisecond
// to parse; PostgreSQL's UPDATE uses width_bucket, photos.VoteTierSQL).
func init() {
	sqlite.MustRegisterDeterministicScalarFunction(photos.VoteTierFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		n, ok := args[0].(int64)
		if !ok {
			return nil, fmt.Errorf("%s(%v): not an integer", photos.VoteTierFunc, args[0])
		}
		return int64(photos.VoteTier(int(n))), nil
	})
}

//go:embed migrations/postgres/*.sql
var pgMigrations embed.FS

// DB is an open database: the ent client and the *sql.DB under it.
type DB struct {
	*ent.Client
	SQL     *sql.DB
	Dialect string // dialect.Postgres or dialect.SQLite

	// health is a pool of one connection of its own for Ping (PostgreSQL),
	// so that a health check never queues behind a busy pool and reports
	// load as an outage; SQL itself on SQLite.
	health *sql.DB
}

// Ping checks that the database answers, on a connection kept for it.
func (d *DB) Ping(ctx context.Context) error { return d.health.PingContext(ctx) }

// Options says which database to open.
type Options struct {
	DatabaseURL string // PostgreSQL; empty selects SQLite
	DataDir     string // folder of the SQLite file
	MaxConns    int    // PostgreSQL pool size
	// Driver, when set, wraps the SQL driver (tests count statements with it).
	Driver func(dialect.Driver) dialect.Driver
}

// Open connects to the database described by opts, waiting up to ctx's
// deadline for PostgreSQL to accept connections. Its client answers the
// errors of an unreachable database as UNAVAILABLE (DATABASE_DOWN; see
// Unreachable). It does not migrate
// PostgreSQL (see Migrate); SQLite is brought to the current schema here,
// since only one process uses it.
func Open(ctx context.Context, opts Options) (*DB, error) {
	var (
		sqlDB *sql.DB
		dia   string
		err   error
	)
	if opts.DatabaseURL != "" {
		dia = dialect.Postgres
		sqlDB, err = openPostgres(opts.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("db: %w", err)
		}
		maxConns := max(opts.MaxConns, 1)
		sqlDB.SetMaxOpenConns(maxConns)
		sqlDB.SetMaxIdleConns(maxConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		if err := waitReady(ctx, sqlDB); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("db: connecting to PostgreSQL: %w", err)
		}
	} else {
		dia = dialect.SQLite
		if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("db: %w", err)
		}
		path, err := filepath.Abs(filepath.Join(opts.DataDir, "facestat.db"))
		if err != nil {
			return nil, fmt.Errorf("db: %w", err)
		}
		// WAL lets readers run beside the one writer; busy_timeout makes a
		// writer wait for the lock instead of failing; synchronous(FULL)
		// makes a commit durable before it returns; immediate transactions
		// take the write lock up front, so two writers never deadlock
		// upgrading a read lock; _time_format stores times as sortable
		// text ("2006-01-02 15:04:05.999999999-07:00", always UTC here).
		dsn := (&url.URL{Scheme: "file", Path: path}).String() +
			"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"
		sqlDB, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("db: %w", err)
		}
		sqlDB.SetMaxOpenConns(8)
		if err := sqlDB.PingContext(ctx); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("db: opening %s: %w", path, err)
		}
	}
	health := sqlDB
	if dia == dialect.Postgres {
		if health, err = openPostgres(opts.DatabaseURL); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("db: %w", err)
		}
		health.SetMaxOpenConns(1)
		health.SetMaxIdleConns(1)
	}
	var drv dialect.Driver = downDriver{entsql.OpenDB(dia, sqlDB)}
	if opts.Driver != nil {
		drv = opts.Driver(drv)
	}
	d := &DB{Client: ent.NewClient(ent.Driver(drv)), SQL: sqlDB, Dialect: dia, health: health}
	if dia == dialect.SQLite {
		if err := d.Client.Schema.Create(ctx); err != nil {
			d.Close()
			return nil, fmt.Errorf("db: migrating SQLite: %w", err)
		}
		if err := upgradeSQLiteData(ctx, sqlDB); err != nil {
			d.Close()
			return nil, fmt.Errorf("db: upgrading SQLite's data: %w", err)
		}
	}
	return d, nil
}

// sqliteDataUpgrades change the data of an SQLite database whose schema
// ent has brought up to date, each once: the database's user_version
// counts those done. (On PostgreSQL, with instances of two releases
// side by side during an upgrade, such a change waits for a later
// release's migration.)
var sqliteDataUpgrades = []string{
	// 1: a YES_NO question's histogram is derived from its statistics
	// row (stats.Summarize); its rows are neither written nor read.
	`DELETE FROM photo_answer_counts WHERE question_id IN (SELECT id FROM questions WHERE kind = 'YES_NO')`,
	// 2-4: nextPhoto's vote tiers and the refit's work list filled in,
	// and the indexes they replace dropped (photos.SQLiteUpgrade).
	photos.SQLiteUpgrade[0], photos.SQLiteUpgrade[1], photos.SQLiteUpgrade[2],
}

// upgradeSQLiteData runs the data upgrades the database has not had, in
// one transaction with the new user_version.
func upgradeSQLiteData(ctx context.Context, db *sql.DB) error {
	var done int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&done); err != nil {
		return err
	}
	if done >= len(sqliteDataUpgrades) {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range sqliteDataUpgrades[max(done, 0):] {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(sqliteDataUpgrades))); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the client and its pool.
func (d *DB) Close() error {
	if d.health != d.SQL {
		d.health.Close()
	}
	return d.Client.Close()
}

// waitReady pings until the server answers or ctx ends, so instances may be
// started before the database is up.
func waitReady(ctx context.Context, db *sql.DB) error {
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Migrate applies the pending PostgreSQL migrations embedded in the binary.
// golang-migrate holds a PostgreSQL advisory lock while it works, so any
// number of instances may call Migrate at once: one applies, the others wait
// and then find nothing to do. On SQLite it does nothing (Open migrated).
func (d *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	if d.Dialect != dialect.Postgres {
		return nil
	}
	src, err := iofs.New(pgMigrations, "migrations/postgres")
	if err != nil {
		return fmt.Errorf("db: migrations: %w", err)
	}
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	drv, err := migratepg.WithConnection(ctx, conn, &migratepg.Config{})
	if err != nil {
		conn.Close()
		return fmt.Errorf("db: migrate: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "postgres", drv)
	if err != nil {
		drv.Close()
		return fmt.Errorf("db: migrate: %w", err)
	}
	defer m.Close() // closes conn, returning it to the pool
	m.LockTimeout = 2 * time.Minute
	err = m.Up()
	if errors.Is(err, migrate.ErrNoChange) {
		return nil // up to date, perhaps migrated by another instance while we waited for the lock
	}
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	version, _, _ := m.Version()
	log.Info("database migrated", "version", version)
	return nil
}
