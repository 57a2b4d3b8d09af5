// Package testproc runs test servers as processes of their own: a command
// of this module, built once per test binary, that prints the address it
// listens on as the first line of its standard output and serves until it
// is killed or its standard input reaches end of file (so it does not
// outlive a test binary that died without killing it). Packages s3test and
// smtptest start theirs through it.
package testproc

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	mu    sync.Mutex
	dir   string
	built = map[string]*build{}
)

type build struct {
	once sync.Once
	bin  string
	err  error
}

// Build builds the command pkg (an import path) once per test binary and
// returns the path of its executable.
func Build(pkg string) (string, error) {
	mu.Lock()
	b := built[pkg]
	if b == nil {
		b = &build{}
		built[pkg] = b
	}
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "facestat-testproc-"); err != nil {
			mu.Unlock()
			return "", err
		}
	}
	d := dir
	mu.Unlock()
	b.once.Do(func() {
		b.bin = filepath.Join(d, path.Base(pkg))
		if out, err := exec.Command("go", "build", "-o", b.bin, pkg).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("testproc: go build %s: %v\n%s", pkg, err, out)
		}
	})
	return b.bin, b.err
}

// Cleanup removes every executable Build made; call it from TestMain once
// the tests have run.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if dir != "" {
		os.RemoveAll(dir)
		dir = ""
		built = map[string]*build{}
	}
}

// Proc is one running server.
type Proc struct {
	Addr string // the host:port it printed

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *lockedBuffer
	once   sync.Once
	done   chan struct{}
}

// Start builds pkg (see Build), runs it with args until the test ends, and
// waits (30 s at most) for the address it prints.
func Start(tb testing.TB, pkg string, args ...string) *Proc {
	tb.Helper()
	bin, err := Build(pkg)
	if err != nil {
		tb.Fatal(err)
	}
	name := path.Base(pkg)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // closing it (or dying) stops the server
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proc{cmd: cmd, stdin: stdin, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("testproc: starting %s: %v", bin, err)
	}
	tb.Cleanup(p.Kill)
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			addrs <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(p.done)
	}()
	select {
	case addr := <-addrs:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			tb.Fatalf("testproc: %s printed %q, not an address; stderr:\n%s", name, addr, p.stderr)
		}
		p.Addr = addr
	case <-p.done:
		tb.Fatalf("testproc: %s exited before listening: %v; stderr:\n%s", name, cmd.ProcessState, p.stderr)
	case <-time.After(30 * time.Second):
		tb.Fatalf("testproc: %s did not print its address within 30 s; stderr:\n%s", name, p.stderr)
	}
	return p
}

// Kill stops the server at once (SIGKILL) and waits for it to exit. It is
// safe to call more than once; the test's cleanup calls it too.
func (p *Proc) Kill() {
	p.once.Do(func() {
		p.cmd.Process.Kill()
		p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
	})
}

// lockedBuffer collects the server's stderr for error messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 1<<20 {
		l.b.Write(p)
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
