package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

// fleet is the client processes holding the subscribers.
type fleet struct {
	children []*child
	photoIdx map[string]int32 // photo global id → index

	mu      sync.Mutex
	samples []sample
	drops   map[string]int
}

type sample struct {
	photo int32
	count int32
	recv  int64 // unix nanos
}

type child struct {
	idx   int
	ip    string
	subs  int
	cmd   *exec.Cmd
	stdin io.WriteCloser
	marks chan markMsg
	done  chan struct{} // stdout drained and the process waited for
	once  sync.Once

	mu       sync.Mutex
	progress progressMsg
	final    *finalMsg
}

// sourceIP is client i's source address: 127.0.0.2, 127.0.0.3, ...
func sourceIP(i int) string {
	n := 2 + i
	return net.IPv4(127, 0, byte(n>>8), byte(n)).String()
}

// startClients starts o.clients processes of this program in the client
// role. Subscriber g subscribes to photo g % K, goes to client g % clients,
// and is sampled when (g / K) % sampleEvery == 0, so every photo has
// sampled subscribers.
func startClients(o options, wsURL string, photos, tokens []string) (*fleet, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f := &fleet{drops: map[string]int{}, photoIdx: map[string]int32{}}
	for i, id := range photos {
		f.photoIdx[id] = int32(i)
	}
	specs := make([][]subSpec, o.clients)
	for g := range o.subscribers {
		specs[g%o.clients] = append(specs[g%o.clients], subSpec{G: g, Photo: g % len(photos), Sampled: (g/len(photos))%o.sampleEvery == 0})
	}
	for i := range o.clients {
		cfg := clientConfig{URL: wsURL, LocalIP: sourceIP(i), Photos: photos, Subs: specs[i], Tokens: tokens, Concurrency: o.dialConc}
		ch, err := f.start(exe, i, cfg)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.children = append(f.children, ch)
	}
	return f, nil
}

func (f *fleet) start(exe string, i int, cfg clientConfig) (*child, error) {
	cmd := exec.Command(exe, "-role=client")
	cmd.SysProcAttr = childAttr()
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ch := &child{idx: i, ip: cfg.LocalIP, subs: len(cfg.Subs), cmd: cmd, stdin: stdin, marks: make(chan markMsg, 4), done: make(chan struct{})}
	go func() {
		defer close(ch.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			f.handle(ch, sc.Bytes())
		}
		cmd.Wait()
	}()
	b, _ := json.Marshal(cfg)
	if _, err := stdin.Write(append(b, '\n')); err != nil {
		return ch, fmt.Errorf("configuring client %d: %w", i, err)
	}
	return ch, nil
}

func (f *fleet) handle(ch *child, line []byte) {
	var head struct {
		T       string `json:"t"`
		PhotoID string `json:"photoId"`
		N       int64  `json:"n"`
		R       int64  `json:"r"`
	}
	if err := json.Unmarshal(line, &head); err != nil || head.T == "" {
		fmt.Fprintf(os.Stderr, "client %d: %s\n", ch.idx, line)
		return
	}
	switch head.T {
	case "m":
		p, ok := f.photoIdx[head.PhotoID]
		if !ok {
			fmt.Fprintf(os.Stderr, "client %d: message for an unknown photo: %s\n", ch.idx, line)
			return
		}
		f.mu.Lock()
		f.samples = append(f.samples, sample{photo: p, count: int32(head.N), recv: head.R})
		f.mu.Unlock()
	case "progress":
		var p progressMsg
		json.Unmarshal(line, &p)
		ch.mu.Lock()
		ch.progress = p
		ch.mu.Unlock()
	case "mark":
		var m markMsg
		json.Unmarshal(line, &m)
		select {
		case ch.marks <- m:
		default:
		}
	case "drop":
		var d dropMsg
		json.Unmarshal(line, &d)
		f.mu.Lock()
		f.drops[d.Why]++
		f.mu.Unlock()
	case "final":
		var m finalMsg
		json.Unmarshal(line, &m)
		ch.mu.Lock()
		ch.final = &m
		ch.mu.Unlock()
	}
}

type setupState struct {
	est, fail int64
	done      bool
	errs      map[string]int
}

func (f *fleet) state() setupState {
	s := setupState{done: true, errs: map[string]int{}}
	for _, ch := range f.children {
		ch.mu.Lock()
		p := ch.progress
		ch.mu.Unlock()
		s.est += p.Est
		s.fail += p.Fail
		s.done = s.done && p.Done
		for k, v := range p.Errs {
			s.errs[k] += v
		}
	}
	return s
}

// waitEstablished waits until every client has tried all its sockets.
func (f *fleet) waitEstablished(ctx context.Context, total int, timeout time.Duration, srv *benchkit.Server) (setupState, error) {
	deadline := time.Now().Add(timeout)
	lastPrint := time.Now()
	for {
		s := f.state()
		if s.done {
			return s, nil
		}
		if time.Since(lastPrint) >= 3*time.Second {
			fmt.Printf("  sockets: %d/%d subscribed, %d failed\n", s.est, total, s.fail)
			lastPrint = time.Now()
		}
		for _, ch := range f.children {
			select {
			case <-ch.done:
				return s, fmt.Errorf("client %d exited while opening its sockets", ch.idx)
			default:
			}
		}
		if srv.Exited() {
			return s, fmt.Errorf("facestat exited while the sockets opened:\n%s", srv.Output())
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("the sockets were not all open after %s: %d subscribed, %d failed", timeout, s.est, s.fail)
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// mark asks every client how many messages it has received so far.
func (f *fleet) mark() (int64, error) {
	for _, ch := range f.children {
		if _, err := io.WriteString(ch.stdin, "mark\n"); err != nil {
			return 0, fmt.Errorf("client %d: %w", ch.idx, err)
		}
	}
	var n int64
	for _, ch := range f.children {
		select {
		case m := <-ch.marks:
			n += m.N
		case <-ch.done:
			return 0, fmt.Errorf("client %d exited", ch.idx)
		case <-time.After(15 * time.Second):
			return 0, errors.New("a client did not answer mark within 15 s")
		}
	}
	return n, nil
}

// stop tells every client to close its sockets and waits for their final
// reports, killing those that do not exit within 20 s.
func (f *fleet) stop() {
	for _, ch := range f.children {
		ch.once.Do(func() {
			io.WriteString(ch.stdin, "stop\n")
			ch.stdin.Close()
		})
	}
	deadline := time.After(20 * time.Second)
	for _, ch := range f.children {
		select {
		case <-ch.done:
		case <-deadline:
			ch.cmd.Process.Kill()
			<-ch.done
		}
	}
}

func (f *fleet) pids() []int {
	var pids []int
	for _, ch := range f.children {
		pids = append(pids, ch.cmd.Process.Pid)
	}
	return pids
}

// finals sums the clients' final reports.
func (f *fleet) finals() (msgs, held int64, errs map[string]int, missing int) {
	errs = map[string]int{}
	for _, ch := range f.children {
		ch.mu.Lock()
		m := ch.final
		ch.mu.Unlock()
		if m == nil {
			missing++
			continue
		}
		msgs += m.Msgs
		held += m.Held
		for k, v := range m.Errs {
			errs[k] += v
		}
	}
	return msgs, held, errs, missing
}

func (f *fleet) takeSamples() []sample {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.samples
	f.samples = nil
	return s
}

func (f *fleet) dropCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.drops {
		out[k] = v
	}
	return out
}

func (f *fleet) describe() string {
	var parts []string
	for _, ch := range f.children {
		parts = append(parts, fmt.Sprintf("%s (%d)", ch.ip, ch.subs))
	}
	return strings.Join(parts, ", ")
}
