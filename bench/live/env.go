package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/lib/pq" // registers "postgres"

	"github.com/facestat/facestat/bench/benchkit"
)

// fileLimit is the most file descriptors a process may hold here; the
// server and the client processes inherit it.
const fileLimit = 20000

// raiseFileLimit sets RLIMIT_NOFILE to fileLimit (or the hard limit, if
// lower) in this process, so that every child inherits it. Go raises its
// own soft limit at start-up but restores the original for the processes
// it starts, unless the program sets the limit itself, as here.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	want := uint64(fileLimit)
	if l.Max < want {
		want = l.Max
	}
	l.Cur = want
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	return want, nil
}

// childAttr makes a child die with this process and keeps it out of the
// terminal's process group, so that Ctrl-C reaches only this process,
// which then stops its children in order.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// ---------------------------------------------------------------- database

// createDatabase creates a database of the run's own on the server at
// serverURL, which must be on loopback.
func createDatabase(serverURL string) (*benchkit.Database, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, err
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("the PostgreSQL server must be on loopback, not %q", u.Hostname())
	}
	return benchkit.CreateDatabase(serverURL, "facestat_live_")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func postgresVersion(serverURL string) string {
	db, err := sql.Open("postgres", serverURL)
	if err != nil {
		return "PostgreSQL ?"
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SHOW server_version").Scan(&v); err != nil {
		return "PostgreSQL ?"
	}
	return "PostgreSQL " + strings.Fields(v)[0]
}

// ---------------------------------------------------------------- redis

type redisServer struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	once sync.Once
}

// startRedis runs `redis-server` on a free loopback port, without
// persistence, and waits until it answers PING.
func startRedis(ctx context.Context, dir string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--maxclients", "1000")
	cmd.SysProcAttr = childAttr()
	logf, err := os.Create(dir + "/redis.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting redis-server (is it installed?): %w", err)
	}
	r := &redisServer{cmd: cmd, url: fmt.Sprintf("redis://127.0.0.1:%d/0", port), done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(r.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if redisPing(port) == nil {
			return r, nil
		}
		select {
		case <-r.done:
			b, _ := os.ReadFile(dir + "/redis.log")
			return nil, fmt.Errorf("redis-server exited:\n%s", b)
		case <-ctx.Done():
			r.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.stop()
			return nil, errors.New("redis-server did not answer PING within 10 s")
		}
	}
}

func redisPing(port int) error {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("redis answered %q", line)
	}
	return nil
}

// stop sends SIGTERM and waits for redis-server, killing it after 10 s.
func (r *redisServer) stop() {
	r.once.Do(func() { benchkit.Terminate(r.cmd.Process, r.done, 10*time.Second) })
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "Redis ?"
	}
	if m := regexp.MustCompile(`v=(\S+)`).FindSubmatch(out); m != nil {
		return "Redis " + string(m[1])
	}
	return "Redis ?"
}

// ---------------------------------------------------------------- server

// vmRSS returns a process's resident set size in bytes, from
// /proc/PID/status.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}

// benchOperatorToken opens the server's /metrics to this program.
const benchOperatorToken = "bench-live-operator-token-0123456789abcdef"

// goMemory is what the server's Go runtime holds, from its /metrics.
type goMemory struct {
	heap, stack, goroutines float64 // heap in use, goroutine stacks in use (bytes), goroutines
}

// readGoMemory reads the server's heap, stacks and goroutines from
// /metrics after a GC (the Go collector reads runtime/metrics on demand;
// the heap figure includes what the next GC would free, so take two
// readings a moment apart and keep the lower).
func readGoMemory(baseURL string) (goMemory, error) {
	var best goMemory
	for i := range 2 {
		if i > 0 {
			time.Sleep(time.Second)
		}
		req, err := http.NewRequest(http.MethodGet, baseURL+"/metrics", nil)
		if err != nil {
			return best, err
		}
		req.Header.Set("Authorization", "Bearer "+benchOperatorToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return best, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return best, err
		}
		if resp.StatusCode != http.StatusOK {
			return best, fmt.Errorf("/metrics: HTTP %d", resp.StatusCode)
		}
		var m goMemory
		for line := range strings.SplitSeq(string(body), "\n") {
			name, val, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				continue
			}
			switch name {
			case "go_memstats_heap_inuse_bytes":
				m.heap = v
			case "go_memstats_stack_inuse_bytes":
				m.stack = v
			case "go_goroutines":
				m.goroutines = v
			}
		}
		if i == 0 || m.heap < best.heap {
			best = m
		}
	}
	return best, nil
}
