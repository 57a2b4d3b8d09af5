package integration_test

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
)

// TestLiveSlowSocketHoldsNoOneBack: a socket whose writes do not complete
// (a client that stopped reading, its buffers full) must not hold back the
// other subscribers of the same photo: every update reaches them while the
// stalled socket's write is still pending. The stall is made certain
// rather than timed: the server's side of that socket blocks every write
// until the connection closes (deadlines included, as a client would that
// outlasts the write timeout once per socket, one after another). Under
// the feed that wrote to its members in turn, the first update never got
// past it.
func TestLiveSlowSocketHoldsNoOneBack(t *testing.T) {
	const updates = 5
	sl := &stallListener{conns: map[string]*stallConn{}}
	e := startEnvListening(t, dbtest.MustCreatePGDatabase(t), map[string]string{"FACESTAT_RATE_ANON_SESSION": "0/1s"},
		func(l net.Listener) net.Listener { sl.Listener = l; return sl })
	t.Cleanup(sl.releaseAll) // before the server closes (cleanups run last first)
	owner := e.account(t, "slow_owner")
	photoID := liveUpload(t, e, owner, true)

	bad := dialWS(t, e.URL, protoTransportWS)
	bad.init(owner)
	for i := range 3 { // several operations on the stalled socket
		id := strconv.Itoa(i)
		bad.subscribe(id, photoStatsSubscription, map[string]any{"id": photoID})
		bad.nextStats(id, 10*time.Second)
	}
	if !sl.stall(bad.conn.LocalAddr().String()) {
		t.Fatal("the stalled socket's server side was not found")
	}

	good := dialWS(t, e.URL, protoTransportWS)
	good.init(owner)
	good.subscribe("g", photoStatsSubscription, map[string]any{"id": photoID})
	good.nextStats("g", 10*time.Second)

	delivered := 0
	for i := 1; i <= updates; i++ {
		if r := liveVote(t, e, e.anonymous(t), photoID, 20+i); r.code() != "" {
			t.Fatalf("vote %d: %+v", i, r.Errors)
		}
		// The wait is a failure guard only: the update comes, or the test fails.
		if s := good.nextStats("g", 20*time.Second); s.VoteCount != i {
			t.Fatalf("update %d: %v, want %d votes", i, s, i)
		}
		delivered++
	}
	if blocked := sl.blocked.Load(); blocked == 0 {
		t.Fatalf("the stalled socket was never written to (delivered %d): the test proves nothing", delivered)
	}
	if delivered != updates {
		t.Fatalf("delivered %d updates, want %d", delivered, updates)
	}
}

// stallListener can make the server's side of one connection block its
// writes until the connection is closed.
type stallListener struct {
	net.Listener
	blocked atomic.Int64 // writes that blocked

	mu    sync.Mutex
	conns map[string]*stallConn // by the client's address
}

func (l *stallListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &stallConn{Conn: c, l: l, closed: make(chan struct{})}
	l.mu.Lock()
	l.conns[c.RemoteAddr().String()] = sc
	l.mu.Unlock()
	return sc, nil
}

// stall makes the writes to client block from now on.
func (l *stallListener) stall(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.conns[client]
	if c != nil {
		c.stalled.Store(true)
	}
	return c != nil
}

// releaseAll closes the stalled connections, which ends their writes.
func (l *stallListener) releaseAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		if c.stalled.Load() {
			c.Close()
		}
	}
}

type stallConn struct {
	net.Conn
	l       *stallListener
	stalled atomic.Bool
	once    sync.Once
	closed  chan struct{}
}

func (c *stallConn) Write(b []byte) (int, error) {
	if c.stalled.Load() {
		c.l.blocked.Add(1)
		<-c.closed
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

func (c *stallConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
