package relay_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/internal/testenv"
)

// TestRelayCompilerAcceptsTheSchema compiles a small Relay client
// (testdata/client/src: fragments with @connection, @refetchable
// pagination queries paging both ways over photos, topPhotos and a user's
// photos, refetched through Query.node) against schema.graphql with
// relay-compiler, the version testdata/client/package.json pins. It fails
// when the compiler rejects the schema or the client: a connection
// without last/before or a PageInfo without hasPreviousPage and
// startCursor does. `npm ci` installs the compiler when node_modules lacks
// it; under -short the test is skipped.
func TestRelayCompilerAcceptsTheSchema(t *testing.T) {
	testenv.SkipIfShort(t, "Node.js and relay-compiler (npm)")
	testenv.MustHaveCommand(t, "npm", "the Relay client test runs relay-compiler from npm, with Node.js 20 or later (Debian/Ubuntu: apt-get install nodejs npm)")
	dir, err := filepath.Abs(filepath.Join("testdata", "client"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	compiler := filepath.Join(dir, "node_modules", ".bin", "relay-compiler")
	if _, err := os.Stat(compiler); err != nil {
		cmd := exec.CommandContext(ctx, "npm", "ci", "--prefix", dir, "--no-audit", "--no-fund")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci --prefix %s: %v\n%s", dir, err, out)
		}
	}
	gen := filepath.Join(dir, "__generated__") // relay.config.json's artifactDirectory (ignored by git)
	if err := os.RemoveAll(gen); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(gen, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, compiler)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("relay-compiler rejects schema.graphql or the client: %v\n%s", err, out.String())
	}
	// The pagination queries page both ways.
	for _, name := range []string{"PhotoList_query", "TopPhotos_query"} {
		b, err := os.ReadFile(filepath.Join(gen, name+".graphql.js"))
		if err != nil {
			t.Fatalf("relay-compiler wrote no %s: %v\n%s", name, err, out.String())
		}
		if !strings.Contains(string(b), `"direction": "bidirectional"`) {
			t.Errorf("%s's connection does not page both ways:\n%s", name, b)
		}
	}
}
