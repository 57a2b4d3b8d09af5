package api

import (
	"time"

	"github.com/gorilla/websocket"
)

// outbox is what a socket is sent without anyone waiting on it: the live
// feeds' updates and completes, and the keepalive pings. A feed (and the
// ping ticker) serves many sockets in turn, so one that does not read must
// not hold back the others: each operation has a one-slot mailbox, the
// latest update wins (a slow client gets the latest state, not a queue),
// and a writer goroutine runs only while something waits (an idle socket
// has its reader alone). A socket that does not take a write within
// fanoutWriteTimeout is closed.
type outbox struct {
	running bool // a writer drains the box
	closed  bool
	ping    bool
	ops     map[string]*outOp // by the shim's operation id
}

// outOp is one operation's mailbox: its newest update, then its complete.
type outOp struct {
	next     *websocket.PreparedMessage
	complete []byte
}

// postNext leaves the update pm of operation internal in its mailbox, in
// place of one not yet written.
func (c *gorillaConn) postNext(internal string, pm *websocket.PreparedMessage) {
	c.post(func(b *outbox) {
		op := b.op(internal)
		if op.complete == nil {
			op.next = pm
		}
	})
}

// postComplete ends operation internal with frame (its complete), after
// the update it has waiting, if any.
func (c *gorillaConn) postComplete(internal string, frame []byte) {
	c.post(func(b *outbox) { b.op(internal).complete = frame })
}

// dropOp forgets what operation internal has waiting (the client
// completed it).
func (c *gorillaConn) dropOp(internal string) {
	c.outMu.Lock()
	delete(c.out.ops, internal)
	c.outMu.Unlock()
}

// postPing asks for a keepalive ping.
func (c *gorillaConn) postPing() {
	c.post(func(b *outbox) { b.ping = true })
}

func (b *outbox) op(internal string) *outOp {
	if b.ops == nil {
		b.ops = map[string]*outOp{}
	}
	op := b.ops[internal]
	if op == nil {
		op = &outOp{}
		b.ops[internal] = op
	}
	return op
}

func (c *gorillaConn) post(put func(*outbox)) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if c.out.closed {
		return
	}
	put(&c.out)
	if !c.out.running {
		c.out.running = true
		go c.drainOut()
	}
}

// closeOut drops what waits and refuses more (the socket closed).
func (c *gorillaConn) closeOut() {
	c.outMu.Lock()
	c.out.closed = true
	c.out.ops = nil
	c.out.ping = false
	c.outMu.Unlock()
}

// take removes the next frame to write, or reports there is none (and
// the writer stops).
func (b *outbox) take() (pm *websocket.PreparedMessage, raw []byte, ok bool) {
	if b.ping {
		b.ping = false
		return nil, pingFrame, true
	}
	for id, op := range b.ops {
		if op.next != nil {
			pm, op.next = op.next, nil
		} else {
			raw = op.complete
		}
		if op.next == nil && (pm == nil || op.complete == nil) {
			delete(b.ops, id)
		}
		if pm != nil || raw != nil {
			return pm, raw, true
		}
	}
	b.running = false
	return nil, nil, false
}

// drainOut is the socket's writer while its outbox has something.
func (c *gorillaConn) drainOut() {
	for {
		c.outMu.Lock()
		pm, raw, ok := c.out.take()
		c.outMu.Unlock()
		if !ok {
			return
		}
		if c.writeOut(pm, raw) != nil {
			c.closeOut()
			c.Close() // a client that does not read
			return
		}
	}
}

func (c *gorillaConn) writeOut(pm *websocket.PreparedMessage, raw []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeSent {
		return nil
	}
	c.conn.SetWriteDeadline(time.Now().Add(fanoutWriteTimeout))
	if pm != nil {
		return c.conn.WritePreparedMessage(pm)
	}
	return c.conn.WriteMessage(websocket.TextMessage, raw)
}
