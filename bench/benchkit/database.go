package benchkit

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"sync"

	_ "github.com/lib/pq" // registers "postgres"
)

// Database is a database created for one run, to be dropped at its end.
type Database struct {
	URL  string // the database's URL: the server's, with the database's name as path
	Name string

	admin *sql.DB // on the server's URL, to drop the database
	once  sync.Once
}

// CreateDatabase creates a database named prefix followed by 12 random hex
// digits on the PostgreSQL server at serverURL, a database URL with the
// right to CREATE DATABASE.
func CreateDatabase(serverURL, prefix string) (*Database, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("creating the benchmark database (is PostgreSQL running at %s?): %w", u.Redacted(), err)
	}
	u.Path = "/" + name
	return &Database{URL: u.String(), Name: name, admin: admin}, nil
}

// Drop drops the database WITH (FORCE), closing its connections, and
// closes the connection to the server. Only the first call does anything;
// later ones return nil.
func (d *Database) Drop() error {
	var err error
	d.once.Do(func() {
		if _, e := d.admin.Exec("DROP DATABASE " + d.Name + " WITH (FORCE)"); e != nil {
			err = fmt.Errorf("dropping %s: %w", d.Name, e)
		}
		d.admin.Close()
	})
	return err
}
