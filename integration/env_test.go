package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/db/dbtest"
)

// clock is the test's clock: real time plus an offset tests move forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is one running FaceStat behind a real HTTP listener.
type env struct {
	t       testing.TB
	URL     string
	App     *app.App
	DataDir string
	Clock   *clock
}

// testSettings are what every test server runs with, on top of the
// defaults: cheap password hashing and generous rate limits.
var testSettings = map[string]string{
	"FACESTAT_ARGON2_MEMORY":     "64",
	"FACESTAT_ARGON2_TIME":       "1",
	"FACESTAT_LOG_LEVEL":         "warn",
	"FACESTAT_RATE_ANON_SESSION": "1000/1m",
	"FACESTAT_RATE_SIGN_UP":      "1000/1m",
	"FACESTAT_RATE_SIGN_IN":      "1000/1m",
	"FACESTAT_RATE_UPLOAD":       "1000/1m",
	"FACESTAT_RATE_UPLOAD_IP":    "100000/1m",
	"FACESTAT_RATE_VOTE":         "100000/1m",
	"FACESTAT_RATE_VOTE_IP":      "100000/1m",
	"FACESTAT_BUDGET_IP":         "100000000/1m", // tests send from loopback, far faster than people
	"FACESTAT_BUDGET_SESSION":    "100000000/1m",
	"FACESTAT_BUDGET_ACCOUNT":    "100000000/1m",
	"FACESTAT_MAX_UPLOAD_BYTES":  "2MiB",
	"FACESTAT_MAX_BODY_BYTES":    "64KiB",
	"FACESTAT_PHOTO_QUOTA":       "3",
	"FACESTAT_REFIT_INTERVAL":    "1h", // the judge model runs when a test asks (env.refit), not mid-assertion
}

// backends runs fn once on SQLite and once on PostgreSQL, each with a
// server of its own. settings override testSettings.
func backends(t *testing.T, settings map[string]string, fn func(t *testing.T, e *env)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		fn(t, startEnv(t, "", settings))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		fn(t, startEnv(t, dbtest.MustCreatePGDatabase(t), settings))
	})
}

func startEnv(t testing.TB, databaseURL string, settings map[string]string, opts ...app.Option) *env {
	t.Helper()
	return startEnvListening(t, databaseURL, settings, nil, opts...)
}

// startEnvListening is startEnv whose server accepts connections through
// wrap(listener), when wrap is not nil.
func startEnvListening(t testing.TB, databaseURL string, settings map[string]string, wrap func(net.Listener) net.Listener, opts ...app.Option) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	if wrap != nil {
		ts.Listener = wrap(ts.Listener)
	}
	vars := map[string]string{}
	for k, v := range testSettings {
		vars[k] = v
	}
	for k, v := range settings {
		vars[k] = v
	}
	dataDir := t.TempDir()
	vars["FACESTAT_DATA_DIR"] = dataDir
	vars["FACESTAT_DATABASE_URL"] = databaseURL
	vars["FACESTAT_PUBLIC_URL"] = "http://" + ts.Listener.Addr().String()
	cfg, _, err := config.Load(nil, func(k string) string { return vars[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := newTestWriter(t)
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, w), opts...)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	a.Identity.Now = c.Now
	a.Photos.Now = c.Now // signed image URLs expire by the test clock
	a.Server.SetReady(true)
	ts.Config.Handler = a.Server
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		a.Close()
	})
	return &env{t: t, URL: ts.URL, App: a, DataDir: dataDir, Clock: c}
}

// testWriter sends the server's log lines to the test's log, until the
// test's cleanups are done: a line a goroutine of the server logs later
// (its work outliving Close) is dropped, not sent to a finished test
// (testing reports that as a data race).
type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

// newTestWriter returns a testWriter for t, closed by t's last cleanup
// (registered first: cleanups run last-in, first-out).
func newTestWriter(t testing.TB) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(b)))
	}
	return len(b), nil
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// response is a GraphQL response with its HTTP status and headers.
type response struct {
	Status int
	Header http.Header
	Raw    []byte          `json:"-"` // the whole body, as it came
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// code returns the code of the first error, or "" when there is none.
func (r *response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func (r *response) ext(key string) any {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors[0].Extensions[key]
}

// whileBusy sends a request (send) again, as a client would, while
// admission refuses it UNAVAILABLE, reason BUSY (a loaded machine: CI runs
// packages side by side), at most 50 times 100 ms apart; it returns the
// last answer.
func whileBusy(send func() *response) *response {
	r := send()
	for try := 0; r.code() == "UNAVAILABLE" && r.ext("reason") == "BUSY" && try < 50; try++ {
		time.Sleep(100 * time.Millisecond)
		r = send()
	}
	return r
}

// decode unmarshals data into v, failing the test on errors in the response.
func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Data, err)
	}
}

// request is one GraphQL call.
type request struct {
	Token   string
	Query   string
	Vars    map[string]any
	Header  http.Header
	Cookies []*http.Cookie
}

// do sends req as JSON and returns the response.
func (e *env) do(t *testing.T, req request) *response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": req.Query, "variables": req.Vars})
	hr, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	return e.send(t, hr, req)
}

// gql sends query with the bearer token and decodes the data into v.
func (e *env) gql(t *testing.T, token, query string, vars map[string]any, v any) {
	t.Helper()
	e.do(t, request{Token: token, Query: query, Vars: vars}).decode(t, v)
}

func (e *env) send(t *testing.T, hr *http.Request, req request) *response {
	t.Helper()
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs
	}
	for _, c := range req.Cookies {
		hr.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := &response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("status %d, body not JSON: %q", res.StatusCode, raw)
	}
	return out
}

const uploadMutation = `mutation($file: Upload!, $public: Boolean, $consent: UploadConsentInput) {
  uploadPhoto(input: {file: $file, public: $public, consent: $consent}) {
    photo { id imageUrl thumbnailUrl width height isPublic createdAt owner { handle } }
  }
}`

// upload sends the GraphQL multipart request for uploadPhoto.
func (e *env) upload(t *testing.T, token string, name string, data []byte, public bool) *response {
	t.Helper()
	return e.uploadWith(t, request{Token: token}, name, data, public)
}

// uploadWith is upload with req's token, headers and cookies.
func (e *env) uploadWith(t *testing.T, req request, name string, data []byte, public bool) *response {
	t.Helper()
	return e.uploadConsenting(t, req, name, data, public, nil)
}

// uploadConsenting is uploadWith with the upload's consent (nil: none sent).
func (e *env) uploadConsenting(t *testing.T, req request, name string, data []byte, public bool, consent map[string]bool) *response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vars := map[string]any{"file": nil, "public": public}
	if consent != nil {
		vars["consent"] = consent
	}
	ops, _ := json.Marshal(map[string]any{"query": uploadMutation, "variables": vars})
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", `{"0":["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", name)
	fw.Write(data)
	mw.Close()
	hr, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", &body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	return e.send(t, hr, req)
}

// account signs up a new account and returns its access token.
func (e *env) account(t *testing.T, handle string) string {
	t.Helper()
	var out struct{ SignUp struct{ Token string } }
	e.gql(t, "", `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
		map[string]any{"in": map[string]any{"handle": handle, "email": handle + "@example.com", "password": "correct horse battery"}}, &out)
	return out.SignUp.Token
}

// snapshot is everything a refused request must leave unchanged: the row
// count of every table and the listing of the image folder.
type snapshot struct {
	Rows  map[string]int
	Blobs []string
}

func (e *env) snapshot(t *testing.T) snapshot {
	t.Helper()
	s := snapshot{Rows: map[string]int{}}
	for _, table := range []string{"users", "sessions", "photos", "settings", "questions", "votes", "photo_question_stats", "photo_answer_counts", "photo_words"} {
		var n int
		if err := e.App.DB.SQL.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		s.Rows[table] = n
	}
	root := filepath.Join(e.DataDir, "blobs")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && p != root {
			rel, _ := filepath.Rel(root, p)
			s.Blobs = append(s.Blobs, rel)
		}
		return nil
	})
	sort.Strings(s.Blobs)
	return s
}

func (s snapshot) String() string { return fmt.Sprintf("rows %v, blobs %v", s.Rows, s.Blobs) }

// get fetches a URL and returns the response with its body read.
func get(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	return getWith(t, u, nil)
}

// getWith is get with headers.
func getWith(t *testing.T, u string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}
