// Package testenv says what a test needs from the machine. A full run
// (`make test`) has everything: scripts/deps installs and starts it, so a
// missing tool fails the test, and a skipped test fails the run. Under
// -short a test that needs a server, a build of the binary or a missing
// tool skips instead.
package testenv

import (
	"os/exec"
	"testing"
)

// SkipIfShort skips tb under -short, saying what it needs (for example
// "PostgreSQL"); in a full run it does nothing.
func SkipIfShort(tb testing.TB, needs string) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("needs " + needs + " (-short)")
	}
}

// MustHaveCommand returns the path of the program name found on PATH. When
// it is missing, tb fails, saying how to install it (install, for example
// "apt-get install redis-server"), or under -short skips.
func MustHaveCommand(tb testing.TB, name, install string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if testing.Short() {
		tb.Skipf("needs %s, which is not on PATH (-short)", name)
	}
	tb.Fatalf("%s is not on PATH: %s (scripts/deps installs everything the tests need; `make test` runs it)", name, install)
	return ""
}
