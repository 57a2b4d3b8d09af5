// Package smtptest runs an SMTP server for tests: the smtpserver command
// (github.com/emersion/go-smtp, accepting every message) as a process of
// its own, built once per test binary. Tests send to it over real TCP on
// loopback, as FaceStat sends to a relay in production, and read what it
// received.
//
// A test binary using it should call Cleanup from its TestMain, after
// m.Run, to remove the built server.
package smtptest

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const serverPackage = "github.com/facestat/facestat/mail/internal/smtpserver"

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func binary() (string, error) {
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "facestat-smtpserver-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "smtpserver")
		out, err := exec.Command("go", "build", "-o", buildBin, serverPackage).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("smtptest: go build %s: %v\n%s", serverPackage, err, out)
		}
	})
	return buildBin, buildErr
}

// Cleanup removes the server binary; call it from TestMain after m.Run.
func Cleanup() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// Options configure a server.
type Options struct {
	User, Pass string // require AUTH PLAIN with these
	Fail       int    // answer the first Fail messages 451 (a temporary failure)
	TLS        bool   // offer STARTTLS with a self-signed certificate (Server.RootCAs trusts it)
}

// Server is one running SMTP server.
type Server struct {
	Addr string // host:port
	dir  string
	cmd  *exec.Cmd
	in   io.WriteCloser
	once sync.Once
	done chan struct{}
}

// Message is one message the server received.
type Message struct {
	From string   `json:"from"`
	To   []string `json:"to"`
	Data string   `json:"data"` // the message as sent, headers and body
	Auth string   `json:"auth"` // the user that authenticated, if any
}

// URL is the smtp-url that reaches the server, with o's credentials.
func (s *Server) URL(o Options) string {
	if o.User != "" {
		return "smtp://" + o.User + ":" + o.Pass + "@" + s.Addr
	}
	return "smtp://" + s.Addr
}

// Start runs a server until the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	bin, err := binary()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{dir: tb.TempDir(), done: make(chan struct{})}
	s.cmd = exec.Command(bin, "-dir", s.dir, "-user", o.User, "-pass", o.Pass, "-fail", strconv.Itoa(o.Fail), "-tls="+strconv.FormatBool(o.TLS))
	var stderr strings.Builder
	s.cmd.Stderr = &stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("smtptest: starting %s: %v", bin, err)
	}
	tb.Cleanup(s.Stop)
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			addrs <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
		s.cmd.Wait()
		close(s.done)
	}()
	select {
	case addr := <-addrs:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			tb.Fatalf("smtptest: server printed %q, not an address", addr)
		}
		s.Addr = addr
	case <-s.done:
		tb.Fatalf("smtptest: server exited before listening: %v; stderr:\n%s", s.cmd.ProcessState, stderr.String())
	case <-time.After(30 * time.Second):
		tb.Fatal("smtptest: server did not print its address within 30 s")
	}
	return s
}

// RootCAs returns a pool trusting the certificate of a server started
// with TLS.
func (s *Server) RootCAs(tb testing.TB) *x509.CertPool {
	tb.Helper()
	pem, err := os.ReadFile(filepath.Join(s.dir, "cert.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		tb.Fatal("smtptest: cert.pem holds no certificate")
	}
	return pool
}

// Stop kills the server and waits for it; safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		s.in.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
	})
}

// Messages returns what the server received so far, oldest first.
func (s *Server) Messages(tb testing.TB) []Message {
	tb.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := make([]Message, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(s.dir, n))
		if err != nil {
			tb.Fatal(err)
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// Wait returns the messages once the server holds at least n, failing the
// test when they have not arrived within timeout.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ms := s.Messages(tb); len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			tb.Fatalf("smtptest: %d message(s) arrived within %v, want %d", len(s.Messages(tb)), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
