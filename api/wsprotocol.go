package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// graphql-transport-ws, exactly: gqlgen's transport speaks the protocol's
// messages but not its close codes (it closes with 1002 or 1000 where the
// protocol names 4400, 4401, 4408, 4409, 4429), keeps no state to notice a
// second connection_init or a duplicate subscription id (a duplicate
// replaced the first's entry and leaked it), and sends results after the
// client completed an operation. transportWS is a message-level shim in
// front of it, in gorillaConn: it checks every client message the way the
// graphql-ws library's server does and closes with the protocol's code,
// and it hands gqlgen operation ids of its own, so that gqlgen never sees
// an id twice. Forking gqlgen's transport (about 900 lines with its
// message types) was the alternative; the shim keeps its upgrades.
//
// Close codes and reasons are the graphql-ws library's (common.ts
// CloseCode, server.ts). FaceStat's own choice: an expired, signed-out or
// revoked credential closes with 4403 too (the protocol names nothing for
// it; clients reconnect with a fresh token).
const (
	protoTransportWS = "graphql-transport-ws"
	protoLegacyWS    = "graphql-ws"

	closeUnauthorized     = 4401 // subscribe before connection_ack
	closeSubprotocol      = 4406 // no subprotocol FaceStat speaks was offered
	closeInitTimeout      = 4408 // no connection_init within ws-init-timeout
	closeSubscriberExists = 4409 // a subscribe with the id of a running operation
	closeTooManyInits     = 4429 // a second connection_init
	closeInternal         = 4500 // the server failed (e.g. the database, authenticating)
)

// wsClose is a close frame the shim sends instead of passing a message on.
type wsClose struct {
	code   int
	reason string
}

func (c *wsClose) Error() string { return fmt.Sprintf("closed with %d: %s", c.code, c.reason) }

func badMessage(format string, args ...any) *wsClose {
	return &wsClose{closeBadMessage, fmt.Sprintf(format, args...)}
}

// transportWS is the protocol state of one graphql-transport-ws socket.
type transportWS struct {
	mu           sync.Mutex
	initReceived bool
	acked        bool
	last         uint64            // the last operation id handed to gqlgen
	byClient     map[string]string // the client's id of a running operation → gqlgen's
	byInternal   map[string]string // and back
	// passed is the subscribe or complete message receive passed last,
	// with internal set (read by the reader goroutine that called
	// receive: the fast path of live results, livefeed.go).
	passed *clientMessage
}

func newTransportWS() *transportWS {
	return &transportWS{byClient: map[string]string{}, byInternal: map[string]string{}}
}

// wireMessage is a graphql-transport-ws message as it goes out.
type wireMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// receive checks a client's message and decides what becomes of it: pass
// (possibly rewritten) is handed to gqlgen; reply, when not nil, is
// written back by the shim itself (a pong); a non-nil close ends the
// socket. With neither pass nor close the message is consumed.
func (t *transportWS) receive(b []byte) (pass []byte, reply *wireMessage, close *wsClose) {
	m, bad := parseClientMessage(b)
	if bad != nil {
		return nil, nil, bad
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch m.typ {
	case "connection_init":
		if t.initReceived {
			return nil, nil, &wsClose{closeTooManyInits, "Too many initialisation requests"}
		}
		t.initReceived = true
		return b, nil, nil
	case "ping":
		// Answered here, before connection_ack too, as the protocol allows.
		return nil, &wireMessage{Type: "pong", Payload: m.payload}, nil
	case "pong":
		if !t.acked {
			return nil, nil, nil // gqlgen reads pongs only once it runs
		}
		return b, nil, nil
	case "subscribe":
		if !t.acked {
			return nil, nil, &wsClose{closeUnauthorized, "Unauthorized"}
		}
		if _, ok := t.byClient[m.id]; ok {
			return nil, nil, &wsClose{closeSubscriberExists, limitReason("Subscriber for " + m.id + " already exists")}
		}
		t.last++
		internal := strconv.FormatUint(t.last, 10)
		t.byClient[m.id], t.byInternal[internal] = internal, m.id
		m.internal, t.passed = internal, m
		return m.withID(internal), nil, nil
	default: // complete
		internal, ok := t.byClient[m.id]
		if !ok {
			return nil, nil, nil // nothing runs under that id: nothing to stop
		}
		delete(t.byClient, m.id)
		delete(t.byInternal, internal)
		m.internal, t.passed = internal, m
		return m.withID(internal), nil, nil
	}
}

// send maps a message gqlgen writes back to the client's operation id. It
// returns false for a message the client must not get: one for an
// operation the client completed already.
func (t *transportWS) send(m *wireMessage) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.Type == "connection_ack" {
		t.acked = true
	}
	if m.ID == "" {
		return true
	}
	client, ok := t.byInternal[m.ID]
	if !ok {
		return false
	}
	if m.Type == "complete" || m.Type == "error" { // the operation ended: its id is free again
		delete(t.byInternal, m.ID)
		delete(t.byClient, client)
	}
	m.ID = client
	return true
}

// takePassed returns the subscribe or complete message receive passed
// last, once.
func (t *transportWS) takePassed() *clientMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.passed
	t.passed = nil
	return m
}

// initialised reports whether connection_init arrived.
func (t *transportWS) initialised() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.initReceived
}

// clientMessage is a client's message that passed parseClientMessage.
type clientMessage struct {
	typ, id  string
	internal string // the id gqlgen gets (subscribe, complete)
	payload  json.RawMessage
	fields   map[string]json.RawMessage
}

func (m *clientMessage) withID(id string) []byte {
	m.fields["id"], _ = json.Marshal(id)
	b, _ := json.Marshal(m.fields)
	return b
}

// parseClientMessage checks a message as the graphql-ws library's
// validateMessage does; a message of a type a client may not send (next,
// error, connection_ack, or none of the protocol's) is invalid too.
func parseClientMessage(b []byte) (*clientMessage, *wsClose) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) != nil || fields == nil {
		return nil, badMessage("Invalid message received")
	}
	m := &clientMessage{fields: fields, payload: fields["payload"]}
	if !isJSONString(fields["type"], &m.typ) || m.typ == "" {
		return nil, badMessage("Invalid message received: 'type' must be a non-empty string")
	}
	switch m.typ {
	case "connection_init", "ping", "pong":
		if !nullOr(m.payload, '{') {
			return nil, badMessage("%q message expects 'payload' to be an object or null or missing", m.typ)
		}
	case "subscribe", "complete":
		if !isJSONString(fields["id"], &m.id) || m.id == "" {
			return nil, badMessage("%q message requires a non-empty string 'id'", m.typ)
		}
		if m.typ == "complete" {
			break
		}
		var p map[string]json.RawMessage
		if !nullOr(m.payload, '{') || json.Unmarshal(m.payload, &p) != nil || p == nil {
			return nil, badMessage(`"subscribe" message expects 'payload' to be an object`)
		}
		var query string
		switch {
		case !isJSONString(p["query"], &query):
			return nil, badMessage(`"subscribe" payload expects 'query' to be a string`)
		case !nullOr(p["variables"], '{'):
			return nil, badMessage(`"subscribe" payload expects 'variables' to be an object or null or missing`)
		case !nullOr(p["operationName"], '"'):
			return nil, badMessage(`"subscribe" payload expects 'operationName' to be a string or null or missing`)
		case !nullOr(p["extensions"], '{'):
			return nil, badMessage(`"subscribe" payload expects 'extensions' to be an object or null or missing`)
		}
	default:
		return nil, badMessage("%s", limitReason("Unexpected message of type "+m.typ+" received"))
	}
	return m, nil
}

// isJSONString reports whether raw is a JSON string, decoding it into s.
func isJSONString(raw json.RawMessage, s *string) bool {
	return len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, s) == nil
}

// nullOr reports whether raw (valid JSON) is missing, null, or a value
// starting with first ('{' an object, '"' a string).
func nullOr(raw json.RawMessage, first byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null" || raw[0] == first
}

// limitReason keeps a close reason within the 123 bytes a close frame
// allows.
func limitReason(s string) string {
	if len(s) <= 123 {
		return s
	}
	return s[:120] + "..."
}

// ---- credentials that end while their socket is open ----

// errCredentialEnded is the cause with which a socket's context ends when
// its credential expires, its session ends or its role changes: the socket
// closes with 4403 on graphql-transport-ws (legacy graphql-ws: as before,
// connection_error and 1000).
var errCredentialEnded = errors.New("the credential expired or was revoked: reconnect with a fresh token")

// socketState links what the transport's hooks learn about a socket to its
// connection: serveSocket puts it in the request's context, Accept ties
// the connection to it, wsInit records the context the credential bounds.
type socketState struct {
	mu         sync.Mutex
	credential context.Context
	conn       *gorillaConn
}

func (s *socketState) setConn(c *gorillaConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
}

// closeConn closes the socket's connection, if one was accepted.
func (s *socketState) closeConn() {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

type socketStateKey struct{}

func socketStateFrom(ctx context.Context) *socketState {
	s, _ := ctx.Value(socketStateKey{}).(*socketState)
	return s
}

func (s *socketState) setCredential(ctx context.Context) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.credential = ctx
}

// connContext returns the socket's context once connection_init was
// accepted (identity, credential bounds, the socket's operations), or nil.
func (s *socketState) connContext() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credential
}

// credentialEnded reports whether the socket's credential has ended.
func (s *socketState) credentialEnded() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	ctx := s.credential
	s.mu.Unlock()
	return ctx != nil && errors.Is(context.Cause(ctx), errCredentialEnded)
}
