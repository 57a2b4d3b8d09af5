package integration_test

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/facestat/facestat/internal/testenv"
)

// liveRefusalSettings shorten the WebSocket limits so that refusals show
// within a test's patience.
var liveRefusalSettings = map[string]string{
	"FACESTAT_WS_INIT_TIMEOUT":      "1s",
	"FACESTAT_MAX_WS_MESSAGE_BYTES": "4KiB",
}

// operationError returns the errors with which operation id was refused,
// failing the test unless the operation ends with errors and no data.
// Servers may refuse a subscription in either of two ways: an `error`
// message, or (as the graphql-ws reference server does for an error raised
// by the subscribe resolver, and gqlgen too) one result carrying the errors
// with null data followed by `complete`. Both end the operation and both
// reach a client's error handling; either is accepted here.
func (c *wsClient) operationError(id string, timeout time.Duration) []gqlError {
	c.t.Helper()
	m := c.next(timeout)
	if m.ID != id {
		c.t.Fatalf("got %s for operation %q %s, want the refusal of %q", m.Type, m.ID, m.Payload, id)
	}
	switch m.Type {
	case "error":
		var errs []gqlError
		if err := json.Unmarshal(m.Payload, &errs); err != nil {
			var one gqlError // legacy graphql-ws servers may send one object
			if err2 := json.Unmarshal(m.Payload, &one); err2 != nil {
				c.t.Fatalf("decoding the error payload %s: %v", m.Payload, err)
			}
			errs = []gqlError{one}
		}
		return errs
	case "next", "data":
		var r struct {
			Data   json.RawMessage `json:"data"`
			Errors []gqlError      `json:"errors"`
		}
		if err := json.Unmarshal(m.Payload, &r); err != nil {
			c.t.Fatalf("decoding %s: %v", m.Payload, err)
		}
		if len(r.Errors) == 0 || (len(r.Data) > 0 && string(r.Data) != "null") {
			c.t.Fatalf("the refused operation sent a result: %s", m.Payload)
		}
		if end := c.next(timeout); end.Type != "complete" || end.ID != id {
			c.t.Fatalf("after the refusal: got %s (id %q) %s, want complete", end.Type, end.ID, end.Payload)
		}
		return r.Errors
	default:
		c.t.Fatalf("got %s %s, want the refusal of operation %q", m.Type, m.Payload, id)
		return nil
	}
}

func errorCode(errs []gqlError) string {
	if len(errs) == 0 {
		return ""
	}
	c, _ := errs[0].Extensions["code"].(string)
	return c
}

// TestLiveRefusals covers what the WebSocket endpoint refuses, on both
// subprotocols: watching a photo one may not see, a socket that never
// initialises, an oversized frame, and a bad token.
func TestLiveRefusals(t *testing.T) {
	e := startEnv(t, "", liveRefusalSettings)
	owner := e.account(t, "private_owner")
	private := liveUpload(t, e, owner, false)
	public := liveUpload(t, e, owner, true)
	stranger := e.account(t, "stranger")
	vars := func(id string) map[string]any { return map[string]any{"id": id} }

	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			t.Run("ForbiddenPhoto", func(t *testing.T) {
				t.Parallel()
				for _, who := range []struct{ name, token string }{
					{"another account", stranger},
					{"an anonymous judge", e.anonymous(t)},
					{"no session", ""},
				} {
					ws := dialWS(t, e.URL, proto)
					ws.init(who.token)
					ws.subscribe("p", photoStatsSubscription, vars(private))
					if errs := ws.operationError("p", 10*time.Second); errorCode(errs) != "FORBIDDEN" {
						t.Errorf("%s watching a private photo: %+v, want FORBIDDEN", who.name, errs)
					}
					// The socket stays usable: a photo one may see streams.
					ws.subscribe("q", photoStatsSubscription, vars(public))
					if s := ws.nextStats("q", 10*time.Second); s.VoteCount != 0 {
						t.Errorf("%s watching a public photo: %v", who.name, s)
					}
				}
				// The owner may watch the private photo.
				ws := dialWS(t, e.URL, proto)
				ws.init(owner)
				ws.subscribe("p", photoStatsSubscription, vars(private))
				ws.nextStats("p", 10*time.Second)
			})

			t.Run("InitTimeout", func(t *testing.T) {
				t.Parallel()
				ws := dialWS(t, e.URL, proto) // and never send connection_init
				end, ok := ws.waitClosed(5 * time.Second)
				after := end.At.Sub(ws.opened)
				t.Logf("closed after %s: code %d %q", after.Round(time.Millisecond), end.Code, end.Text)
				if !ok || after > 3*time.Second {
					t.Fatalf("a socket without connection_init is still open %s after it opened (FACESTAT_WS_INIT_TIMEOUT=1s)", after)
				}
				if after < 800*time.Millisecond {
					t.Fatalf("closed after %s, before the 1 s init timeout", after)
				}
				// graphql-transport-ws names 4408; legacy keeps gqlgen's 1002.
				if want := map[string]int{protoTransportWS: 4408, protoLegacyWS: 1002}[proto]; end.Code != want {
					t.Errorf("closed with %d %q (%v), want %d", end.Code, end.Text, end.Err, want)
				}
			})

			t.Run("OversizedFrame", func(t *testing.T) {
				t.Parallel()
				ws := dialWS(t, e.URL, proto)
				ws.init(owner)
				// A message just under the 4 KiB limit is served...
				query := photoStatsSubscription + strings.Repeat(" ", 3900-len(photoStatsSubscription))
				ws.subscribe("small", query, vars(public))
				ws.nextStats("small", 10*time.Second)
				// ...one over it closes the socket.
				big, _ := json.Marshal(map[string]any{"id": "big", "type": map[string]string{protoTransportWS: "subscribe", protoLegacyWS: "start"}[proto],
					"payload": map[string]any{"query": photoStatsSubscription + strings.Repeat(" ", 5000), "variables": vars(public)}})
				if err := ws.sendRaw(big); err != nil {
					t.Fatalf("writing %d bytes: %v", len(big), err)
				}
				end, ok := ws.waitClosed(5 * time.Second)
				if !ok {
					t.Fatalf("the socket is still open after a %d-byte message (limit 4 KiB)", len(big))
				}
				t.Logf("closed: code %d %q (%v)", end.Code, end.Text, end.Err)
				if end.Code != 1009 {
					t.Errorf("close code %d, want 1009 (message too big)", end.Code)
				}
				for _, m := range ws.pending() {
					if m.ID == "big" {
						t.Errorf("the oversized operation was served: %s %s", m.Type, m.Payload)
					}
				}
			})

			t.Run("BadToken", func(t *testing.T) {
				t.Parallel()
				for _, token := range []string{"fsj_forged.c2lnbmF0dXJl", "fsa_" + strings.Repeat("0", 43), "not-a-token"} {
					ws := dialWS(t, e.URL, proto)
					ws.initMsg(token)
					end, ok := ws.waitClosed(5 * time.Second)
					if !ok {
						t.Fatalf("token %q: the socket is still open 5 s after connection_init", token)
					}
					if end.Code != 4403 {
						t.Errorf("token %q: close code %d %q, want 4403", token, end.Code, end.Text)
					}
					for _, m := range ws.pending() {
						if m.Type == "connection_ack" {
							t.Errorf("token %q: the connection was acknowledged", token)
						}
					}
				}
				// Not a bearer credential at all.
				ws := dialWS(t, e.URL, proto)
				ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Basic dXNlcjpwYXNz"}})
				if end, ok := ws.waitClosed(5 * time.Second); !ok || end.Code != 4403 {
					t.Errorf("a Basic credential: closed %v, code %d, want 4403", ok, end.Code)
				}
			})
		})
	}
}

// TestLiveTokenExpiry subscribes with an anonymous token that lives 3 s:
// the socket is closed when the token expires, not before, and not long
// after.
func TestLiveTokenExpiry(t *testing.T) {
	e := startEnv(t, "", map[string]string{"FACESTAT_ANON_TOKEN_TTL": "3s"})
	owner := e.account(t, "lasting_owner")
	public := liveUpload(t, e, owner, true)

	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var out struct {
				StartAnonymousSession struct {
					Token     string
					ExpiresAt time.Time
				}
			}
			e.gql(t, "", `mutation { startAnonymousSession { token expiresAt } }`, nil, &out)
			token, expires := out.StartAnonymousSession.Token, out.StartAnonymousSession.ExpiresAt
			ws := dialWS(t, e.URL, proto)
			initAt := time.Now()
			ws.init(token)
			ws.subscribe("s", photoStatsSubscription, map[string]any{"id": public})
			ws.nextStats("s", 5*time.Second)

			end, ok := ws.waitClosed(8 * time.Second)
			if !ok {
				t.Fatalf("the socket is still open 8 s after connection_init with a token expiring at %s", expires.Format(time.RFC3339Nano))
			}
			sinceInit, sinceExpiry := end.At.Sub(initAt), end.At.Sub(expires)
			t.Logf("closed %s after init, %s after the token's expiry: code %d %q", sinceInit.Round(time.Millisecond), sinceExpiry.Round(time.Millisecond), end.Code, end.Text)
			// Token expiry is kept to the second (expiresAt is truncated),
			// so a 3 s token lives 2 to 3 s: measure against expiresAt.
			if sinceExpiry < -100*time.Millisecond {
				t.Errorf("closed %s before the token expired", -sinceExpiry)
			}
			if sinceExpiry > 1500*time.Millisecond || sinceInit > 6*time.Second {
				t.Errorf("closed %s after the token expired (%s after init)", sinceExpiry, sinceInit)
			}
			// graphql-transport-ws names nothing for an expired token:
			// FaceStat closes with 4403 (reconnect with a fresh token); the
			// legacy protocol keeps gqlgen's connection_error and 1000.
			if want := map[string]int{protoTransportWS: 4403, protoLegacyWS: 1000}[proto]; end.Code != want {
				t.Errorf("closed with %d %q (%v), want %d", end.Code, end.Text, end.Err, want)
			}
			for _, m := range ws.pending() {
				if m.Type == "next" || m.Type == "data" {
					t.Errorf("after the current state: %s %s", m.Type, m.Payload)
				}
			}
		})
	}
}

// TestLiveShutdown sends SIGTERM to a process with open subscriptions: the
// clients see close code 1012 (service restart: reconnect elsewhere) and
// the process exits cleanly.
func TestLiveShutdown(t *testing.T) {
	testenv.SkipIfShort(t, "a build of the binary")
	p := startProcess(t, nil)
	p.waitReady(t)
	e := &env{t: t, URL: p.URL}
	owner := e.account(t, "departing")
	public := liveUpload(t, e, owner, true)
	var socks []*wsClient
	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		ws := dialWS(t, p.URL, proto)
		ws.init(owner)
		ws.subscribe("s", photoStatsSubscription, map[string]any{"id": public})
		ws.nextStats("s", 10*time.Second)
		socks = append(socks, ws)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, ws := range socks {
		end, ok := ws.waitClosed(15 * time.Second)
		if !ok {
			t.Fatalf("%s: the socket is still open 15 s after SIGTERM", ws.proto)
		}
		if end.Code != 1012 {
			t.Errorf("%s: close code %d %q (%v), want 1012", ws.proto, end.Code, end.Text, end.Err)
		}
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.output())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("facestat did not stop within 30 s of SIGTERM\n%s", p.output())
	}
}
