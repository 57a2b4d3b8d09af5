// Package s3test runs an S3-compatible server for tests: the fakes3server
// command (gofakes3 with its in-memory backend) as a process of its own,
// built once per test binary. Tests talk to it over real HTTP, as FaceStat
// talks to S3 in production, and can kill it to see how clients cope.
//
// A test binary using it should call Cleanup from its TestMain, after
// m.Run, to remove the built server.
package s3test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// serverPackage is built into the server binary.
const serverPackage = "github.com/facestat/facestat/blob/s3blob/internal/fakes3server"

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

// binary builds the server once per test binary and returns its path.
func binary() (string, error) {
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "facestat-fakes3-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "fakes3server")
		out, err := exec.Command("go", "build", "-o", buildBin, serverPackage).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("s3test: go build %s: %v\n%s", serverPackage, err, out)
		}
	})
	return buildBin, buildErr
}

// Cleanup removes the server binary built by Start; call it from TestMain
// once the tests have run.
func Cleanup() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// Server is one running fake S3 server.
type Server struct {
	// Endpoint is the server's host:port, for s3blob.Options.Endpoint.
	Endpoint string

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *lockedBuffer
	once   sync.Once
	done   chan struct{}
}

// Start runs a fake S3 server until the test ends and returns its endpoint
// (host:port, plain HTTP, any credentials accepted).
func Start(tb testing.TB) string {
	tb.Helper()
	return StartServer(tb).Endpoint
}

// StartServer runs a fake S3 server holding the given buckets (empty) until
// the test ends.
func StartServer(tb testing.TB, buckets ...string) *Server {
	tb.Helper()
	bin, err := binary()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-buckets", strings.Join(buckets, ","))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // closing it (or dying) stops the server
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{cmd: cmd, stdin: stdin, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("s3test: starting %s: %v", bin, err)
	}
	tb.Cleanup(s.Kill)
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			addrs <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(s.done)
	}()
	select {
	case addr := <-addrs:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			tb.Fatalf("s3test: server printed %q, not an address; stderr:\n%s", addr, s.stderr)
		}
		s.Endpoint = addr
	case <-s.done:
		tb.Fatalf("s3test: server exited before listening: %v; stderr:\n%s", cmd.ProcessState, s.stderr)
	case <-time.After(30 * time.Second):
		tb.Fatalf("s3test: server did not print its address within 30 s; stderr:\n%s", s.stderr)
	}
	return s
}

// URL returns the plain-HTTP, path-style URL of an object.
func (s *Server) URL(bucket, object string) string {
	return "http://" + s.Endpoint + "/" + bucket + "/" + object
}

// Kill stops the server at once (SIGKILL) and waits for it to exit. It is
// safe to call more than once; the test's cleanup calls it too.
func (s *Server) Kill() {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		s.stdin.Close()
		select {
		case <-s.done:
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
