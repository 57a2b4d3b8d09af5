package testenv_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/facestat/facestat/internal/testenv"
)

// recorder is a testing.TB whose Fatalf and Skipf record their message
// and end the goroutine, as testing.T's do, without ending the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// mustHaveCommand calls testenv.MustHaveCommand on its own goroutine, as
// a test would, and returns what it returned and recorded.
func mustHaveCommand(t *testing.T, name, install string) (path string, r *recorder) {
	r = &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		path = testenv.MustHaveCommand(r, name, install)
	}()
	<-done
	return path, r
}

func TestMustHaveCommand(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		if path, r := mustHaveCommand(t, "go", "install Go"); path == "" || r.fatal != "" || r.skip != "" {
			t.Errorf("go: path %q, fatal %q, skip %q", path, r.fatal, r.skip)
		}
	})
	t.Run("ErrMissing", func(t *testing.T) {
		_, r := mustHaveCommand(t, "facestat-no-such-tool", "apt-get install facestat-no-such-tool")
		if testing.Short() {
			if r.fatal != "" || !strings.Contains(r.skip, "facestat-no-such-tool") {
				t.Errorf("under -short: fatal %q, skip %q; want a skip naming the tool", r.fatal, r.skip)
			}
			return
		}
		if r.skip != "" || !strings.Contains(r.fatal, "apt-get install facestat-no-such-tool") {
			t.Errorf("fatal %q, skip %q; want a failure saying how to install the tool", r.fatal, r.skip)
		}
	})
}
