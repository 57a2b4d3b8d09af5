package integration_test

// Slow clients: strangers who hold what they open (upload slots, sockets,
// subscriptions) without using it. docs/SECURITY.md, "Slow clients".

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/imageproc/imagetest"
)

// slowWindow is min-body-window in these tests: short, so that cut-offs
// show within a test's patience.
const slowWindow = 3 * time.Second

// trickle is a raw HTTP upload that declares a body it sends one byte
// every half second, as a stranger holding a connection does.
type trickle struct {
	conn    net.Conn
	started time.Time
	done    chan trickleEnd // the response, once it comes
	stop    chan struct{}
}

// trickleEnd is how a trickle ended: the server's response and whether the
// server then closed the connection.
type trickleEnd struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error
	At     time.Time
	Close  bool // the response said Connection: close
	Closed bool // the server closed the connection after the response
}

// reason returns the reason of the response's first error.
func (e trickleEnd) reason() string {
	var r response
	json.Unmarshal(e.Body, &r)
	s, _ := r.ext("reason").(string)
	return s
}

// startTrickle opens a multipart upload of length bytes to base as token
// from ip, sends its headers, and then one byte every half second until
// the server answers or the test ends. sendBody false sends no byte at all.
func startTrickle(t *testing.T, base, token, ip string, length int, sendBody bool) *trickle {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &trickle{conn: conn, started: time.Now(), done: make(chan trickleEnd, 1), stop: make(chan struct{})}
	t.Cleanup(func() {
		close(tr.stop)
		conn.Close()
	})
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: facestat\r\nAuthorization: Bearer %s\r\nX-Forwarded-For: %s\r\n"+
		"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n\r\n", token, ip, length)
	if sendBody {
		go func() {
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for {
				if _, err := conn.Write([]byte("-")); err != nil {
					return
				}
				select {
				case <-tick.C:
				case <-tr.stop:
					return
				}
			}
		}()
	}
	go func() {
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			tr.done <- trickleEnd{Err: err, At: time.Now()}
			return
		}
		body, _ := io.ReadAll(res.Body)
		end := trickleEnd{Status: res.StatusCode, Header: res.Header, Body: body, At: time.Now(), Close: res.Close}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = br.ReadByte()
		end.Closed = err != nil && !errors.Is(err, os.ErrDeadlineExceeded) // EOF, or a reset: the trickler's unread bytes
		tr.done <- end
	}()
	return tr
}

// ended returns how tr ended, failing the test when the server has not
// answered within timeout.
func (tr *trickle) ended(t *testing.T, timeout time.Duration) trickleEnd {
	t.Helper()
	select {
	case end := <-tr.done:
		return end
	case <-time.After(timeout):
		t.Fatalf("no answer %s after the trickle began", time.Since(tr.started).Round(time.Millisecond))
		return trickleEnd{}
	}
}

// answered reports, without waiting, whether the server has answered tr.
func (tr *trickle) answered() bool { return len(tr.done) > 0 }

func honestUpload(t *testing.T, e *env, token, ip string) *response {
	t.Helper()
	return e.uploadWith(t, request{Token: token, Header: from(ip)}, "face.jpg", imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft), true)
}

// TestHostileSlowUploads: uploads that send a byte every half second, from
// twelve addresses and then twelve from one, hold no upload slot; an
// honest upload from another address succeeds meanwhile; the tricklers
// are cut off after min-body-window with 408 BODY_TOO_SLOW and
// Connection: close; and the uploads one address may have in flight
// beyond max-uploads-per-ip are refused at once (429), without the server
// waiting for their bodies.
func TestHostileSlowUploads(t *testing.T) {
	e := startEnv(t, "", withSettings(hostileSettings, map[string]string{
		"FACESTAT_ADMIT_UPLOADS":      "4", // fewer than the tricklers
		"FACESTAT_MIN_BODY_WINDOW":    slowWindow.String(),
		"FACESTAT_MAX_UPLOADS_PER_IP": "2",
	}))
	stranger := e.account(t, "trickler")
	honest := e.account(t, "honest")

	checkCutOff := func(t *testing.T, trs []*trickle) {
		t.Helper()
		for i, tr := range trs {
			end := tr.ended(t, slowWindow+10*time.Second)
			after := end.At.Sub(tr.started)
			if end.Status != http.StatusRequestTimeout || end.reason() != "BODY_TOO_SLOW" {
				t.Errorf("trickle %d: %d %s %v, want 408 BODY_TOO_SLOW", i, end.Status, end.Body, end.Err)
			}
			if !end.Close || !end.Closed {
				t.Errorf("trickle %d: Connection: close %v, closed after the answer: %v", i, end.Close, end.Closed)
			}
			if after < slowWindow-100*time.Millisecond {
				t.Errorf("trickle %d cut off after %s, before the %s window", i, after, slowWindow)
			}
		}
	}

	t.Run("TwelveAddresses", func(t *testing.T) {
		var trs []*trickle
		for i := range 12 {
			trs = append(trs, startTrickle(t, e.URL, stranger, nthIP(i), 200_000, true))
		}
		time.Sleep(time.Second) // every trickler has connected and sent bytes
		if n := e.App.Admission.InFlight(admission.Uploads); n != 0 {
			t.Errorf("%d upload slots held by tricklers", n)
		}
		if r := honestUpload(t, e, honest, nthIP(1000)); len(r.Errors) > 0 {
			t.Fatalf("an honest upload while twelve trickle: %d %+v", r.Status, r.Errors)
		}
		for i, tr := range trs {
			if tr.answered() {
				t.Logf("trickle %d was answered before the honest upload finished: the test proves less than it says", i)
			}
		}
		checkCutOff(t, trs)
	})

	t.Run("TwelveFromOneAddress", func(t *testing.T) {
		const ip = "203.0.113.7"
		var trs []*trickle
		for range 12 {
			trs = append(trs, startTrickle(t, e.URL, stranger, ip, 200_000, true))
		}
		// Whichever two come first trickle; the other ten are refused
		// while their bodies are still coming (net/http would otherwise
		// wait to drain them, and they never end): by the time half the
		// window has passed, they have been answered and closed.
		var held []*trickle
		refused := 0
		decided := trs[len(trs)-1].started.Add(slowWindow / 2)
		for _, tr := range trs {
			time.Sleep(time.Until(decided))
			select {
			case end := <-tr.done:
				refused++
				if end.Status != http.StatusTooManyRequests || end.reason() != "TOO_MANY_UPLOADS" {
					t.Errorf("an upload beyond the address's two: %d %s %v, want 429 TOO_MANY_UPLOADS", end.Status, end.Body, end.Err)
				}
				if !end.Close || !end.Closed {
					t.Errorf("a refusal: Connection: close %v, closed: %v", end.Close, end.Closed)
				}
				if end.At.Sub(tr.started) >= slowWindow {
					t.Errorf("a refusal came after %s, when the body was due", end.At.Sub(tr.started))
				}
			default:
				held = append(held, tr)
			}
		}
		if refused != 10 || len(held) != 2 {
			t.Fatalf("twelve uploads from one address: %d refused, %d trickling; want 10 and 2", refused, len(held))
		}
		if r := honestUpload(t, e, honest, nthIP(1001)); len(r.Errors) > 0 {
			t.Fatalf("an honest upload from another address: %d %+v", r.Status, r.Errors)
		}
		checkCutOff(t, held)
		// Cut off, the tricklers hold nothing: the address may upload again
		// (once their handlers have returned, just after their answers).
		waitFor(t, "an upload from the tricklers' address", func() bool {
			r := honestUpload(t, e, honest, ip)
			if r.Status == http.StatusTooManyRequests {
				return false
			}
			if len(r.Errors) > 0 {
				t.Fatalf("an upload from the tricklers' address after the cut-off: %d %+v", r.Status, r.Errors)
			}
			return true
		})
	})
}

// TestHostileSlowJSONBody: a JSON request whose body trickles is cut off
// with 408 BODY_TOO_SLOW too.
func TestHostileSlowJSONBody(t *testing.T) {
	e := startEnv(t, "", withSettings(hostileSettings, map[string]string{"FACESTAT_MIN_BODY_WINDOW": slowWindow.String()}))
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: facestat\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{")
	go func() {
		for range 60 {
			time.Sleep(500 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(slowWindow + 10*time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickling JSON body: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	t.Logf("answered after %s: %d %s", time.Since(start).Round(time.Millisecond), res.StatusCode, body)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "BODY_TOO_SLOW") || !res.Close {
		t.Errorf("got %d %s (Connection: close %v), want 408 BODY_TOO_SLOW with Connection: close", res.StatusCode, body, res.Close)
	}
	var out struct{ ServiceStatus serviceStatus }
	e.gql(t, "", serviceStatusQuery, nil, &out) // an honest request is served
}

// TestHostileHeaders: a header block beyond max-header-bytes is refused
// with 431, and headers that trickle are cut off after
// read-header-timeout, on the server the facestat command runs
// (api.NewHTTPServer), while honest requests are served.
func TestHostileHeaders(t *testing.T) {
	e := startEnv(t, "", withSettings(hostileSettings, map[string]string{
		"FACESTAT_MAX_HEADER_BYTES":    "8KiB",
		"FACESTAT_READ_HEADER_TIMEOUT": "1s",
	}))
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = api.NewHTTPServer(e.App.Config, e.App.Server, e.App.Log)
	ts.Start()
	t.Cleanup(ts.Close)

	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/healthz", nil)
	req.Header.Set("X-Junk", strings.Repeat("a", 64<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: %d, want 431", res.StatusCode)
	}

	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	go func() {
		for _, b := range []byte("GET /healthz HTTP/1.1\r\nHost: facestat\r\nX-Slow: " + strings.Repeat("a", 100)) {
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The server closes the connection: a clean EOF, or a reset when the
	// trickling writer's next byte reaches the closed socket first. Only
	// the read deadline passing means the connection stayed open.
	_, err = io.ReadAll(conn)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("headers trickling one byte every 200 ms: the connection is still open after %s (%v)", time.Since(start), err)
	}
	t.Logf("trickling headers cut off after %s", time.Since(start).Round(time.Millisecond))

	res, body := get(t, ts.URL+"/healthz")
	if res.StatusCode != http.StatusOK {
		t.Errorf("an honest request: %d %s", res.StatusCode, body)
	}
}

// TestHostileSubscriptions: one socket gets at most ws-max-operations
// subscriptions (the next is refused, TOO_MANY_OPERATIONS, and the socket
// and its subscriptions go on), and another client can still subscribe;
// the instance's bound (admit-subscriptions) holds exactly under a burst
// across sockets.
func TestHostileSubscriptions(t *testing.T) {
	e := startEnv(t, "", withSettings(hostileSettings, map[string]string{"FACESTAT_ADMIT_SUBSCRIPTIONS": "150"}))
	owner := e.account(t, "watched")
	photo := liveUpload(t, e, owner, true)
	vars := map[string]any{"id": photo}

	t.Run("PerSocket", func(t *testing.T) {
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init("")
		for i := range 101 {
			ws.subscribe(fmt.Sprint(i), photoStatsSubscription, vars)
		}
		// Operations start concurrently: any one of them may be the one
		// refused. A refusal is an error result followed by complete.
		served := map[string]bool{}
		var refused []string
		for len(served)+len(refused) < 101 {
			m := ws.next(10 * time.Second)
			switch {
			case m.Type == "next" && !strings.Contains(string(m.Payload), `"errors"`):
				served[m.ID] = true
			case m.Type == "complete":
			default:
				refused = append(refused, m.ID+" "+string(m.Payload))
			}
		}
		if len(served) != 100 || len(refused) != 1 || !strings.Contains(refused[0], "TOO_MANY_OPERATIONS") {
			t.Fatalf("101 subscriptions on one socket: %d served, refused %q; want 100 served and one TOO_MANY_OPERATIONS", len(served), refused)
		}
		stop := "0"
		if !served[stop] {
			stop = "1"
		}
		if ws.isClosed() {
			t.Fatal("the socket was closed")
		}
		// The socket goes on: stopping one subscription frees its place
		// (as soon as its stream has ended, which the server does not
		// announce: after the client's complete it sends nothing more for
		// that id, as graphql-transport-ws says).
		ws.send(map[string]any{"id": stop, "type": "complete"})
		waitFor(t, "the stopped subscription's slot to free", func() bool {
			return e.App.Admission.InFlight(admission.Subscriptions) == 99
		})
		for attempt := 0; ; attempt++ {
			id := fmt.Sprint("again", attempt)
			ws.subscribe(id, photoStatsSubscription, vars)
			m := ws.next(10 * time.Second)
			for m.ID != id {
				if m.ID == stop {
					t.Fatalf("after the client's complete: %s %s", m.Type, m.Payload)
				}
				m = ws.next(10 * time.Second)
			}
			if m.Type == "next" && !strings.Contains(string(m.Payload), `"errors"`) {
				break
			}
			// The socket's own count is released a moment after the
			// instance's slot.
			if attempt == 20 || !strings.Contains(string(m.Payload), "TOO_MANY_OPERATIONS") {
				t.Fatalf("subscribing after stopping one: %s %s", m.Type, m.Payload)
			}
			time.Sleep(10 * time.Millisecond) // retrying, at most 20 times
		}
		// Another client subscribes.
		other := dialWS(t, e.URL, protoLegacyWS)
		other.init("")
		other.subscribe("s", photoStatsSubscription, vars)
		other.nextStats("s", 10*time.Second)
	})

	t.Run("BurstAcrossSockets", func(t *testing.T) {
		waitFor(t, "the first subtest's subscriptions to end", func() bool {
			return e.App.Admission.InFlight(admission.Subscriptions) == 0
		})
		// Eight sockets of 40 subscriptions each, all sent at once: 320
		// against a bound of 150.
		var socks []*wsClient
		for range 8 {
			ws := dialWS(t, e.URL, protoTransportWS)
			ws.init("")
			socks = append(socks, ws)
		}
		var wg sync.WaitGroup
		for _, ws := range socks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					ws.sendErr(map[string]any{"id": fmt.Sprint(i), "type": "subscribe", "payload": map[string]any{"query": photoStatsSubscription, "variables": vars}})
				}
			}()
		}
		wg.Wait()
		// Each subscription's first message settles it: its data, or a
		// BUSY refusal that its own complete must follow. The 40 on one
		// socket answer interleaved, so a refusal's complete is matched by
		// its id, not taken to be the socket's next message.
		served, busy := 0, 0
		for _, ws := range socks {
			first := map[string]bool{}   // ids whose first message came
			refused := map[string]bool{} // ids refused, waiting for their complete
			for len(first) < 40 || len(refused) > 0 {
				m := ws.next(20 * time.Second)
				switch {
				case first[m.ID] && refused[m.ID] && m.Type == "complete":
					delete(refused, m.ID)
				case first[m.ID] && refused[m.ID]:
					t.Fatalf("after a refusal of %s: %s %s", m.ID, m.Type, m.Payload)
				case first[m.ID]:
					// a served subscription's later update
				case m.Type == "next" && !strings.Contains(string(m.Payload), `"errors"`):
					first[m.ID] = true
					served++
				case strings.Contains(string(m.Payload), `"BUSY"`):
					first[m.ID], refused[m.ID] = true, true
					busy++
				default:
					t.Fatalf("unexpected %s %s", m.Type, m.Payload)
				}
			}
		}
		t.Logf("served %d, refused %d; the hub holds %d", served, busy, e.App.Hub.Subscribers())
		if served != 150 || busy != 170 {
			t.Errorf("320 subscriptions against a bound of 150: %d served, %d refused BUSY", served, busy)
		}
		if n := e.App.Hub.Subscribers(); n > 150 {
			t.Errorf("the hub holds %d subscriptions, over the bound of 150", n)
		}
		if n := e.App.Admission.InFlight(admission.Subscriptions); n != 150 {
			t.Errorf("%d subscription slots held, want 150", n)
		}
		// Closing the sockets frees their slots.
		for _, ws := range socks {
			ws.conn.Close()
		}
		waitFor(t, "the closed sockets' slots to free", func() bool { return e.App.Admission.InFlight(admission.Subscriptions) == 0 })
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init("")
		ws.subscribe("s", photoStatsSubscription, vars)
		ws.nextStats("s", 10*time.Second)
	})
}

// TestHostileSockets: the sockets one address may open beyond
// ws-max-sockets-per-ip are refused (429 TOO_MANY_SOCKETS) while another
// address connects; a message with an oversized operation id or
// connection_init payload closes its socket with 4400.
func TestHostileSockets(t *testing.T) {
	e := startEnv(t, "", withSettings(hostileSettings, map[string]string{"FACESTAT_WS_MAX_SOCKETS_PER_IP": "3"}))
	owner := e.account(t, "watched")
	photo := liveUpload(t, e, owner, true)
	const ip = "203.0.113.9"

	var socks []*wsClient
	for range 3 {
		ws := dialWSWith(t, e.URL, protoTransportWS, from(ip))
		ws.init("")
		socks = append(socks, ws)
	}
	d := websocket.Dialer{Subprotocols: []string{protoTransportWS}, HandshakeTimeout: 10 * time.Second}
	conn, res, err := d.Dial(wsURL(e.URL), from(ip))
	if err == nil {
		conn.Close()
		t.Fatal("a fourth socket from one address was accepted (limit 3)")
	}
	if res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a fourth socket from one address: %v (%+v), want 429", err, res)
	}
	body, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(body), "TOO_MANY_SOCKETS") || res.Header.Get("Retry-After") == "" {
		t.Errorf("the refusal: %s (Retry-After %q)", body, res.Header.Get("Retry-After"))
	}
	other := dialWSWith(t, e.URL, protoTransportWS, from(nthIP(7)))
	other.init("")
	other.subscribe("s", photoStatsSubscription, map[string]any{"id": photo})
	other.nextStats("s", 10*time.Second)

	// A closed socket gives its place back.
	socks[0].conn.Close()
	waitFor(t, "the address to open a socket again", func() bool {
		c, _, err := d.Dial(wsURL(e.URL), from(ip))
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	t.Run("OversizedID", func(t *testing.T) {
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init("")
		ws.subscribe(strings.Repeat("i", 200), photoStatsSubscription, map[string]any{"id": photo})
		end, ok := ws.waitClosed(5 * time.Second)
		if !ok || end.Code != 4400 {
			t.Fatalf("a 200-byte operation id: closed %v, code %d %q, want 4400", ok, end.Code, end.Text)
		}
	})
	t.Run("OversizedInitPayload", func(t *testing.T) {
		ws := dialWS(t, e.URL, protoLegacyWS)
		ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"junk": strings.Repeat("j", 20<<10)}})
		end, ok := ws.waitClosed(5 * time.Second)
		if !ok || end.Code != 4400 {
			t.Fatalf("a 20 KiB connection_init payload: closed %v, code %d %q, want 4400", ok, end.Code, end.Text)
		}
	})
}
