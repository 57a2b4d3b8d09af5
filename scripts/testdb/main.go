// Command testdb creates and drops the end-to-end tests' databases on the
// test server (FACESTAT_TEST_DATABASE_URL, as db/dbtest), and checks that
// the server accepts the tests, all without psql:
//
//	go run ./scripts/testdb check          # waits up to 30 s for the server to accept a connection
//	go run ./scripts/testdb create PREFIX  # prints the new database's URL
//	go run ./scripts/testdb drop URL
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/lib/pq"

	"github.com/facestat/facestat/db/dbtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	server := dbtest.ServerURL()
	switch {
	case len(args) == 1 && args[0] == "check":
		return check(server, 30*time.Second)
	case len(args) == 2 && args[0] == "create":
		u, err := dbtest.Create(server, args[1])
		if err != nil {
			return err
		}
		fmt.Println(u)
		return nil
	case len(args) == 2 && args[0] == "drop":
		return dbtest.Drop(server, args[1])
	}
	return fmt.Errorf("usage: testdb check | create PREFIX | drop URL")
}

// check connects to server until a query succeeds or wait has passed; a
// refusal (such as failed authentication) ends it at once.
func check(server string, wait time.Duration) error {
	db, err := sql.Open("postgres", server)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		err = db.QueryRowContext(ctx, "SELECT 1").Scan(new(int))
		var refused *pq.Error // the server answered: waiting will not help
		if err == nil {
			return nil
		}
		if errors.As(err, &refused) {
			return fmt.Errorf("the test server (FACESTAT_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) refuses the tests: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the test server (FACESTAT_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) does not accept the tests: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
