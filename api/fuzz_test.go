package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/google/uuid"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/identity"
)

// fuzzServer returns a Server with what limitBody needs, configured by env
// on top of the defaults.
func fuzzServer(f *testing.F, env map[string]string) *Server {
	f.Helper()
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		f.Fatal(err)
	}
	return &Server{cfg: cfg, uploadsPerIP: admission.NewPerKey(cfg.MaxUploadsPerIP), socketsPerIP: admission.NewPerKey(cfg.WSMaxSocketsPerIP)}
}

// multipartSeed is a well-formed GraphQL multipart upload.
func multipartSeed(boundary string, file []byte) []byte {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary(boundary)
	mw.WriteField("operations", `{"query":"mutation($file: Upload!) { uploadPhoto(input: {file: $file}) { photo { id } } }","variables":{"file":null}}`)
	mw.WriteField("map", `{"0":["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", "face.jpg")
	fw.Write(file)
	mw.Close()
	return b.Bytes()
}

// FuzzUploadBody sends arbitrary multipart bodies from an account through
// the upload path (limitBody, then gqlgen's multipart transport as FaceStat
// configures it, on a small schema): it never panics, reads no more than
// the upload limit, and every answer is JSON whose errors carry a stable
// code, never INTERNAL.
func FuzzUploadBody(f *testing.F) {
	s := fuzzServer(f, map[string]string{"FACESTAT_MAX_UPLOAD_BYTES": "16KiB"})
	gql := testserver.New()
	gql.AddTransport(withStatus{s.uploadTransport()})
	gql.SetErrorPresenter(presentError)
	h := s.limitBody(codeTransportErrors(gql))

	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	f.Add("b0undary", multipartSeed("b0undary", jpeg))
	f.Add("b0undary", multipartSeed("b0undary", bytes.Repeat(jpeg, 3000))) // over the limit
	f.Add("b0undary", multipartSeed("b0undary", jpeg)[:100])               // cut short
	f.Add("xyz", []byte("--xyz\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--xyz--\r\n"))
	f.Add("xyz", []byte("--xyz\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ name }\"}\r\n--xyz\r\n"+
		"Content-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\":[\"variables.x\"],\"1\":[]}\r\n--xyz--\r\n"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		counted := &countingReader{r: bytes.NewReader(body)}
		r := httptest.NewRequest(http.MethodPost, "/graphql", counted)
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		ctx := clientaddr.With(r.Context(), "192.0.2.1")
		ctx = identity.NewContext(ctx, &identity.Viewer{ID: uuid.New()})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r.WithContext(ctx))

		if limit := s.cfg.MaxUploadBytes + multipartOverhead; counted.n > limit {
			t.Fatalf("read %d bytes of the body, over the limit of %d", counted.n, limit)
		}
		checkAnswer(t, w.Code, w.Body.Bytes())
	})
}

// checkAnswer fails t unless body is a JSON GraphQL answer whose errors
// all carry a code other than INTERNAL, with a status below 500 or 503.
func checkAnswer(t *testing.T, status int, body []byte) {
	t.Helper()
	if status >= 500 && status != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", status, body)
	}
	var out struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("status %d, body not JSON: %q", status, body)
	}
	for _, e := range out.Errors {
		if c, _ := e.Extensions["code"].(string); c == "" || c == "INTERNAL" {
			t.Fatalf("status %d, an error without a stable code: %s", status, body)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// memSocket is a WebSocket whose client messages are given in advance: the
// request's context carries them (see framesKey). What the server writes is
// discarded once checked to be JSON.
type memSocket struct {
	mu     sync.Mutex
	proto  string
	frames [][]byte
}

type framesKey struct{}

type memSockets struct{}

func (memSockets) Accept(_ http.ResponseWriter, r *http.Request, _ transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	return r.Context().Value(framesKey{}).(*memSocket), nil
}

// NextReader hands out the next message, checked as gorillaConn checks
// the messages it reads.
func (m *memSocket) NextReader() (int, io.Reader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.frames) == 0 {
		return 0, nil, transport.ErrWebsocketClosed
	}
	b := m.frames[0]
	m.frames = m.frames[1:]
	if err := checkMessage(b); err != nil {
		return 0, nil, err
	}
	return 1, bytes.NewReader(b), nil
}

func (m *memSocket) WriteJSON(v any) error {
	_, err := json.Marshal(v)
	return err
}

func (m *memSocket) WriteClose(int, string) error { return nil }
func (m *memSocket) Close() error                 { return nil }
func (m *memSocket) Subprotocol() string          { return m.proto }

// FuzzWebsocketMessages feeds arbitrary client messages (separated by NUL
// bytes), on either subprotocol, through FaceStat's message checks, its
// per-socket and per-instance bounds and gqlgen's WebSocket transport on
// a small schema: nothing panics and every socket's session ends when its
// messages do.
func FuzzWebsocketMessages(f *testing.F) {
	s := fuzzServer(f, map[string]string{"FACESTAT_WS_MAX_OPERATIONS": "3"})
	var l admission.Limits
	l.InFlight[admission.Subscriptions] = 5
	ctrl := admission.New(admission.Config{Limits: l})
	gql := testserver.New()
	limit := s.cfg.MaxWSMessageBytes
	gql.AddTransport(transport.Websocket{Implementation: memSockets{}, PayloadReadLimit: &limit})
	gql.Use(admit{ctrl: ctrl})
	gql.SetErrorPresenter(presentError)
	h := s.limitBody(gql)

	join := func(msgs ...string) []byte { return []byte(strings.Join(msgs, "\x00")) }
	initMsg := `{"type":"connection_init","payload":{}}`
	sub := func(id string) string {
		return `{"id":"` + id + `","type":"subscribe","payload":{"query":"subscription { name }"}}`
	}
	f.Add(true, join(initMsg, sub("1"), sub("2"), sub("3"), sub("4"), `{"id":"1","type":"complete"}`, sub("5")))
	f.Add(false, join(initMsg, strings.Replace(sub("1"), "subscribe", "start", 1), `{"id":"1","type":"stop"}`))
	f.Add(true, join(initMsg, sub("1"), sub("1"), `{"type":"ping"}`, `{"type":"pong"}`))
	f.Add(true, join(initMsg, sub(strings.Repeat("x", 200))))
	f.Add(true, join(`{"type":"connection_init","payload":{"authorization":"`+strings.Repeat("a", 9000)+`"}}`))
	f.Add(true, join(initMsg, `{"id":"q","type":"subscribe","payload":{"query":"{ name }"}}`, `{"id":"m","type":"subscribe","payload":{"query":"mutation { name }"}}`))
	f.Add(true, join(initMsg, `{"id":1,"type":"subscribe","payload":null}`, `[]`, `{`, `"x"`, `{"type":"connection_terminate"}`))
	f.Add(false, join(`{"type":"start"}`))
	f.Fuzz(func(t *testing.T, modern bool, data []byte) {
		sock := &memSocket{proto: "graphql-ws"}
		if modern {
			sock.proto = "graphql-transport-ws"
		}
		sock.frames = bytes.Split(data, []byte{0})
		r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		r.Header.Set("Upgrade", "websocket")
		r = r.WithContext(context.WithValue(clientaddr.With(r.Context(), "192.0.2.1"), framesKey{}, sock))
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(httptest.NewRecorder(), r)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the socket's session did not end with its messages: %q", data)
		}
	})
}
