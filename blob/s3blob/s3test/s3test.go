// Package s3test runs an S3-compatible server for tests: the fakes3server
// command (gofakes3 with its in-memory backend) as a process of its own,
// built once per test binary (package testproc). Tests talk to it over
// real HTTP, as FaceStat talks to S3 in production, and can kill it to see
// how clients cope.
//
// A test binary using it should call Cleanup from its TestMain, after
// m.Run, to remove the built server.
package s3test

import (
	"strings"
	"testing"

	"github.com/facestat/facestat/internal/testproc"
)

// serverPackage is built into the server binary.
const serverPackage = "github.com/facestat/facestat/blob/s3blob/internal/fakes3server"

// Cleanup removes the server binary built by Start; call it from TestMain
// once the tests have run.
func Cleanup() { testproc.Cleanup() }

// Server is one running fake S3 server.
type Server struct {
	// Endpoint is the server's host:port, for s3blob.Options.Endpoint.
	Endpoint string

	proc *testproc.Proc
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
	p := testproc.Start(tb, serverPackage, "-addr", "127.0.0.1:0", "-buckets", strings.Join(buckets, ","))
	return &Server{Endpoint: p.Addr, proc: p}
}

// URL returns the plain-HTTP, path-style URL of an object.
func (s *Server) URL(bucket, object string) string {
	return "http://" + s.Endpoint + "/" + bucket + "/" + object
}

// Kill stops the server at once (SIGKILL) and waits for it to exit. It is
// safe to call more than once; the test's cleanup calls it too.
func (s *Server) Kill() { s.proc.Kill() }
