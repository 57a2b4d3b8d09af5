// Package dbtest gives tests databases of their own on the PostgreSQL
// server named by FACESTAT_TEST_DATABASE_URL (default: the local server).
package dbtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/lib/pq" // registers "postgres"
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
	if testing.Short() {
		tb.Skip("needs PostgreSQL")
	}
	admin, err := sql.Open("postgres", ServerURL())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "facestat_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("creating a test database (is PostgreSQL running? set FACESTAT_TEST_DATABASE_URL): %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(ServerURL())
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
