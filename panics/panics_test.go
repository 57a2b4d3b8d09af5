package panics_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/panics"
)

// TestRecover: a panic stops at Recover, is logged as a panic in what with
// its value and stack, and then is called with the value; no panic, no log.
func TestRecover(t *testing.T) {
	var out bytes.Buffer // Recover runs on this goroutine
	log := slog.New(slog.NewTextHandler(&out, nil))
	var got any
	func() {
		defer panics.Recover(log, "the test", func(v any) { got = v })
		panic("boom")
	}()
	if got != "boom" {
		t.Errorf("then got %v, want boom", got)
	}
	if l := out.String(); !strings.Contains(l, `msg="panic in the test"`) || !strings.Contains(l, "panic=boom") || !strings.Contains(l, "panics_test.go") {
		t.Errorf("log: %s", l)
	}
	out.Reset()
	func() { defer panics.Recover(log, "the test", func(any) { t.Error("then called without a panic") }) }()
	if out.String() != "" {
		t.Errorf("logged without a panic: %s", out.String())
	}
	// Outside HTTP, even http.ErrAbortHandler is only logged.
	func() {
		defer panics.Recover(log, "a goroutine", nil)
		panic(http.ErrAbortHandler)
	}()
}

// TestRecoverHandler: in a handler, http.ErrAbortHandler goes on to the
// server; any other panic is recovered.
func TestRecoverHandler(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var passed any
	func() {
		defer func() { passed = recover() }()
		func() {
			defer panics.RecoverHandler(log, "a handler", func(any) { t.Error("ErrAbortHandler was recovered") })
			panic(http.ErrAbortHandler)
		}()
	}()
	if passed != http.ErrAbortHandler {
		t.Errorf("ErrAbortHandler did not go on: %v", passed)
	}
	recovered := false
	func() {
		defer panics.RecoverHandler(log, "a handler", func(any) { recovered = true })
		panic("bug")
	}()
	if !recovered {
		t.Error("a panic in a handler was not recovered")
	}
}

// lines is a log sink handing each line to a channel.
type lines chan string

func (l lines) Write(b []byte) (int, error) {
	l <- string(b)
	return len(b), nil
}

// TestGo: a goroutine's panic is logged, and the process goes on.
func TestGo(t *testing.T) {
	out := make(lines, 1)
	panics.Go(slog.New(slog.NewTextHandler(out, nil)), "a job", func() { panic("job bug") })
	select {
	case l := <-out:
		if !strings.Contains(l, `msg="panic in a job"`) || !strings.Contains(l, "panic=\"job bug\"") {
			t.Errorf("log: %s", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the goroutine's panic was not logged")
	}
}
