package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

// postgraphileVersion is the version package.json pins.
const postgraphileVersion = "5.1.5"

// installPostGraphile runs `npm ci` in dir (bench/reads/postgraphile, a
// package of its own, outside the web app's lock) unless its node_modules
// already hold the pinned PostGraphile.
func installPostGraphile(ctx context.Context, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "postgraphile", "package.json"))
	if err == nil {
		var p struct{ Version string }
		if json.Unmarshal(b, &p) == nil && p.Version == postgraphileVersion {
			return nil
		}
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("PostGraphile is not installed in %s and npm is not on PATH: %w", dir, err)
	}
	fmt.Printf("installing PostGraphile %s in %s (npm ci) ...\n", postgraphileVersion, dir)
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return nil
}

// nodeServer is the running PostGraphile process.
type nodeServer struct {
	URL  string // http://127.0.0.1:PORT/graphql
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	tail []string
	once sync.Once
}

var postgraphileRE = regexp.MustCompile(`postgraphile is running at (http://\S+)`)

// startPostGraphile runs `node --require ./polyfill.cjs server.js` in dir
// on the database at dbURL, with NODE_ENV=production, and returns once it
// listens.
func startPostGraphile(ctx context.Context, dir, dbURL string) (*nodeServer, error) {
	cmd := exec.Command("node", "--require", "./polyfill.cjs", "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "PORT=0", "NODE_ENV=production")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &nodeServer{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.tail = append(s.tail, line)
			if len(s.tail) > 50 {
				s.tail = s.tail[1:]
			}
			s.mu.Unlock()
			if m := postgraphileRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
		cmd.Wait()
		close(s.done)
	}()
	select {
	case s.URL = <-urls:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("postgraphile exited before listening:\n%s", s.output())
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, fmt.Errorf("postgraphile did not listen within 60 s:\n%s", s.output())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

func (s *nodeServer) pid() int { return s.cmd.Process.Pid }

func (s *nodeServer) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

func (s *nodeServer) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *nodeServer) stop() {
	s.once.Do(func() { benchkit.Terminate(s.cmd.Process, s.done, 10*time.Second) })
}
