package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/lib/pq" // registers "postgres"
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

// createDatabase creates a randomly named database on the server at
// serverURL, which must be on loopback, and returns its URL and a function
// that drops it WITH (FORCE).
func createDatabase(serverURL string) (dbURL, name string, drop func(), err error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", "", nil, err
	}
	if !isLoopback(u.Hostname()) {
		return "", "", nil, fmt.Errorf("the PostgreSQL server must be on loopback, not %q", u.Hostname())
	}
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		return "", "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name = "facestat_live_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return "", "", nil, fmt.Errorf("creating the benchmark database (is PostgreSQL running at %s?): %w", u.Redacted(), err)
	}
	u.Path = "/" + name
	var once sync.Once
	drop = func() {
		once.Do(func() {
			if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
				fmt.Fprintf(os.Stderr, "live: dropping %s: %v\n", name, err)
			} else {
				fmt.Printf("dropped database %s\n", name)
			}
			admin.Close()
		})
	}
	return u.String(), name, drop, nil
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

func (r *redisServer) stop() {
	r.once.Do(func() {
		r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			r.cmd.Process.Kill()
			<-r.done
		}
	})
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

type server struct {
	cmd     *exec.Cmd
	url     string
	mu      sync.Mutex
	tail    []string // last lines of output
	done    chan struct{}
	stopped sync.Once
}

// startServer runs `bin serve` with env added to this process's
// environment and returns once /readyz answers 200.
func startServer(ctx context.Context, bin string, env map[string]string) (*server, error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = childAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	running := regexp.MustCompile(`FaceStat is running at (http://\S+)`)
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
			if m := running.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	select {
	case s.url = <-urls:
	case <-s.done:
		return nil, fmt.Errorf("facestat exited before listening:\n%s", s.output())
	case <-time.After(90 * time.Second):
		s.stop()
		return nil, fmt.Errorf("facestat did not listen within 90 s:\n%s", s.output())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("facestat never became ready:\n%s", s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// stop sends SIGTERM and waits for the process, killing it after 20 s.
func (s *server) stop() {
	s.stopped.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

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

// ---------------------------------------------------------------- machine

func describeMachine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

// describeTree names the commit the working tree is at, and whether it has
// changes of its own.
func describeTree() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "not a git checkout"
	}
	return "commit " + strings.TrimSpace(string(out))
}
