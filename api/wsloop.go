package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/panics"
)

// FaceStat's own loop for graphql-transport-ws sockets. gqlgen's transport
// serves a socket inside net/http's handler, for as long as it is open:
// its goroutine (with the deep stack of the handler chain), net/http's
// connection buffers and request, and two goroutines more (the keepalive
// ping and a close-on-cancel waiter) made about 70 KiB per idle socket.
// Here the handler returns once the connection is upgraded; the socket is
// one reader goroutine, started shallow, and nothing else: the keepalive
// pings of all sockets come from one ticker (socketRegistry.pingLoop, spread
// over the interval), the
// end of a credential closes the socket through context.AfterFunc, and
// operations the live fast path does not take run on gqlgen's executor
// (the fast path's, with every extension) as gqlgen's transport ran them,
// one goroutine per operation while it runs. The protocol checks and close
// codes are the shim's (wsprotocol.go), as before. Legacy graphql-ws and
// unsupported subprotocols still go to gqlgen's transport.

// ownLoop is the state of a socket served by FaceStat's own loop.
type ownLoop struct {
	srv     *Server
	headers http.Header
	leave   func()             // the socket's place in ws-max-sockets-per-ip
	slot    uint32             // of the keepalive pings (pingLoop)
	end     context.CancelFunc // the socket closed: its contexts end (session watch, credential timer)

	stopCredential func() bool // the reader's: connection_init's context.AfterFunc

	mu      sync.Mutex
	active  map[string]context.CancelFunc // operations off the fast path, by the shim's id
	closed  bool
	pinging bool // connection_ack sent: keepalive pings from now
	pong    bool // a pong arrived since the last ping
}

// servesOwn reports whether a WebSocket upgrade negotiates
// graphql-transport-ws, as gorilla would choose among gqlgen's
// subprotocols (the server's order: graphql-ws first).
func servesOwn(r *http.Request) bool {
	own := false
	for _, p := range websocket.Subprotocols(r) {
		switch p {
		case protoLegacyWS:
			return false
		case protoTransportWS:
			own = true
		}
	}
	return own
}

// serveOwn upgrades a graphql-transport-ws socket and starts its reader;
// it returns at once, and the reader calls leave when the socket closes.
func (s *Server) serveOwn(w http.ResponseWriter, r *http.Request, state *socketState, leave func()) {
	up := s.upgrader
	up.Subprotocols = []string{protoTransportWS}
	c, err := up.Upgrade(hijackable{w, http.NewResponseController(w)}, r, nil)
	if err != nil { // gorilla answered the request already; gqlgen added this
		leave()
		transport.SendErrorf(w, http.StatusBadRequest, "unable to upgrade")
		return
	}
	// The request's context ends when this handler returns; the socket's
	// ends when it closes (Close), which stops the session watch and the
	// credential's timer. It keeps the request's values, but not the
	// request and its ResponseWriter (see detachJar).
	detachJar(r)
	base, end := context.WithCancel(context.WithoutCancel(r.Context()))
	conn := &gorillaConn{conn: c, registry: s.sockets, state: state, proto: protoTransportWS,
		tws: newTransportWS(), live: s.live,
		own: &ownLoop{srv: s, headers: r.Header, leave: leave, end: end, slot: s.sockets.nextSlot.Add(1) % pingSlots}}
	state.setConn(conn)
	if !s.sockets.add(conn) { // shutting down
		conn.writeClose(closeServiceRestart, "server restarting")
		c.Close()
		end()
		leave()
		return
	}
	c.SetReadLimit(s.cfg.MaxWSMessageBytes)
	if t := s.cfg.WSInitTimeout; t > 0 {
		conn.initTimer = time.AfterFunc(t, conn.initTimedOut)
	}
	go conn.runOwn(base)
}

// detachJar lets the request's cookie jar (in its context, which the
// socket keeps) go of the request and its ResponseWriter, which would keep
// net/http's connection and its buffers (8 KiB) for as long as the socket
// is open: it reads the request's headers still, and what it sets goes
// nowhere, as it did on a hijacked connection.
func detachJar(r *http.Request) {
	if j, ok := identity.CookiesFromContext(r.Context()).(*cookieJar); ok {
		j.w = headersOnly{http.Header{}}
		j.r = &http.Request{Header: r.Header}
	}
}

// headersOnly is a ResponseWriter that keeps nothing but its headers.
type headersOnly struct{ h http.Header }

func (w headersOnly) Header() http.Header         { return w.h }
func (w headersOnly) Write(b []byte) (int, error) { return len(b), nil }
func (w headersOnly) WriteHeader(int)             {}

// runOwn is the socket's reader. Each message is handled (handleOwn) on a
// goroutine of its own while the reader waits, so that messages keep
// their order: a subscribe runs the executor and the resolver, database
// calls included, whose depth would stay in the long-lived reader's stack
// (a goroutine keeps the stack it grew to until a collection finds it
// mostly unused); the reader's needs no more than a blocked read.
func (c *gorillaConn) runOwn(base context.Context) {
	o := c.own
	defer o.leave()
	defer c.Close()
	defer c.WriteClose(closeNormal, "terminated") // as gqlgen's transport: unless a close went first
	defer func() {
		if o.stopCredential != nil {
			o.stopCredential()
		}
	}()
	ctx := base
	for {
		_, b, err := c.readWhole()
		if err != nil {
			return
		}
		quit := true
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer panics.Recover(o.srv.log, "websocket message", func(any) {
				c.writeClose(closeInternal, "Internal server error")
			})
			quit = !c.handleOwn(base, &ctx, b)
		}()
		<-done
		if quit {
			return
		}
	}
}

// handleOwn handles one message of the socket: after the shim and the fast
// path (process), connection_init, the operations the fast path does not
// take, their completes, and pongs. It reports whether the socket goes
// on; *ctx is the socket's context, the credential's once connection_init
// was accepted.
func (c *gorillaConn) handleOwn(base context.Context, ctx *context.Context, b []byte) bool {
	o := c.own
	pass, err := c.process(b)
	if err != nil {
		return false
	}
	if pass == nil {
		return true
	}
	var m struct {
		ID      string          `json:"id"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(pass, &m) != nil { // the shim passes JSON objects only
		c.WriteClose(closeProtocolError, "decoding error")
		return false
	}
	switch m.Type {
	case "connection_init": // once: the shim closes with 4429 on a second
		cctx, ok := c.initOwn(base, m.Payload)
		if !ok {
			return false
		}
		*ctx = cctx
		// The credential's end, or its session's, closes the socket
		// (4403: see WriteClose).
		o.stopCredential = context.AfterFunc(cctx, func() {
			if base.Err() != nil { // the socket closed first
				return
			}
			c.WriteClose(closeNormal, "terminated")
			c.Close()
		})
	case "subscribe":
		c.runOperation(*ctx, m.ID, m.Payload)
	case "complete":
		o.mu.Lock()
		cancel := o.active[m.ID]
		o.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	case "pong":
		o.mu.Lock()
		o.pong = true
		c.conn.SetReadDeadline(time.Time{})
		o.mu.Unlock()
	}
	return true
}

// initOwn authenticates the socket (wsInit) and acknowledges it, or
// closes it: 4403 for a credential that is not valid, 4500 when it could
// not be checked.
func (c *gorillaConn) initOwn(base context.Context, payload json.RawMessage) (context.Context, bool) {
	var p transport.InitPayload
	if len(payload) > 0 && json.Unmarshal(payload, &p) != nil {
		return nil, false
	}
	ctx, _, err := c.own.srv.wsInit(base, p)
	if err != nil {
		code, reason := closeInternal, "Internal server error"
		var fe *facestat.Error
		if errors.As(err, &fe) && fe.Code == facestat.Unauthenticated {
			code, reason = closeForbidden, "authentication failed"
		}
		c.WriteClose(code, reason)
		return nil, false
	}
	c.sendOp("", "connection_ack", nil)
	o := c.own
	o.mu.Lock()
	o.pinging = true
	o.mu.Unlock()
	interval := o.srv.cfg.WSPingInterval
	c.conn.SetReadDeadline(time.Now().Add(2 * interval)) // a pong is due within two intervals
	c.registry.startPings(interval)
	return ctx, true
}

// runOperation runs an operation the fast path did not take, as gqlgen's
// transport did: on the executor with every extension, a goroutine while
// it runs, next for every response, then complete (error after a panic).
func (c *gorillaConn) runOperation(connCtx context.Context, id string, payload json.RawMessage) {
	start := graphql.Now()
	o := c.own
	exec := o.srv.live.full
	ctx := graphql.StartOperationTrace(connCtx)
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if dec.Decode(params) != nil {
		b, _ := json.Marshal([]*gqlerror.Error{{Message: "invalid json"}})
		c.sendOp(id, "error", b)
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	params.Headers = o.headers
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		c.refuseOperation(exec, ctx, rc, id, errs)
		return
	}
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		cancel()
		return
	}
	if o.active == nil {
		o.active = map[string]context.CancelFunc{}
	}
	o.active[id] = cancel
	o.mu.Unlock()
	go func() {
		defer func() {
			if connCtx.Err() == nil { // an ended credential closes the socket instead
				c.sendOp(id, "complete", nil) // dropped after an error, or the client's complete
			}
			o.mu.Lock()
			delete(o.active, id)
			o.mu.Unlock()
			cancel()
		}()
		defer panics.Recover(o.srv.log, "a websocket operation", func(v any) {
			err := rc.Recover(ctx, v)
			var gqlErr *gqlerror.Error
			if !errors.As(err, &gqlErr) {
				gqlErr = &gqlerror.Error{}
				if err != nil {
					gqlErr.Message = err.Error()
				}
			}
			b, _ := json.Marshal([]*gqlerror.Error{gqlErr})
			c.sendOp(id, "error", b)
		})
		responses, ctx := exec.DispatchOperation(ctx, rc)
		for {
			resp := responses(ctx)
			if resp == nil {
				return
			}
			b, err := json.Marshal(resp)
			if err != nil {
				panic(err)
			}
			c.sendOp(id, "next", b)
		}
	}()
}

// endOperations cancels the socket's operations and context when it
// closes.
func (o *ownLoop) endOperations() {
	defer o.end()
	o.mu.Lock()
	o.closed = true
	active := o.active
	o.active = nil
	o.mu.Unlock()
	for _, cancel := range active {
		cancel()
	}
}

var pingFrame = []byte(`{"type":"ping"}`)

// ping sends the socket's keepalive ping; when a pong arrived since the
// last one, the next is due within two intervals (as gqlgen's transport).
// The ping is written by the socket's outbox (wsout.go), so the ticker
// never waits on a socket; one that does not take the ping within
// fanoutWriteTimeout is closed.
func (c *gorillaConn) ping(interval time.Duration) {
	o := c.own
	o.mu.Lock()
	if !o.pinging || o.closed {
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	c.postPing() // never waits: the socket's writer takes it (wsout.go)
	o.mu.Lock()
	if o.pong {
		c.conn.SetReadDeadline(time.Now().Add(2 * interval))
	}
	o.pong = false
	o.mu.Unlock()
}

// pingSlots spreads the keepalive pings over the interval: each socket is
// in one of pingSlots slots, and every interval/pingSlots the sockets of
// one slot are pinged, rather than every socket in one burst of writes.
const pingSlots = 16

// startPings starts the one ticker that pings every socket of the own
// loop, at the first socket acknowledged.
func (r *socketRegistry) startPings(interval time.Duration) {
	r.pingOnce.Do(func() {
		go r.pingLoop(interval)
	})
}

// pingLoop pings each socket of the own loop once per interval, one slot
// at a time.
func (r *socketRegistry) pingLoop(interval time.Duration) {
	t := time.NewTicker(interval / pingSlots)
	defer t.Stop()
	var conns []*gorillaConn
	for tick := uint32(0); ; tick++ {
		select {
		case <-r.done:
			return
		case <-t.C:
		}
		slot := tick % pingSlots
		r.mu.Lock()
		conns = conns[:0]
		for c := range r.pingSlots[slot] {
			conns = append(conns, c)
		}
		r.mu.Unlock()
		for _, c := range conns {
			c.ping(interval)
		}
		clear(conns)
	}
}
