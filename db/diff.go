//go:build ignore

// diff.go writes the next PostgreSQL migration by comparing the ent schema
// with the migrations already in db/migrations/postgres, replayed on a
// scratch database created on a local PostgreSQL server (Atlas's Go module
// does the planning; no Atlas binary is needed). Run it through
// `make migration NAME=add_something`.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"math/rand/v2"
	"net/url"
	"os"

	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"

	"github.com/facestat/facestat/ent/migrate"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run ./db/diff.go NAME")
	}
	server := os.Getenv("FACESTAT_TEST_DATABASE_URL")
	if server == "" {
		server = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx := context.Background()
	admin, err := sql.Open("postgres", server)
	if err != nil {
		log.Fatal(err)
	}
	name := fmt.Sprintf("facestat_diff_%d", rand.Uint32())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		log.Fatal(err)
	}
	defer admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
	u, _ := url.Parse(server)
	u.Path = "/" + name
	dir, err := sqltool.NewGolangMigrateDir("db/migrations/postgres")
	if err != nil {
		log.Fatal(err)
	}
	err = migrate.NamedDiff(ctx, u.String(), os.Args[1],
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDropIndex(true), // an index the schema no longer has goes
		schema.WithDialect(dialect.Postgres),
		schema.WithFormatter(sqltool.GolangMigrateFormatter),
	)
	if err != nil {
		log.Printf("diff: %v", err)
		return
	}
}
