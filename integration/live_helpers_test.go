package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/internal/testenv"
)

// ---- a redis-server of the test's own ----

// redisServer is a redis-server process owned by one test, on a free
// loopback port (never the machine's 6379), persisting nothing. It can be
// killed and started again on the same port.
type redisServer struct {
	t    *testing.T
	bin  string
	dir  string
	Port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  bytes.Buffer
}

// redisServerBinary finds redis-server: under -short its absence skips the
// test; otherwise it fails with how to install it.
func redisServerBinary(t *testing.T) string {
	t.Helper()
	return testenv.MustHaveCommand(t, "redis-server", "Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis")
}

// startRedis starts a redis-server on a free port and stops it when the
// test ends.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	r := &redisServer{t: t, bin: redisServerBinary(t), dir: t.TempDir()}
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("redis-server output:\n%s", r.output())
		}
	})
	var err error
	for range 5 { // the free port may be taken between choosing and binding it
		r.Port = freePort(t)
		if err = r.start(); err == nil {
			return r
		}
	}
	t.Fatalf("starting redis-server: %v\n%s", err, r.output())
	return nil
}

// URL is the Redis URL FaceStat is given.
func (r *redisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port) }

func (r *redisServer) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// start runs redis-server on r.Port and returns once it answers PING.
func (r *redisServer) start() error {
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--protected-mode", "yes")
	w := lockedWriter{&r.mu, &r.out}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()

	rdb := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.Port), MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited: %v", r.Port, err)
		default:
		}
		if time.Now().After(deadline) {
			r.kill()
			return fmt.Errorf("redis-server on port %d does not answer PING: %v", r.Port, err)
		}
		time.Sleep(20 * time.Millisecond) // polling, with the deadline above
	}
}

// restart starts redis-server again on the same port.
func (r *redisServer) restart() {
	r.t.Helper()
	if err := r.start(); err != nil {
		r.t.Fatalf("restarting redis-server on port %d: %v", r.Port, err)
	}
}

// kill ends redis-server with SIGKILL (no shutdown, as in a crash) and
// waits until it is gone.
func (r *redisServer) kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		r.t.Errorf("redis-server (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// liveRedisPrefix is a key and channel prefix no other test shares.
func liveRedisPrefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "facestat_test_" + hex.EncodeToString(b) + ":"
}

// ---- two facestat processes sharing PostgreSQL and Redis ----

// startLivePair starts two `facestat serve` processes on one database and
// one Redis and returns once both are ready and subscribed to Redis.
func startLivePair(t *testing.T, settings map[string]string) (a, b *proc) {
	t.Helper()
	facestatBinary(t)
	a = startProcess(t, settings) // A migrates the empty database first
	b = startProcess(t, settings)
	for _, p := range []*proc{a, b} {
		t.Cleanup(func() { p.terminate(t) }) // before startProcess's own cleanup
		p.waitReady(t)
		p.waitLog(t, `"redis subscription established"`, 1, 30*time.Second)
	}
	return a, b
}

// terminate stops the process with SIGTERM, if it still runs, and reports
// an unclean exit.
func (p *proc) terminate(t *testing.T) {
	t.Helper()
	if !p.running() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("%s: exit after SIGTERM: %v", p.URL, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30 s of SIGTERM", p.URL)
	}
}

// waitLog waits until the process has logged a line containing s at least
// n times.
func (p *proc) waitLog(t *testing.T, s string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(p.output(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %s %d times within %s\n%s", p.URL, s, n, timeout, p.output())
		}
		time.Sleep(20 * time.Millisecond) // polling, with the deadline above
	}
}

// running reports whether the process has not exited.
func (p *proc) running() bool {
	select {
	case err := <-p.done:
		p.done <- err // leave it for stop
		return false
	default:
		return true
	}
}

// liveUpload uploads a small photo as token's account and returns its id.
func liveUpload(t *testing.T, e *env, token string, public bool) string {
	t.Helper()
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.upload(t, token, "face.jpg", imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft), public).decode(t, &up)
	return up.UploadPhoto.Photo.ID
}

const liveCastVote = `mutation($id: ID!, $a: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $a}) { photo { voteCount } } }`

// liveVote casts judge's vote with the given age and returns the response.
func liveVote(t *testing.T, e *env, judge, photoID string, age int) *response {
	t.Helper()
	return e.do(t, request{Token: judge, Query: liveCastVote,
		Vars: map[string]any{"id": photoID, "a": answers(age, 5, age%2 == 0, "calm")}})
}

// ---- the Node clients in integration/wsclient ----

var (
	wsclientOnce sync.Once
	wsclientErr  error
)

// wsclientDeps are the packages subscribe.mjs needs (package.json pins them).
var wsclientDeps = []string{"graphql", "graphql-ws", "subscriptions-transport-ws", "ws"}

// ensureWSClient makes integration/wsclient runnable: node must be on
// PATH, and `npm ci` installs the pinned packages when node_modules lacks
// them. Under -short the test is skipped instead.
func ensureWSClient(t *testing.T) string {
	t.Helper()
	testenv.SkipIfShort(t, "Node.js and the npm packages of integration/wsclient")
	for _, tool := range []string{"node", "npm"} {
		testenv.MustHaveCommand(t, tool, "the live-results tests drive real GraphQL WebSocket clients with Node.js 20 or later (Debian/Ubuntu: apt-get install nodejs npm)")
	}
	dir, err := filepath.Abs("wsclient")
	if err != nil {
		t.Fatal(err)
	}
	wsclientOnce.Do(func() {
		missing := false
		for _, dep := range wsclientDeps {
			if _, err := os.Stat(filepath.Join(dir, "node_modules", dep, "package.json")); err != nil {
				missing = true
			}
		}
		if !missing {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--prefix", dir, "--no-audit", "--no-fund")
		if out, err := cmd.CombinedOutput(); err != nil {
			wsclientErr = fmt.Errorf("npm ci --prefix %s: %v\n%s", dir, err, out)
		}
	})
	if wsclientErr != nil {
		t.Fatal(wsclientErr)
	}
	return dir
}

// nodeEvent is one line subscribe.mjs prints.
type nodeEvent struct {
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
	Error   json.RawMessage `json:"error"`
	Code    *int            `json:"code"`
	Reason  string          `json:"reason"`
}

// nodeSub is one subscribe.mjs process: a real client library holding one
// subscription.
type nodeSub struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan nodeEvent
	done   chan struct{}
	mu     sync.Mutex
	stderr bytes.Buffer
}

// startNodeSub runs subscribe.mjs with protocol ("graphql-transport-ws":
// the graphql-ws package; "graphql-ws": subscriptions-transport-ws) against
// base, subscribing to photoStats of photoID with token.
func startNodeSub(t *testing.T, protocol, base, token, photoID string) *nodeSub {
	t.Helper()
	dir := ensureWSClient(t)
	cfg, _ := json.Marshal(map[string]any{"url": wsURL(base), "protocol": protocol, "token": token,
		"query": photoStatsSubscription, "variables": map[string]any{"id": photoID}})
	cmd := exec.Command("node", filepath.Join(dir, "subscribe.mjs"), string(cfg))
	cmd.Dir = dir
	n := &nodeSub{t: t, name: protocol, cmd: cmd, events: make(chan nodeEvent, 1024), done: make(chan struct{})}
	cmd.Stderr = lockedWriter{&n.mu, &n.stderr}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if n.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(n.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev nodeEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = nodeEvent{Event: "fatal", Error: json.RawMessage(strconv.Quote("not JSON: " + sc.Text()))}
			}
			n.events <- ev
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		n.stdin.Close() // the script disposes of its client and exits
		select {
		case <-n.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-n.done
		}
		if t.Failed() {
			n.mu.Lock()
			t.Logf("stderr of the %s client:\n%s", n.name, n.stderr.String())
			n.mu.Unlock()
		}
	})
	return n
}

// next returns the next event, failing the test after timeout.
func (n *nodeSub) next(timeout time.Duration) nodeEvent {
	n.t.Helper()
	select {
	case ev := <-n.events:
		return ev
	case <-time.After(timeout):
		n.t.Fatalf("%s client: no event within %s", n.name, timeout)
	case <-n.done:
		select {
		case ev := <-n.events:
			return ev
		default:
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		n.t.Fatalf("%s client exited: %v\n%s", n.name, n.cmd.ProcessState, n.stderr.String())
	}
	return nodeEvent{}
}

// nextStats returns the photoStats of the next result, skipping the
// connection event and failing on anything else.
func (n *nodeSub) nextStats(timeout time.Duration) liveStats {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ev := n.next(time.Until(deadline))
		switch ev.Event {
		case "connected":
			continue
		case "next":
			var r gqlResult
			if err := json.Unmarshal(ev.Payload, &r); err != nil || len(r.Errors) > 0 || r.Data == nil || r.Data.PhotoStats == nil {
				n.t.Fatalf("%s client: result %s (%v)", n.name, ev.Payload, err)
			}
			return *r.Data.PhotoStats
		default:
			n.t.Fatalf("%s client: got %s %s %s (code %v %q), want a result", n.name, ev.Event, ev.Payload, ev.Error, ev.Code, ev.Reason)
		}
	}
}

// pendingEvents returns the events already printed and not yet taken.
func (n *nodeSub) pendingEvents() []nodeEvent {
	var out []nodeEvent
	for {
		select {
		case ev := <-n.events:
			out = append(out, ev)
		default:
			return out
		}
	}
}
