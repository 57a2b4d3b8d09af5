package integration_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// On graphql-transport-ws the server pings every socket once per
// ws-ping-interval (one ticker for all sockets) and closes one that sends
// no pong within two intervals; a socket that answers stays open and
// serves operations the live fast path does not take.
func TestWSKeepalivePings(t *testing.T) {
	e := startEnv(t, "", map[string]string{"FACESTAT_WS_PING_INTERVAL": "1s"})
	answering := dialWS(t, e.URL, protoTransportWS) // answers pings (wsClient.read)
	answering.init("")

	d := websocket.Dialer{Subprotocols: []string{protoTransportWS}, HandshakeTimeout: 10 * time.Second}
	silent, _, err := d.Dial(wsURL(e.URL), nil)
	if err != nil {
		t.Fatalf("dialing: %v", err)
	}
	defer silent.Close()
	if err := silent.WriteJSON(map[string]any{"type": "connection_init"}); err != nil {
		t.Fatal(err)
	}
	silent.SetReadDeadline(time.Now().Add(30 * time.Second))
	var types []string
	for {
		_, raw, err := silent.ReadMessage()
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatalf("a socket that sends no pong was not closed; it got %v", types)
			}
			break
		}
		var m wsMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("not JSON: %q", raw)
		}
		types = append(types, m.Type)
	}
	if len(types) < 2 || types[0] != "connection_ack" || types[1] != "ping" {
		t.Fatalf("the silent socket got %v before it was closed, want connection_ack, then pings", types)
	}

	if answering.isClosed() {
		t.Fatalf("the socket that answers pings was closed: %+v", answering.end)
	}
	answering.send(map[string]any{"id": "q", "type": "subscribe", "payload": map[string]any{"query": "{ __typename }"}})
	if m := answering.next(10 * time.Second); m.Type != "next" || m.ID != "q" {
		t.Fatalf("a query on the socket: got %s %s %s, want next", m.ID, m.Type, m.Payload)
	}
	if m := answering.next(10 * time.Second); m.Type != "complete" || m.ID != "q" {
		t.Fatalf("after the query's result: got %s %s %s, want complete", m.ID, m.Type, m.Payload)
	}
}
