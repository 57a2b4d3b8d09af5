package schema

import "time"

// now is the default of every timestamp: UTC, at the microsecond precision
// both PostgreSQL and SQLite keep, so a value read back equals the value
// written and cursors compare the same on both backends.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
