package integration_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestHostileWSFrames: a raw client sees the close codes graphql-transport-ws
// names, in the situations it names them, and the legacy graphql-ws
// protocol keeps its behaviour (a bad token at init: TestLiveRefusals; a
// credential ending: TestLiveTokenExpiry and TestLiveRevoked).
func TestHostileWSFrames(t *testing.T) {
	e := startEnv(t, "", map[string]string{"FACESTAT_WS_INIT_TIMEOUT": "1s"})
	owner := e.account(t, "close_codes")
	photo := liveUpload(t, e, owner, true)
	vars := map[string]any{"id": photo}

	closedWith := func(t *testing.T, ws *wsClient, what string, code int, text string) {
		t.Helper()
		end, ok := ws.waitClosed(5 * time.Second)
		if !ok {
			t.Fatalf("%s: the socket is still open", what)
		}
		if end.Code != code || (text != "" && end.Text != text) {
			t.Errorf("%s: closed with %d %q (%v), want %d %q", what, end.Code, end.Text, end.Err, code, text)
		}
	}

	// Id reuse and duplicates run first, alone, so that the hub's
	// subscriber count is this test's.
	t.Run("DuplicateID", func(t *testing.T) {
		base := e.App.Hub.Subscribers()
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init(owner)
		ws.subscribe("s", photoStatsSubscription, vars)
		ws.nextStats("s", 10*time.Second)
		// An id is free again once its operation is completed by the
		// client: reusing it runs one subscription, not two.
		ws.send(map[string]any{"id": "s", "type": "complete"})
		ws.subscribe("s", photoStatsSubscription, vars)
		ws.nextStats("s", 10*time.Second)
		waitFor(t, "the completed subscription to leave the hub", func() bool { return e.App.Hub.Subscribers() == base+1 })
		// The first subscription keeps delivering until the duplicate...
		e.gql(t, e.anonymous(t), castVote, map[string]any{"id": photo, "answers": answers(30, 5, true, "calm")}, &struct{}{})
		if s := ws.nextStats("s", 10*time.Second); s.VoteCount != 1 {
			t.Fatalf("after a vote: %v", s)
		}
		if n := e.App.Hub.Subscribers(); n != base+1 {
			t.Fatalf("%d subscribers on the hub, want %d", n, base+1)
		}
		// ...which closes the socket with 4409, as the protocol says.
		ws.subscribe("s", photoStatsSubscription, vars)
		closedWith(t, ws, "a second subscribe with a running id", 4409, "Subscriber for s already exists")
		for _, m := range ws.pending() {
			t.Errorf("after the duplicate: %s %s %s", m.ID, m.Type, m.Payload)
		}
		// Nothing leaks: the hub has no subscriber left from the socket.
		waitFor(t, "the socket's subscription to leave the hub", func() bool { return e.App.Hub.Subscribers() == base })
	})

	t.Run("InitTimeout", func(t *testing.T) {
		for proto, code := range map[string]int{protoTransportWS: 4408, protoLegacyWS: 1002} {
			ws := dialWS(t, e.URL, proto)
			closedWith(t, ws, proto+" without connection_init", code, "")
		}
		// A ping is no connection_init: answered, and the timeout holds.
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.send(map[string]any{"type": "ping"})
		closedWith(t, ws, "a ping without connection_init", 4408, "Connection initialisation timeout")
	})

	t.Run("TooManyInits", func(t *testing.T) {
		t.Parallel()
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init(owner)
		ws.initMsg(owner)
		closedWith(t, ws, "a second connection_init", 4429, "Too many initialisation requests")
	})

	t.Run("SubscribeBeforeAck", func(t *testing.T) {
		t.Parallel()
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.subscribe("s", photoStatsSubscription, vars)
		closedWith(t, ws, "subscribe before connection_init", 4401, "Unauthorized")
	})

	t.Run("InvalidMessage", func(t *testing.T) {
		t.Parallel()
		for _, raw := range []string{
			`not json`,
			`[]`,
			`"connection_init"`,
			`{}`,
			`{"type":5}`,
			`{"type":"nope"}`,
			`{"type":"next","id":"a","payload":{"data":null}}`,
			`{"type":"connection_ack"}`,
			`{"type":"ping","payload":"x"}`,
			`{"type":"subscribe","payload":{"query":"subscription { x }"}}`,
			`{"id":"","type":"subscribe","payload":{"query":"subscription { x }"}}`,
			`{"id":7,"type":"subscribe","payload":{"query":"subscription { x }"}}`,
			`{"id":"a","type":"subscribe"}`,
			`{"id":"a","type":"subscribe","payload":"subscription { x }"}`,
			`{"id":"a","type":"subscribe","payload":{"query":5}}`,
			`{"id":"a","type":"subscribe","payload":{"query":"q","variables":[]}}`,
			`{"id":"a","type":"subscribe","payload":{"query":"q","operationName":1}}`,
			`{"id":"a","type":"subscribe","payload":{"query":"q","extensions":"x"}}`,
			`{"type":"complete"}`,
		} {
			ws := dialWS(t, e.URL, protoTransportWS)
			ws.init(owner)
			if err := ws.sendRaw([]byte(raw)); err != nil {
				t.Fatal(err)
			}
			closedWith(t, ws, raw, 4400, "")
		}
		// Before connection_init too.
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.sendRaw([]byte(`{"type":"connection_init","payload":[]}`))
		closedWith(t, ws, "connection_init with an array payload", 4400, "")
	})

	t.Run("UnknownSubprotocol", func(t *testing.T) {
		t.Parallel()
		for _, offered := range [][]string{{"graphql-sse"}, nil} {
			d := websocket.Dialer{Subprotocols: offered, HandshakeTimeout: 10 * time.Second}
			conn, res, err := d.Dial(wsURL(e.URL), nil)
			if err != nil {
				t.Fatalf("offering %q: the upgrade was refused: %v", offered, err)
			}
			if res.StatusCode != http.StatusSwitchingProtocols || conn.Subprotocol() != "" {
				t.Errorf("offering %q: HTTP %d, subprotocol %q", offered, res.StatusCode, conn.Subprotocol())
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _, err = conn.ReadMessage()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4406 || ce.Text != "Subprotocol not acceptable" {
				t.Errorf("offering %q: %v, want close 4406", offered, err)
			}
			conn.Close()
		}
	})

	t.Run("ForbiddenAtInit", func(t *testing.T) {
		t.Parallel()
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.initMsg("fsa_" + strings.Repeat("0", 43))
		closedWith(t, ws, "a bad token", 4403, "")
		// Ping and pong before the ack are fine; the ack follows init.
		ws = dialWS(t, e.URL, protoTransportWS)
		ws.send(map[string]any{"type": "ping", "payload": map[string]any{"n": 1}})
		ws.send(map[string]any{"type": "pong"})
		ws.init(owner)
		ws.subscribe("s", photoStatsSubscription, vars)
		ws.nextStats("s", 10*time.Second)
	})
}

// TestWSNodeClientCloseCode: the graphql-ws package's own client
// subscribes to photoStats and gets its updates; refused at
// connection_init, it reports 4403 (its retry logic reads the code).
// (TestLiveAcrossInstances runs it across two instances too.)
func TestWSNodeClientCloseCode(t *testing.T) {
	e := startEnv(t, "", nil)
	owner := e.account(t, "node_refused")
	photo := liveUpload(t, e, owner, true)

	ok := startNodeSub(t, protoTransportWS, e.URL, owner, photo)
	if s := ok.nextStats(30 * time.Second); s.VoteCount != 0 {
		t.Fatalf("current state %v, want no votes", s)
	}
	e.gql(t, e.anonymous(t), castVote, map[string]any{"id": photo, "answers": answers(30, 5, true, "calm")}, &struct{}{})
	if s := ok.nextStats(10 * time.Second); s.VoteCount != 1 {
		t.Fatalf("after a vote: %v, want one vote", s)
	}

	n := startNodeSub(t, protoTransportWS, e.URL, "fsa_"+strings.Repeat("0", 43), photo)
	for {
		ev := n.next(20 * time.Second)
		switch ev.Event {
		case "error":
			var ce struct{ CloseCode int }
			if json.Unmarshal(ev.Error, &ce) != nil || ce.CloseCode != 4403 {
				t.Errorf("the subscription failed with %s, want close code 4403", ev.Error)
			}
			continue
		case "closed":
			if ev.Code == nil || *ev.Code != 4403 {
				t.Fatalf("closed with %v %q, want 4403", ev.Code, ev.Reason)
			}
			return
		default:
			t.Fatalf("a bad token: got %s %s %s, want the socket closed with 4403", ev.Event, ev.Payload, ev.Error)
		}
	}
}
