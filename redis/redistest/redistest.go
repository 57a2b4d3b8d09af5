// Package redistest starts a redis-server of a test's own on a free port
// (never the machine's shared one: pub/sub ignores databases, and a test
// that stops Redis would break every other test).
package redistest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/internal/testenv"
)

// Start runs redis-server until the test ends and returns its URL. Under
// -short it skips the test.
func Start(tb testing.TB) string {
	tb.Helper()
	testenv.SkipIfShort(tb, "a redis-server of its own")
	bin := testenv.MustHaveCommand(tb, "redis-server", "apt-get install redis-server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	opts, _ := goredis.ParseURL(url)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	for deadline := time.Now().Add(10 * time.Second); rdb.Ping(context.Background()).Err() != nil; {
		if time.Now().After(deadline) {
			tb.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond) // polling, with the deadline above
	}
	return url
}
