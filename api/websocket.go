package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
)

// Close codes FaceStat's WebSocket endpoint sends besides gqlgen's own.
const (
	closeServiceRestart = 1012 // shutdown: clients reconnect (graphql-ws retries 1012)
	closeForbidden      = 4403 // connection_init carried a token that is not valid
)

// newWebsocketTransport configures gqlgen's WebSocket transport on gorilla:
// both subprotocols with their keepalives, an init timeout, a read limit,
// and authentication from connection_init.
func (s *Server) newWebsocketTransport() transport.Websocket {
	limit := s.cfg.MaxWSMessageBytes
	return transport.Websocket{
		Implementation: &gorillaWebsocket{
			upgrader: websocket.Upgrader{
				// Small read buffers and pooled write buffers: an idle
				// subscriber should cost little memory.
				ReadBufferSize:  1 << 10,
				WriteBufferSize: 4 << 10,
				WriteBufferPool: &sync.Pool{},
				// Any origin may open a socket: third-party apps authenticate
				// in connection_init. The session cookie, which a browser
				// would send from any site, only counts for trusted origins
				// (see wsInit), so there is no cross-site socket hijacking.
				CheckOrigin: func(*http.Request) bool { return true },
			},
			conns: s.sockets,
		},
		InitFunc:              s.wsInit,
		InitTimeout:           s.cfg.WSInitTimeout,
		KeepAlivePingInterval: s.cfg.WSPingInterval, // legacy graphql-ws: "ka"
		PingPongInterval:      s.cfg.WSPingInterval, // graphql-transport-ws: ping, and a pong within 2 intervals
		PayloadReadLimit:      &limit,
	}
}

// wsInit authenticates a socket from its connection_init payload
// ({"authorization": "Bearer <token>"}), or from the session cookie when the
// upgrade came from a trusted origin. A bad token closes the socket with
// 4403. The connection's context ends when the credential expires, which
// closes the socket.
func (s *Server) wsInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
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
			ctx = transport.WithWebsocketCloseCode(ctx, closeForbidden)
			ctx = transport.AppendCloseReason(ctx, "authentication failed")
			return ctx, nil, err
		}
	}
	ctx = identity.NewContext(ctx, v)
	if v != nil && v.SessionID != 0 {
		ctx = s.sessions.watch(ctx, v.SessionID) // signing out closes the socket too
	}
	if v != nil && !v.ExpiresAt.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, v.ExpiresAt)
		context.AfterFunc(ctx, cancel)
		ctx = transport.AppendCloseReason(ctx, "the session expired")
	}
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
	upgrader websocket.Upgrader
	conns    *socketRegistry
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
	conn := &gorillaConn{conn: c, registry: g.conns}
	if !g.conns.add(conn) { // shutting down
		conn.WriteClose(closeServiceRestart, "server restarting")
		c.Close()
		return nil, errors.New("shutting down")
	}
	return conn, nil
}

type hijackable struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (h hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) { return h.rc.Hijack() }

// gorillaConn is one socket. gorilla allows one concurrent writer: every
// write goes through mu.
type gorillaConn struct {
	conn     *websocket.Conn
	registry *socketRegistry
	mu       sync.Mutex
	once     sync.Once
}

var (
	_ transport.WebsocketConn          = (*gorillaConn)(nil)
	_ transport.WebsocketReadLimiter   = (*gorillaConn)(nil)
	_ transport.WebsocketReadDeadliner = (*gorillaConn)(nil)
)

func (c *gorillaConn) NextReader() (int, io.Reader, error) {
	mt, r, err := c.conn.NextReader()
	if err != nil && websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) {
		return mt, r, transport.ErrWebsocketClosed
	}
	return mt, r, err
}

func (c *gorillaConn) WriteJSON(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second)) // a stuck client must not hold a writer forever
	return c.conn.WriteJSON(v)
}

func (c *gorillaConn) WriteClose(code int, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, message), time.Now().Add(time.Second))
}

func (c *gorillaConn) Close() error {
	c.once.Do(func() { c.registry.remove(c) })
	return c.conn.Close()
}

func (c *gorillaConn) Subprotocol() string               { return c.conn.Subprotocol() }
func (c *gorillaConn) SetReadLimit(limit int64)          { c.conn.SetReadLimit(limit) }
func (c *gorillaConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// socketRegistry tracks open sockets so that shutdown can close them with
// 1012 (http.Server.Shutdown does not touch hijacked connections).
type socketRegistry struct {
	mu      sync.Mutex
	conns   map[*gorillaConn]struct{}
	closing bool
}

func newSocketRegistry() *socketRegistry {
	return &socketRegistry{conns: map[*gorillaConn]struct{}{}}
}

func (r *socketRegistry) add(c *gorillaConn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *socketRegistry) remove(c *gorillaConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, c)
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
	r.closing = true
	conns := make([]*gorillaConn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	for _, c := range conns {
		c.WriteClose(closeServiceRestart, "server restarting")
		c.Close()
	}
}
