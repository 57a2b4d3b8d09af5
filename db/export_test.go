package db

// PGMigrations are PostgreSQL's migrations, for db_test.
var PGMigrations = pgMigrations
