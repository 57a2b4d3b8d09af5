package db

// PGMigrations are the embedded PostgreSQL migrations, for tests that
// step through them.
var PGMigrations = pgMigrations
