package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/facestat/facestat/blob/s3blob/s3test"
	"github.com/facestat/facestat/mail/smtptest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	// Run the in-process servers in a zone that is not UTC, so that any
	// time stored in local time (and compared as text by SQLite) shows.
	time.Local = time.FixedZone("UTC-5", -5*60*60)
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	s3test.Cleanup()   // the fake S3 server's binary
	smtptest.Cleanup() // the test SMTP server's binary
	os.Exit(code)
}

// facestatBinary builds cmd/facestat once per test run.
func facestatBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "facestat-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "facestat")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/facestat/facestat/cmd/facestat").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is a facestat process started by a test.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	mu     sync.Mutex
	out    bytes.Buffer
	done   chan error
	exited atomic.Bool // set once Wait has returned
}

var runningRE = regexp.MustCompile(`FaceStat is running at (http://\S+)`)

// startProcess runs `facestat serve` with the test settings plus env, on a
// free port, and returns once it has printed its URL. The process is
// killed when the test ends if it is still running.
func startProcess(t *testing.T, env map[string]string) *proc {
	t.Helper()
	cmd := exec.Command(facestatBinary(t), "serve")
	cmd.Env = append(os.Environ(), "FACESTAT_ADDR=127.0.0.1:0", "FACESTAT_DATA_DIR="+t.TempDir(), "FACESTAT_LOG_LEVEL=info")
	for k, v := range testSettings {
		if k != "FACESTAT_LOG_LEVEL" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			if m := runningRE.FindStringSubmatch(line); m != nil {
				urls <- m[1]
			}
		}
		err := cmd.Wait()
		p.exited.Store(true)
		p.done <- err
	}()
	t.Cleanup(func() {
		if !p.exited.Load() {
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", p.URL, p.output())
		}
	})
	select {
	case p.URL = <-urls:
	case err := <-p.done:
		t.Fatalf("facestat exited before listening: %v\n%s", err, p.output())
	case <-time.After(90 * time.Second):
		t.Fatalf("facestat did not start listening within 90 s\n%s", p.output())
	}
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitReady polls /readyz until it answers 200.
func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		res, err := http.Get(p.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never became ready\n%s", p.URL, p.output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and returns the exit error.
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("facestat did not stop within 30 s of SIGTERM\n%s", p.output())
		return nil
	}
}

// latestMigration is the version of the newest migration file.
func latestMigration(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("../db/migrations/postgres/*.up.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	name := filepath.Base(files[len(files)-1])
	return name[:strings.IndexByte(name, '_')]
}
