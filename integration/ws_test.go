package integration_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Subprotocols of FaceStat's WebSocket endpoint.
const (
	protoTransportWS = "graphql-transport-ws" // the graphql-ws package's protocol
	protoLegacyWS    = "graphql-ws"           // subscriptions-transport-ws's protocol
)

// wsMessage is one message of either subprotocol.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
	At      time.Time       `json:"-"` // when it was read
}

// wsClose is how a socket ended: the close frame's code and text, or the
// read error when the connection broke without one (Code is then 0).
type wsClose struct {
	Code int
	Text string
	Err  error
	At   time.Time
}

// wsClient is a raw GraphQL-over-WebSocket client on gorilla/websocket.
// One goroutine reads every message into msgs (answering the protocol's
// pings on the way) and records the close; tests take messages with next.
type wsClient struct {
	t      *testing.T
	conn   *websocket.Conn
	proto  string
	opened time.Time

	wmu  sync.Mutex // gorilla allows one writer at a time
	msgs chan wsMessage
	done chan struct{} // closed once the socket is gone; then closed is set
	end  wsClose
}

// wsURL turns a service URL (http://host:port) into its GraphQL socket URL.
func wsURL(base string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/graphql"
}

// dialWS opens a socket on base's /graphql with the given subprotocol. The
// socket is closed when the test ends.
func dialWS(t *testing.T, base, proto string) *wsClient {
	t.Helper()
	return dialWSWith(t, base, proto, nil)
}

// dialWSWith is dialWS with extra headers on the upgrade request.
func dialWSWith(t *testing.T, base, proto string, header http.Header) *wsClient {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{proto}, HandshakeTimeout: 10 * time.Second}
	conn, res, err := d.Dial(wsURL(base), header)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dialing %s (%s): %v (HTTP %d)", wsURL(base), proto, err, status)
	}
	if got := conn.Subprotocol(); got != proto {
		conn.Close()
		t.Fatalf("negotiated subprotocol %q, want %q", got, proto)
	}
	c := &wsClient{t: t, conn: conn, proto: proto, opened: time.Now(), msgs: make(chan wsMessage, 4096), done: make(chan struct{})}
	go c.read()
	t.Cleanup(func() {
		conn.Close()
		<-c.done
	})
	return c
}

func (c *wsClient) read() {
	defer close(c.done)
	for {
		_, raw, err := c.conn.ReadMessage()
		if err != nil {
			c.end = wsClose{Err: err, At: time.Now()}
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				c.end.Code, c.end.Text = ce.Code, ce.Text
			}
			return
		}
		m := wsMessage{At: time.Now()}
		if err := json.Unmarshal(raw, &m); err != nil {
			c.end = wsClose{Err: fmt.Errorf("server sent a message that is not JSON: %q", raw), At: time.Now()}
			c.conn.Close()
			return
		}
		if c.proto == protoTransportWS && m.Type == "ping" {
			c.sendErr(map[string]string{"type": "pong"})
			continue
		}
		if m.Type == "ka" || m.Type == "pong" {
			continue
		}
		c.msgs <- m
	}
}

// sendErr writes v as one JSON text message.
func (c *wsClient) sendErr(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteJSON(v)
}

// send writes v as one JSON text message, failing the test on error.
func (c *wsClient) send(v any) {
	c.t.Helper()
	if err := c.sendErr(v); err != nil {
		c.t.Fatalf("writing to the socket: %v", err)
	}
}

// sendRaw writes b as one text message and returns the write error.
func (c *wsClient) sendRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// initMsg sends connection_init, with the bearer token when there is one.
func (c *wsClient) initMsg(token string) {
	c.t.Helper()
	payload := map[string]any{}
	if token != "" {
		payload["authorization"] = "Bearer " + token
	}
	c.send(map[string]any{"type": "connection_init", "payload": payload})
}

// init sends connection_init and waits for connection_ack.
func (c *wsClient) init(token string) {
	c.t.Helper()
	c.initMsg(token)
	if m := c.next(10 * time.Second); m.Type != "connection_ack" {
		c.t.Fatalf("after connection_init: got %s %s, want connection_ack", m.Type, m.Payload)
	}
}

// subscribe starts operation id: a subscribe message (graphql-transport-ws)
// or a start message (legacy graphql-ws).
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	typ := "subscribe"
	if c.proto == protoLegacyWS {
		typ = "start"
	}
	c.send(map[string]any{"id": id, "type": typ, "payload": map[string]any{"query": query, "variables": vars}})
}

// next returns the next message, failing the test when none comes within
// timeout or the socket closes first.
func (c *wsClient) next(timeout time.Duration) wsMessage {
	c.t.Helper()
	m, ok := c.tryNext(timeout)
	if !ok {
		select {
		case <-c.done:
			c.t.Fatalf("socket closed while waiting for a message: code %d %q (%v)", c.end.Code, c.end.Text, c.end.Err)
		default:
			c.t.Fatalf("no message within %s", timeout)
		}
	}
	return m
}

// tryNext returns the next message, or false when none comes within
// timeout or the socket is closed (messages read before the close are
// still returned first).
func (c *wsClient) tryNext(timeout time.Duration) (wsMessage, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m := <-c.msgs:
		return m, true
	default:
	}
	select {
	case m := <-c.msgs:
		return m, true
	case <-c.done:
		select {
		case m := <-c.msgs:
			return m, true
		default:
			return wsMessage{}, false
		}
	case <-timer.C:
		return wsMessage{}, false
	}
}

// pending returns the messages already received and not yet taken.
func (c *wsClient) pending() []wsMessage {
	var out []wsMessage
	for {
		select {
		case m := <-c.msgs:
			out = append(out, m)
		default:
			return out
		}
	}
}

// waitClosed waits up to timeout for the socket to close and returns how;
// ok is false when it is still open.
func (c *wsClient) waitClosed(timeout time.Duration) (wsClose, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-c.done:
		return c.end, true
	case <-timer.C:
		return wsClose{}, false
	}
}

// isClosed reports, without waiting, whether the socket has closed.
func (c *wsClient) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// liveStats is what the tests select of PhotoStats over a subscription.
type liveStats struct {
	ID        string `json:"id"`
	VoteCount int    `json:"voteCount"`
	Version   int    `json:"version"`
	Questions []struct {
		Question struct {
			Key string `json:"key"`
		} `json:"question"`
		Count int      `json:"count"`
		Mean  *float64 `json:"mean"`
	} `json:"questions"`
}

const photoStatsSubscription = `subscription($id: ID!) { photoStats(photoId: $id) {
	id voteCount version questions { question { key } count mean } } }`

// mean returns the mean answer of the question with key, or nil.
func (s liveStats) mean(key string) *float64 {
	for _, q := range s.Questions {
		if q.Question.Key == key {
			return q.Mean
		}
	}
	return nil
}

func (s liveStats) String() string {
	m := "null"
	if p := s.mean("age"); p != nil {
		m = fmt.Sprint(*p)
	}
	return fmt.Sprintf("{voteCount %d version %d age mean %s}", s.VoteCount, s.Version, m)
}

// gqlResult is a GraphQL execution result as a subscription carries it.
type gqlResult struct {
	Data *struct {
		PhotoStats *liveStats `json:"photoStats"`
	} `json:"data"`
	Errors []gqlError `json:"errors"`
}

// nextStats waits for the next data message of operation id and returns
// its photoStats, failing on anything else.
func (c *wsClient) nextStats(id string, timeout time.Duration) liveStats {
	c.t.Helper()
	m := c.next(timeout)
	want := "next"
	if c.proto == protoLegacyWS {
		want = "data"
	}
	if m.Type != want || m.ID != id {
		c.t.Fatalf("got %s (id %q) %s, want %s for %q", m.Type, m.ID, m.Payload, want, id)
	}
	return decodeStats(c.t, m)
}

// decodeStats returns the photoStats a data message carries, failing on
// errors or missing data.
func decodeStats(t *testing.T, m wsMessage) liveStats {
	t.Helper()
	var r gqlResult
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		t.Fatalf("decoding %s: %v", m.Payload, err)
	}
	if len(r.Errors) > 0 || r.Data == nil || r.Data.PhotoStats == nil {
		t.Fatalf("subscription result with errors or without data: %s", m.Payload)
	}
	return *r.Data.PhotoStats
}
