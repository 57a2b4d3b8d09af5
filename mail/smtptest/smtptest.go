// Package smtptest runs an SMTP server for tests: the smtpserver command
// (github.com/emersion/go-smtp, accepting every message) as a process of
// its own, built once per test binary (package testproc). Tests send to it over real TCP on
// loopback, as FaceStat sends to a relay in production, and read what it
// received.
//
// A test binary using it should call Cleanup from its TestMain, after
// m.Run, to remove the built server.
package smtptest

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/internal/testproc"
)

const serverPackage = "github.com/facestat/facestat/mail/internal/smtpserver"

// Cleanup removes the server binary; call it from TestMain after m.Run.
func Cleanup() { testproc.Cleanup() }

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
	proc *testproc.Proc
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
	s := &Server{dir: tb.TempDir()}
	s.proc = testproc.Start(tb, serverPackage, "-addr", "127.0.0.1:0", "-dir", s.dir, "-user", o.User, "-pass", o.Pass,
		"-fail", strconv.Itoa(o.Fail), "-tls="+strconv.FormatBool(o.TLS))
	s.Addr = s.proc.Addr
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
func (s *Server) Stop() { s.proc.Kill() }

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
