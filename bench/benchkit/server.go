package benchkit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BuildFacestat builds github.com/facestat/facestat/cmd/facestat from the
// working tree into dir, saying so on stdout, and returns the binary's path.
func BuildFacestat(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "facestat")
	fmt.Printf("building facestat from this working tree (%s) ...\n", DescribeTree())
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/facestat/facestat/cmd/facestat").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// ServerEnv is the environment of a benchmark's `facestat serve`: the
// database at dbURL, a free loopback port, data in dataDir, anonymous
// sessions not rate-limited, no cost budgets, warnings only, a pool of
// pool connections and a quota of photoQuota photos per account. Callers
// add to it.
func ServerEnv(dbURL, dataDir string, pool, photoQuota int) map[string]string {
	return map[string]string{
		"FACESTAT_DATABASE_URL":      dbURL,
		"FACESTAT_ADDR":              "127.0.0.1:0",
		"FACESTAT_DATA_DIR":          dataDir,
		"FACESTAT_RATE_ANON_SESSION": "0/1s",
		"FACESTAT_RATE_VOTE":         "0/1s",
		"FACESTAT_RATE_VOTE_IP":      "0/1s",
		"FACESTAT_RATE_UPLOAD_IP":    "0/1s",
		"FACESTAT_BUDGET_IP":         "0/1s", // the load comes from one address, far faster than people
		"FACESTAT_BUDGET_SESSION":    "0/1s",
		"FACESTAT_BUDGET_ACCOUNT":    "0/1s",
		"FACESTAT_LOG_LEVEL":         "warn",
		"FACESTAT_DB_MAX_CONNS":      strconv.Itoa(pool),
		"FACESTAT_PHOTO_QUOTA":       strconv.Itoa(photoQuota),
	}
}

// Server is a running `facestat serve` process.
type Server struct {
	URL string // base URL, from the server's "FaceStat is running at" line

	cmd     *exec.Cmd
	mu      sync.Mutex
	tail    []string // last lines of output
	done    chan struct{}
	stopped sync.Once
}

var runningRE = regexp.MustCompile(`FaceStat is running at (http://\S+)`)

// StartServer runs `bin serve` with env added to this process's
// environment (and attr, if not nil, as its process attributes), reads its
// URL from its output and returns once /readyz answers 200.
func StartServer(ctx context.Context, bin string, env map[string]string, attr *syscall.SysProcAttr) (*Server, error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = attr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.tail = append(s.tail, line)
			if len(s.tail) > 50 {
				s.tail = s.tail[1:]
			}
			s.mu.Unlock()
			if m := runningRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out) // never let a full pipe block the server
		cmd.Wait()
		close(s.done)
	}()
	select {
	case s.URL = <-urls:
	case <-s.done:
		return nil, fmt.Errorf("facestat exited before listening:\n%s", s.Output())
	case <-time.After(90 * time.Second):
		s.Stop()
		return nil, fmt.Errorf("facestat did not listen within 90 s:\n%s", s.Output())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Stop()
			return nil, fmt.Errorf("facestat never became ready:\n%s", s.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Exited reports whether the server's process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Output is the last lines the server wrote (stdout and stderr).
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// Stop sends SIGTERM and waits for the process, killing it after 20 s.
// Only the first call does anything.
func (s *Server) Stop() {
	s.stopped.Do(func() { Terminate(s.cmd.Process, s.done, 20*time.Second) })
}

// Terminate sends p SIGTERM and waits until done is closed (by whoever
// waits for p), killing p if that takes longer than grace.
func Terminate(p *os.Process, done <-chan struct{}, grace time.Duration) {
	p.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		p.Kill()
		<-done
	}
}

// StartPerf starts `perf record -a -g` of the whole machine for seconds
// into file; wait for the returned command to have the recording.
func StartPerf(file string, seconds int) (*exec.Cmd, error) {
	perf := exec.Command("perf", "record", "-e", "cpu-clock", "-F", "499", "-a", "-g", "-o", file,
		"--", "sleep", strconv.Itoa(seconds))
	perf.Stdout, perf.Stderr = io.Discard, os.Stderr
	if err := perf.Start(); err != nil {
		return nil, err
	}
	return perf, nil
}
