package db

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestWithDefaultSSLMode(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	for in, want := range map[string]string{
		"postgres://u@h/db":                     "postgres://u@h/db?sslmode=require",
		"postgres://u@h/db?connect_timeout=5":   "postgres://u@h/db?connect_timeout=5&sslmode=require",
		"postgresql://u@h/db?sslmode=disable":   "postgresql://u@h/db?sslmode=disable",
		"host=h dbname=db":                      "host=h dbname=db sslmode=require",
		"host=h sslmode=verify-full":            "host=h sslmode=verify-full",
		"postgres://u@h/db?sslmode=verify-full": "postgres://u@h/db?sslmode=verify-full",
	} {
		if got := withDefaultSSLMode(in); got != want {
			t.Errorf("withDefaultSSLMode(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv("PGSSLMODE", "disable")
	if got := withDefaultSSLMode("postgres://u@h/db"); got != "postgres://u@h/db" {
		t.Errorf("with PGSSLMODE set: %q, want the URL unchanged", got)
	}
}

// TestNoPlainTextFallback: a URL without sslmode gives a configuration
// that only ever connects over TLS, where pgx's own default (prefer) would
// fall back to plain text.
func TestNoPlainTextFallback(t *testing.T) {
	t.Setenv("PGSSLMODE", "") // restored at the end
	os.Unsetenv("PGSSLMODE")
	plainFallback := func(url string) bool {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.TLSConfig == nil {
			return true
		}
		for _, f := range cfg.Fallbacks {
			if f.TLSConfig == nil {
				return true
			}
		}
		return false
	}
	const url = "postgres://u@db.internal:5432/facestat"
	if !plainFallback(url) {
		t.Fatal("pgx's default no longer falls back to plain text: this test checks nothing")
	}
	if plainFallback(withDefaultSSLMode(url)) {
		t.Fatalf("%s may connect in plain text", withDefaultSSLMode(url))
	}
}
