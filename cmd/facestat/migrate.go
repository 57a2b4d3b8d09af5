package main

import (
	"context"
	"fmt"
	"io"

	"github.com/facestat/facestat/app"
)

// migrate applies pending PostgreSQL migrations (SQLite migrates itself
// when opened) and exits.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, log, err := loadConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	d, err := app.OpenDB(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(stdout, "database schema is up to date (%s)\n", d.Dialect)
	return nil
}
