package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The client role: a child process holding WebSocket subscribers. It reads
// its configuration as one JSON line on stdin, then commands, one a line:
// "mark" (report the messages received so far) and "stop" (or the end of
// stdin: close the sockets, report, exit). It reports on stdout in JSON
// lines, each with a type "t":
//
//	progress  {"t":"progress","est":N,"fail":N,"done":bool,"errs":{kind:N}}
//	m         {"t":"m","photoId":id,"n":voteCount,"r":unixNanos}  every message of a sampled subscription
//	mark      {"t":"mark","n":messages,"at":unixNanos}
//	drop      {"t":"drop","why":"..."}  an established subscription ended before stop
//	final     {"t":"final","msgs":N,"held":N,"errs":{kind:N}}

type clientConfig struct {
	URL         string    `json:"url"`     // ws://host:port/graphql
	LocalIP     string    `json:"localIP"` // source address of every socket
	Photos      []string  `json:"photos"`  // global ids, by index
	Subs        []subSpec `json:"subs"`
	Tokens      []string  `json:"tokens"` // shared in connection_init; none when empty
	Concurrency int       `json:"concurrency"`
}

type subSpec struct {
	G       int  `json:"g"` // index among all subscribers
	Photo   int  `json:"p"` // index into Photos
	Sampled bool `json:"s"` // report every message
}

type progressMsg struct {
	T    string         `json:"t"`
	Est  int64          `json:"est"`
	Fail int64          `json:"fail"`
	Done bool           `json:"done"`
	Errs map[string]int `json:"errs,omitempty"`
}

type markMsg struct {
	T  string `json:"t"`
	N  int64  `json:"n"`
	At int64  `json:"at"`
}

type dropMsg struct {
	T   string `json:"t"`
	Why string `json:"why"`
}

type finalMsg struct {
	T    string         `json:"t"`
	Msgs int64          `json:"msgs"`
	Held int64          `json:"held"`
	Errs map[string]int `json:"errs,omitempty"`
}

const subscriptionQuery = `subscription($id: ID!) { photoStats(photoId: $id) { voteCount version } }`

type wsClient struct {
	cfg    clientConfig
	dialer websocket.Dialer
	out    *lineWriter

	est, fail, held atomic.Int64
	msgs            atomic.Int64 // "next" messages after the first of each subscription
	stopping        atomic.Bool
	setupDone       atomic.Bool

	mu    sync.Mutex
	errs  map[string]int
	conns map[*websocket.Conn]struct{}
	read  sync.WaitGroup
}

func runClient() error {
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading the configuration: %w", err)
	}
	var cfg clientConfig
	if err := json.Unmarshal(line, &cfg); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	ip := net.ParseIP(cfg.LocalIP)
	if ip == nil {
		return fmt.Errorf("bad local address %q", cfg.LocalIP)
	}
	c := &wsClient{cfg: cfg, out: newLineWriter(os.Stdout), errs: map[string]int{}, conns: map[*websocket.Conn]struct{}{}}
	c.dialer = websocket.Dialer{
		NetDialContext:   (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 15 * time.Second}).DialContext,
		Subprotocols:     []string{"graphql-transport-ws"},
		HandshakeTimeout: 30 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Open the sockets, Concurrency at a time.
	specs := make(chan subSpec)
	var dialers sync.WaitGroup
	for range max(cfg.Concurrency, 1) {
		dialers.Go(func() {
			for s := range specs {
				if c.stopping.Load() {
					continue
				}
				c.open(ctx, s)
			}
		})
	}
	go func() {
		for _, s := range cfg.Subs {
			specs <- s
		}
		close(specs)
		dialers.Wait()
		c.setupDone.Store(true)
		c.progress()
	}()
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for range t.C {
			if c.setupDone.Load() {
				return
			}
			c.progress()
		}
	}()

	// Commands.
	for {
		line, err := in.ReadString('\n')
		cmd := strings.TrimSpace(line)
		if cmd == "mark" {
			c.out.emit(markMsg{T: "mark", N: c.msgs.Load(), At: time.Now().UnixNano()})
			c.out.flush()
		}
		if cmd == "stop" || err != nil {
			break
		}
	}
	c.stopping.Store(true)
	cancel()
	c.mu.Lock()
	conns := make([]*websocket.Conn, 0, len(c.conns))
	for conn := range c.conns {
		conns = append(conns, conn)
	}
	c.mu.Unlock()
	for _, conn := range conns {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "benchmark over"), time.Now().Add(time.Second))
		conn.Close()
	}
	waited := make(chan struct{})
	go func() { c.read.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
	}
	c.mu.Lock()
	errs := copyCounts(c.errs)
	c.mu.Unlock()
	c.out.emit(finalMsg{T: "final", Msgs: c.msgs.Load(), Held: c.held.Load(), Errs: errs})
	c.out.flush()
	return nil
}

func (c *wsClient) progress() {
	c.mu.Lock()
	errs := copyCounts(c.errs)
	c.mu.Unlock()
	c.out.emit(progressMsg{T: "progress", Est: c.est.Load(), Fail: c.fail.Load(), Done: c.setupDone.Load(), Errs: errs})
	c.out.flush()
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

var addrRE = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+`)

// errKind is an error without its addresses and ports, so that errors
// of a kind count together.
func errKind(phase string, err error) string {
	s := addrRE.ReplaceAllString(err.Error(), "ADDR")
	if len(s) > 160 {
		s = s[:160]
	}
	return phase + ": " + s
}

func (c *wsClient) countErr(kind string) {
	c.mu.Lock()
	c.errs[kind]++
	c.mu.Unlock()
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type nextPayload struct {
	Data struct {
		PhotoStats *struct {
			VoteCount int64 `json:"voteCount"`
			Version   int64 `json:"version"`
		} `json:"photoStats"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// open dials one socket, initialises it, subscribes and waits for the
// current state; then it hands the socket to a reader goroutine.
func (c *wsClient) open(ctx context.Context, s subSpec) {
	conn, res, err := c.dialer.DialContext(ctx, c.cfg.URL, nil)
	if err != nil {
		kind := errKind("dial", err)
		if res != nil {
			kind = "handshake: HTTP " + strconv.Itoa(res.StatusCode)
		}
		c.fail.Add(1)
		c.countErr(kind)
		return
	}
	first, recv, err := c.subscribe(conn, s)
	if err != nil {
		conn.Close()
		c.fail.Add(1)
		c.countErr(err.Error())
		return
	}
	c.mu.Lock()
	if c.stopping.Load() {
		c.mu.Unlock()
		conn.Close()
		return
	}
	c.conns[conn] = struct{}{}
	c.read.Add(1)
	c.mu.Unlock()
	c.est.Add(1)
	c.held.Add(1)
	if s.Sampled {
		c.out.sample(c.cfg.Photos[s.Photo], first, recv)
	}
	go c.readLoop(conn, s)
}

type setupError string

func (e setupError) Error() string { return string(e) }

func (c *wsClient) subscribe(conn *websocket.Conn, s subSpec) (voteCount int64, recv int64, err error) {
	if p := conn.Subprotocol(); p != "graphql-transport-ws" {
		return 0, 0, setupError(fmt.Sprintf("handshake: subprotocol %q", p))
	}
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	init := map[string]any{}
	if len(c.cfg.Tokens) > 0 {
		init["authorization"] = "Bearer " + c.cfg.Tokens[s.G%len(c.cfg.Tokens)]
	}
	if err := conn.WriteJSON(map[string]any{"type": "connection_init", "payload": init}); err != nil {
		return 0, 0, setupError(errKind("init", err))
	}
	for acked := false; !acked; {
		var m wsMessage
		if err := conn.ReadJSON(&m); err != nil {
			return 0, 0, setupError(errKind("init", err))
		}
		switch m.Type {
		case "connection_ack":
			acked = true
		case "ping":
			conn.WriteJSON(map[string]any{"type": "pong"})
		default:
			return 0, 0, setupError("init: unexpected " + m.Type)
		}
	}
	sub := map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": subscriptionQuery, "variables": map[string]any{"id": c.cfg.Photos[s.Photo]}}}
	if err := conn.WriteJSON(sub); err != nil {
		return 0, 0, setupError(errKind("subscribe", err))
	}
	for {
		_, raw, err := conn.ReadMessage()
		now := time.Now().UnixNano()
		if err != nil {
			return 0, 0, setupError(errKind("subscribe", err))
		}
		var m wsMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return 0, 0, setupError("subscribe: not JSON")
		}
		switch m.Type {
		case "next":
			var p nextPayload
			if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data.PhotoStats == nil {
				msg := "no photoStats"
				if len(p.Errors) > 0 {
					msg = p.Errors[0].Message
				}
				return 0, 0, setupError("subscribe: " + msg)
			}
			conn.SetReadDeadline(time.Time{})
			return p.Data.PhotoStats.VoteCount, now, nil
		case "ping":
			conn.WriteJSON(map[string]any{"type": "pong"})
		case "error":
			return 0, 0, setupError("subscribe: error " + trim(string(m.Payload), 160))
		default:
			return 0, 0, setupError("subscribe: unexpected " + m.Type)
		}
	}
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var (
	nextSuffix = []byte(`"type":"next"}`)
	errorsKey  = []byte(`"errors":`)
)

// readLoop counts the subscription's messages (and reports each one of a
// sampled subscription) until the socket ends.
func (c *wsClient) readLoop(conn *websocket.Conn, s subSpec) {
	defer c.read.Done()
	defer func() {
		c.mu.Lock()
		delete(c.conns, conn)
		c.mu.Unlock()
		conn.Close()
	}()
	drop := func(why string) {
		if c.stopping.Load() {
			return
		}
		c.held.Add(-1)
		c.countErr("dropped: " + why)
		c.out.emit(dropMsg{T: "drop", Why: why})
	}
	for {
		_, raw, err := conn.ReadMessage()
		now := time.Now().UnixNano()
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case errors.As(err, &ce):
				drop(fmt.Sprintf("closed %d %s", ce.Code, ce.Text))
			case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
				drop("connection closed")
			default:
				drop(errKind("read", err))
			}
			return
		}
		raw = bytes.TrimRight(raw, "\n") // gorilla's WriteJSON ends messages with a newline
		if bytes.HasSuffix(raw, nextSuffix) {
			c.msgs.Add(1)
			if !s.Sampled {
				if bytes.Contains(raw, errorsKey) {
					c.countErr("next with errors")
				}
				continue
			}
		}
		var m wsMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			c.countErr("message not JSON")
			continue
		}
		switch m.Type {
		case "next":
			var p nextPayload
			if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data.PhotoStats == nil {
				c.countErr("next without photoStats")
				continue
			}
			if !bytes.HasSuffix(raw, nextSuffix) { // counted above otherwise
				c.msgs.Add(1)
			}
			if s.Sampled {
				c.out.sample(c.cfg.Photos[s.Photo], p.Data.PhotoStats.VoteCount, now)
			}
		case "ping":
			conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`))
		case "pong":
		case "error":
			drop("error " + trim(string(m.Payload), 160))
			return
		case "complete":
			drop("complete")
			return
		default:
			c.countErr("unexpected message " + m.Type)
		}
	}
}

// lineWriter writes JSON lines from many goroutines, buffered and flushed
// every 100 ms (and on demand).
type lineWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	buf []byte
}

func newLineWriter(w io.Writer) *lineWriter {
	l := &lineWriter{w: bufio.NewWriterSize(w, 256<<10)}
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			l.flush()
		}
	}()
	return l
}

func (l *lineWriter) emit(v any) {
	b, _ := json.Marshal(v)
	l.mu.Lock()
	l.w.Write(b)
	l.w.WriteByte('\n')
	l.mu.Unlock()
}

func (l *lineWriter) sample(photoID string, voteCount, recv int64) {
	l.mu.Lock()
	l.buf = append(l.buf[:0], `{"t":"m","photoId":`...)
	l.buf = strconv.AppendQuote(l.buf, photoID)
	l.buf = append(l.buf, `,"n":`...)
	l.buf = strconv.AppendInt(l.buf, voteCount, 10)
	l.buf = append(l.buf, `,"r":`...)
	l.buf = strconv.AppendInt(l.buf, recv, 10)
	l.buf = append(l.buf, "}\n"...)
	l.w.Write(l.buf)
	l.mu.Unlock()
}

func (l *lineWriter) flush() {
	l.mu.Lock()
	l.w.Flush()
	l.mu.Unlock()
}
