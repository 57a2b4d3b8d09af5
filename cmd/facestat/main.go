// Command facestat runs FaceStat: `facestat serve` starts the service,
// `facestat migrate` brings PostgreSQL's schema up to date, `facestat seed`
// fills an instance with demo data, `facestat grant moderator HANDLE` and
// `facestat revoke moderator HANDLE` change an account's role.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "facestat:", err)
		os.Exit(1)
	}
}

const usage = `FaceStat: strangers judge your face, you watch the statistics arrive.

Usage:
  facestat serve   [flags]   start the service (HTTP, GraphQL, images)
  facestat migrate [flags]   apply pending PostgreSQL migrations and exit
  facestat seed    [flags]   fill the instance with demo accounts and photos
  facestat grant moderator HANDLE [flags]    make the account a moderator
  facestat revoke moderator HANDLE [flags]   make the moderator a user again
  facestat help              show this and every setting

Every flag has a FACESTAT_* environment variable; flags win.

Settings:

`

// run is the composition root: it parses the command line and runs one
// command until it finishes or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout)
	case "migrate":
		return migrate(ctx, args, getenv, stdout)
	case "seed":
		return seedDemo(ctx, args, getenv, stdout)
	case "grant", "revoke":
		return grant(ctx, args, getenv, stdout, cmd == "grant")
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		printSettings(stdout)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// loadConfig reads the settings and makes the logger they ask for.
func loadConfig(args []string, getenv func(string) string, out io.Writer) (*config.Config, *slog.Logger, error) {
	cfg, rest, err := config.Load(args, getenv, out)
	if err != nil {
		return nil, nil, err
	}
	if len(rest) > 0 {
		return nil, nil, fmt.Errorf("unexpected arguments %q (settings are flags: see `facestat help`)", rest)
	}
	return cfg, app.NewLogger(cfg, out), nil
}

func printSettings(w io.Writer) { config.Usage(w) }
