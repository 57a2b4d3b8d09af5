//go:build ignore

// rehash.go writes db/migrations/postgres/atlas.sum again after a
// migration was written or completed by hand (make migration writes it
// for the files it makes). Run it through `make migration-hash`.
package main

import (
	"log"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
)

func main() {
	dir, err := sqltool.NewGolangMigrateDir("db/migrations/postgres")
	if err != nil {
		log.Fatal(err)
	}
	sum, err := dir.Checksum()
	if err != nil {
		log.Fatal(err)
	}
	if err := migrate.WriteSumFile(dir, sum); err != nil {
		log.Fatal(err)
	}
}
