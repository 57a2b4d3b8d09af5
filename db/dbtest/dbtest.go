// Package dbtest gives tests databases of their own on the PostgreSQL
// server named by FACESTAT_TEST_DATABASE_URL (default: the local server).
package dbtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/lib/pq" // registers "postgres"

	"github.com/facestat/facestat/internal/testenv"
)

// ServerURL is the PostgreSQL server tests create their databases on.
func ServerURL() string {
	if u := os.Getenv("FACESTAT_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// MustCreatePGDatabase creates an empty database with a random name,
// drops it when the test ends, and returns its URL. Under -short it skips
// the test instead.
func MustCreatePGDatabase(tb testing.TB) string {
	tb.Helper()
	testenv.SkipIfShort(tb, "PostgreSQL")
	server := ServerURL()
	u, err := Create(server, "facestat_test_")
	if err != nil {
		tb.Fatalf("creating a test database (is PostgreSQL running? `make deps` starts it; or set FACESTAT_TEST_DATABASE_URL): %v", err)
	}
	tb.Cleanup(func() {
		if err := Drop(server, u); err != nil {
			tb.Error(err)
		}
	})
	return u
}

// Create creates an empty database named prefix and 12 random hex digits
// on the server at serverURL (a URL of one of its databases, as
// FACESTAT_TEST_DATABASE_URL) and returns the new database's URL. prefix
// must be a lower-case SQL identifier.
func Create(serverURL, prefix string) (string, error) {
	b := make([]byte, 6)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("server URL: %w", err)
	}
	if err := execOn(serverURL, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Drop drops the database dbURL names (made by Create), cutting its
// connections, through the server's database at serverURL. A database
// that is gone already is no error.
func Drop(serverURL, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return fmt.Errorf("database URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		return fmt.Errorf("dropping %q: not a plain lower-case name", name)
	}
	if err := execOn(serverURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping %s: %w", name, err)
	}
	return nil
}

// execOn runs one statement on a connection of its own to serverURL.
func execOn(serverURL, stmt string) error {
	db, err := sql.Open("postgres", serverURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}
