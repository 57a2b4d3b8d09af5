package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/panics"
)

// Close codes FaceStat's WebSocket endpoint sends besides gqlgen's own.
const (
	closeServiceRestart = 1012 // shutdown: clients reconnect (graphql-ws retries 1012)
	closeBadMessage     = 4400 // a message broke a bound (graphql-transport-ws: invalid message)
	closeForbidden      = 4403 // connection_init carried a token that is not valid, or the credential ended
	closeProtocolError  = 1002 // gqlgen's code for protocol errors; legacy graphql-ws keeps it
	closeNormal         = 1000
)

// Bounds on what a client's message may carry, besides its size
// (max-ws-message-bytes): gqlgen keeps every operation id for as long as
// the operation runs and echoes it in every message, and parses the whole
// connection_init payload into a map, of which FaceStat reads one string.
const (
	maxOperationID = 128
	maxInitPayload = 8 << 10
)

// serveSocket serves a WebSocket upgrade: the socket counts against its
// address's ws-max-sockets-per-ip for as long as it is open, and its
// context carries the bound on its operations in flight. A
// graphql-transport-ws socket is served by FaceStat's own loop (wsloop.go)
// after this returns; any other by gqlgen's transport, in this request's
// goroutine.
func (s *Server) serveSocket(next http.Handler, w http.ResponseWriter, r *http.Request) {
	leave, ok := holdPerAddress(w, r, s.socketsPerIP, facestat.ReasonTooManySockets, 10*time.Second,
		"too many WebSockets open from your address: close one, or share one socket between subscriptions")
	if !ok {
		return
	}
	state := &socketState{}
	ctx := context.WithValue(r.Context(), socketKey{}, &socketOps{max: int64(s.cfg.WSMaxOperations)})
	ctx = context.WithValue(ctx, socketStateKey{}, state)
	if s.live != nil && servesOwn(r) { // wsloop.go: returns once upgraded
		s.serveOwn(w, r.WithContext(ctx), state, leave)
		return
	}
	defer leave()
	defer state.closeConn() // gqlgen returns without closing on some refusals
	next.ServeHTTP(w, r.WithContext(ctx))
}

// socketOps bounds the operations in flight on one socket, subscriptions
// included (ws-max-operations): beyond, a new operation is refused with
// BAD_USER_INPUT, reason TOO_MANY_OPERATIONS, and the socket and its other
// operations go on. gqlgen keeps no bound of its own.
type socketOps struct {
	max    int64
	active atomic.Int64
}

type socketKey struct{}

// socketFrom returns the operations of the socket ctx belongs to, nil for
// an operation over HTTP.
func socketFrom(ctx context.Context) *socketOps {
	s, _ := ctx.Value(socketKey{}).(*socketOps)
	return s
}

// take counts the operation of ctx against its socket, or refuses it. The
// caller calls the returned function when the operation ends; it is
// called when ctx ends at the latest (see heldUntil).
func (s *socketOps) take(ctx context.Context) (release func(), err *facestat.Error) {
	if s.active.Add(1) > s.max {
		s.active.Add(-1)
		return nil, facestat.InputError("", facestat.ReasonTooManyOps,
			"this socket has %d operations in flight already: stop one before starting another", s.max)
	}
	return heldUntil(ctx, func() { s.active.Add(-1) }), nil
}

// checkMessage checks the bounds a client's message must keep besides its
// size, returning what is wrong. A message that is not a JSON object is
// left to gqlgen, which answers it as its protocol says.
func checkMessage(b []byte) error {
	var m struct {
		ID      json.RawMessage `json:"id"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	if len(m.ID) > maxOperationID+2 { // the JSON string's quotes
		return fmt.Errorf("operation ids are at most %d bytes", maxOperationID)
	}
	if m.Type == "connection_init" && len(m.Payload) > maxInitPayload {
		return fmt.Errorf("the connection_init payload is at most %d KiB", maxInitPayload>>10)
	}
	return nil
}

// newWebsocketTransport configures gqlgen's WebSocket transport on gorilla:
// both subprotocols with their keepalives, an init timeout, a read limit,
// and authentication from connection_init.
func (s *Server) newWebsocketTransport() transport.Websocket {
	limit := s.cfg.MaxWSMessageBytes
	return transport.Websocket{
		Implementation: &gorillaWebsocket{
			upgrader:    s.upgrader,
			conns:       s.sockets,
			live:        s.live,
			initTimeout: s.cfg.WSInitTimeout, // kept by gorillaConn, which closes with the protocol's code
		},
		InitFunc:              s.wsInit,
		KeepAlivePingInterval: s.cfg.WSPingInterval, // legacy graphql-ws: "ka"
		PingPongInterval:      s.cfg.WSPingInterval, // graphql-transport-ws: ping, and a pong within 2 intervals
		PayloadReadLimit:      &limit,
	}
}

// newUpgrader configures gorilla for both gqlgen's transport and the own
// loop: small read buffers and pooled write buffers (an idle subscriber
// should cost little memory), no compression.
func newUpgrader() websocket.Upgrader {
	return websocket.Upgrader{
		ReadBufferSize:  1 << 10,
		WriteBufferSize: 4 << 10,
		WriteBufferPool: &sync.Pool{},
		// Any origin may open a socket: third-party apps authenticate
		// in connection_init. The session cookie, which a browser
		// would send from any site, only counts for trusted origins
		// (see wsInit), so there is no cross-site socket hijacking.
		CheckOrigin: func(*http.Request) bool { return true },
	}
}

// refuseInit closes a socket whose credential (a token or an API key) was
// refused: 4403 when it is not valid, 4500 when it could not be checked
// (the database).
func refuseInit(ctx context.Context, log *slog.Logger, err error) (context.Context, *transport.InitPayload, error) {
	var fe *facestat.Error
	if errors.As(err, &fe) && fe.Code == facestat.Unauthenticated {
		ctx = transport.WithWebsocketCloseCode(ctx, closeForbidden)
		ctx = transport.AppendCloseReason(ctx, "authentication failed")
		return ctx, nil, err
	}
	log.Warn("authenticating a websocket", "err", err)
	ctx = transport.WithWebsocketCloseCode(ctx, closeInternal)
	ctx = transport.AppendCloseReason(ctx, "Internal server error")
	return ctx, nil, errors.New("internal server error: try again")
}

// wsInit authenticates a socket from its connection_init payload
// ({"authorization": "Bearer <token>"}), or from the session cookie when the
// upgrade came from a trusted origin. A bad token closes the socket with
// 4403, a failure to check it (the database) with 4500. The connection's
// context ends, with cause errCredentialEnded, when the credential expires
// or its session ends, which closes the socket (4403 on
// graphql-transport-ws).
func (s *Server) wsInit(ctx context.Context, payload transport.InitPayload) (_ context.Context, _ *transport.InitPayload, err error) {
	defer panics.Recover(s.log, "websocket connection_init", func(any) {
		ctx = transport.WithWebsocketCloseCode(ctx, closeInternal)
		ctx = transport.AppendCloseReason(ctx, "Internal server error")
		err = errors.New("internal server error")
	})
	v := identity.FromContext(ctx)
	if viaCookie(ctx) && !s.trustedOrigin(originOf(ctx)) {
		v = nil
	}
	if auth := payload.Authorization(); auth != "" {
		token, ok := strings.CutPrefix(auth, "Bearer ")
		var err error
		if !ok {
			err = facestat.Errorf(facestat.Unauthenticated, `authorization must be "Bearer <token>"`)
		} else {
			v, err = s.identity.Authenticate(ctx, strings.TrimSpace(token))
		}
		if err != nil {
			return refuseInit(ctx, s.log, err)
		}
	}
	ctx, v, err = s.wsKey(ctx, payload, v) // x-api-key (apikeys.go)
	if err != nil {
		return refuseInit(ctx, s.log, err)
	}
	ctx = identity.NewContext(ctx, v)
	if v != nil && v.SessionID != 0 {
		ctx = s.sessions.watch(ctx, v.SessionID) // signing out closes the socket too
	}
	if v != nil && !v.ExpiresAt.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadlineCause(ctx, v.ExpiresAt, errCredentialEnded)
		context.AfterFunc(ctx, cancel)
		ctx = transport.AppendCloseReason(ctx, "the session expired")
	}
	socketStateFrom(ctx).setCredential(ctx)
	return ctx, nil, nil
}

func (s *Server) trustedOrigin(origin string) bool {
	if origin == "" {
		return false
	}
	u, err := url.Parse(s.cfg.PublicURL)
	if err == nil && origin == u.Scheme+"://"+u.Host {
		return true
	}
	return slices.Contains(s.cfg.CORSOrigins, origin)
}

// gorillaWebsocket adapts gorilla/websocket to gqlgen's transport (gqlgen
// itself moved to coder/websocket).
type gorillaWebsocket struct {
	upgrader    websocket.Upgrader
	conns       *socketRegistry
	live        *liveFast // nil: every subscription through gqlgen
	initTimeout time.Duration
}

func (g *gorillaWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	up := g.upgrader
	up.Subprotocols = slices.Clone(opts.Subprotocols)
	// Middleware wraps the ResponseWriter; gorilla asserts http.Hijacker on
	// it, so hand it one that reaches the connection through the wrappers.
	c, err := up.Upgrade(hijackable{w, http.NewResponseController(w)}, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	conn := &gorillaConn{conn: c, registry: g.conns, state: socketStateFrom(r.Context()), proto: c.Subprotocol(), live: g.live}
	if conn.state != nil {
		conn.state.setConn(conn)
	}
	if !g.conns.add(conn) { // shutting down
		conn.writeClose(closeServiceRestart, "server restarting")
		c.Close()
		return nil, errors.New("shutting down")
	}
	switch conn.proto {
	case protoTransportWS:
		conn.tws = newTransportWS()
	case protoLegacyWS:
	default:
		// Like the graphql-ws library: accept the upgrade, then close with
		// 4406, also when the client offered no subprotocol at all. gqlgen
		// closes a socket whose subprotocol it does not know (its 1002 is
		// dropped: this close frame went first).
		conn.proto = "unsupported"
		conn.writeClose(closeSubprotocol, "Subprotocol not acceptable")
		return conn, nil
	}
	if g.initTimeout > 0 {
		conn.initTimer = time.AfterFunc(g.initTimeout, conn.initTimedOut)
	}
	return conn, nil
}

type hijackable struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (h hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) { return h.rc.Hijack() }

// gorillaConn is one socket. gorilla allows one concurrent writer: every
// write goes through mu. On graphql-transport-ws, tws checks and maps the
// messages both ways (see transportWS).
type gorillaConn struct {
	conn     *websocket.Conn
	registry *socketRegistry
	state    *socketState
	proto    string
	tws      *transportWS // nil on legacy graphql-ws
	live     *liveFast    // photoStats on graphql-transport-ws (livefeed.go)
	own      *ownLoop     // nil: served by gqlgen's transport (wsloop.go)

	fastMu     sync.Mutex
	fast       map[string]*fastSub // by gqlgen's operation id
	fastClosed bool

	outMu sync.Mutex
	out   outbox // the feeds' updates and the pings (wsout.go)

	initTimer *time.Timer
	initDone  atomic.Bool // legacy: any message arrived; graphql-transport-ws: connection_init

	mu        sync.Mutex
	closeSent bool // the first close frame is the one the client gets
	once      sync.Once
}

var (
	_ transport.WebsocketConn          = (*gorillaConn)(nil)
	_ transport.WebsocketReadLimiter   = (*gorillaConn)(nil)
	_ transport.WebsocketReadDeadliner = (*gorillaConn)(nil)
)

// initTimedOut closes a socket that sent no connection_init within
// ws-init-timeout: 4408 on graphql-transport-ws, 1002 on legacy graphql-ws
// (gqlgen's code, as before).
func (c *gorillaConn) initTimedOut() {
	if c.initDone.Load() {
		return
	}
	if c.tws != nil {
		c.writeClose(closeInitTimeout, "Connection initialisation timeout")
	} else {
		c.writeClose(closeProtocolError, "connection initialisation timeout")
	}
	c.Close()
}

// NextReader returns the next message whole (it is bounded by the read
// limit), once checkMessage passed it and, on graphql-transport-ws, the
// protocol's checks; a message that breaks either closes the socket with
// the protocol's code (4400 for a malformed one).
func (c *gorillaConn) NextReader() (int, io.Reader, error) {
	for {
		mt, b, err := c.readWhole()
		if err != nil {
			return mt, nil, err
		}
		pass, err := c.process(b)
		if err != nil {
			return mt, nil, err
		}
		if pass != nil {
			return mt, bytes.NewReader(pass), nil
		}
	}
}

// readWhole reads the next message whole; past the read limit it fails,
// and gorilla closes with 1009.
func (c *gorillaConn) readWhole() (int, []byte, error) {
	mt, r, err := c.conn.NextReader()
	if err != nil {
		if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) {
			return mt, nil, transport.ErrWebsocketClosed
		}
		return mt, nil, err
	}
	b, err := io.ReadAll(r)
	return mt, b, err
}

// process checks a message (checkMessage, and on graphql-transport-ws the
// shim, which answers pings, and the fast path, which takes photoStats
// subscriptions and their completes) and returns what goes on to the
// transport: nil when the message was consumed. An error has closed the
// socket with the protocol's code.
func (c *gorillaConn) process(b []byte) (pass []byte, _ error) {
	if err := checkMessage(b); err != nil {
		c.writeClose(closeBadMessage, err.Error())
		return nil, err
	}
	if c.tws == nil {
		c.initDone.Store(true)
		return b, nil
	}
	pass, reply, closing := c.tws.receive(b)
	switch {
	case closing != nil:
		c.writeClose(closing.code, closing.reason)
		return nil, closing
	case reply != nil:
		return nil, c.writeMessage(reply)
	case pass != nil:
		if c.tws.initialised() {
			c.initDone.Store(true)
		}
		if m := c.tws.takePassed(); m != nil && c.live != nil && c.state != nil {
			if m.typ == "complete" && c.endFast(m.internal, false) {
				return nil, nil
			}
			if m.typ == "subscribe" && c.live.subscribe(c, m) {
				return nil, nil
			}
		}
		return pass, nil
	}
	return nil, nil
}

func (c *gorillaConn) WriteJSON(v any) error {
	if c.tws == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second)) // a stuck client must not hold a writer forever
		return c.conn.WriteJSON(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m wireMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if !c.tws.send(&m) {
		return nil
	}
	return c.writeMessage(&m)
}

func (c *gorillaConn) writeMessage(m *wireMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// WriteClose is gqlgen's close. On graphql-transport-ws its codes become
// the protocol's: 1000 after the credential ended is 4403, and a 1002 (a
// protocol error the shim did not catch first) is 4400.
func (c *gorillaConn) WriteClose(code int, message string) error {
	if c.tws != nil {
		switch {
		case code == closeNormal && c.state.credentialEnded():
			code, message = closeForbidden, "Forbidden: the credential expired or was revoked; reconnect with a fresh token"
		case code == closeProtocolError:
			code = closeBadMessage
		}
	}
	return c.writeClose(code, message)
}

// writeClose sends a close frame unless one was sent already.
func (c *gorillaConn) writeClose(code int, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeSent {
		return nil
	}
	c.closeSent = true
	return c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, limitReason(message)), time.Now().Add(time.Second))
}

func (c *gorillaConn) Close() error {
	c.once.Do(func() {
		c.registry.remove(c)
		c.endAllFast()
		c.closeOut()
		if c.own != nil {
			c.own.endOperations()
		}
		if c.initTimer != nil {
			c.initTimer.Stop()
		}
	})
	return c.conn.Close()
}

func (c *gorillaConn) Subprotocol() string               { return c.proto }
func (c *gorillaConn) SetReadLimit(limit int64)          { c.conn.SetReadLimit(limit) }
func (c *gorillaConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// socketRegistry tracks open sockets so that shutdown can close them with
// 1012 (http.Server.Shutdown does not touch hijacked connections).
type socketRegistry struct {
	mu      sync.Mutex
	conns   map[*gorillaConn]struct{}
	closing bool

	pingOnce  sync.Once                            // the own loop's keepalive ticker (wsloop.go)
	nextSlot  atomic.Uint32                        // the ping slot of the next socket
	pingSlots [pingSlots]map[*gorillaConn]struct{} // the own loop's sockets by ping slot
	done      chan struct{}                        // closed by closeAll: the ticker stops
}

func newSocketRegistry() *socketRegistry {
	return &socketRegistry{conns: map[*gorillaConn]struct{}{}, done: make(chan struct{})}
}

func (r *socketRegistry) add(c *gorillaConn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.conns[c] = struct{}{}
	if c.own != nil {
		if r.pingSlots[c.own.slot] == nil {
			r.pingSlots[c.own.slot] = map[*gorillaConn]struct{}{}
		}
		r.pingSlots[c.own.slot][c] = struct{}{}
	}
	return true
}

func (r *socketRegistry) remove(c *gorillaConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, c)
	if c.own != nil {
		delete(r.pingSlots[c.own.slot], c)
	}
}

// Len returns how many sockets are open.
func (r *socketRegistry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// closeAll refuses new sockets and closes the open ones with 1012.
func (r *socketRegistry) closeAll() {
	r.mu.Lock()
	if !r.closing {
		close(r.done)
	}
	r.closing = true
	conns := make([]*gorillaConn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	for _, c := range conns {
		c.writeClose(closeServiceRestart, "server restarting")
		c.Close()
	}
}
