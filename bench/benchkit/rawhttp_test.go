package benchkit

import (
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestConnSpeaksHTTP checks Conn against net/http's server: bodies with a
// Content-Length and chunked ones, none for 204, the request's headers
// and body as sent, a GET, Retry-After noticed, Connection: close, and a kept-alive connection the
// server closed in between (an error, not sent again; the next request
// dials anew).
func TestConnSpeaksHTTP(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			fmt.Fprintf(w, "%s %s %s %s", r.Method, r.Header.Get("X-Forwarded-For"), r.Header.Get("Content-Type"), body)
		case "/chunked":
			for i := range 3 {
				fmt.Fprintf(w, "part%d;", i)
				w.(http.Flusher).Flush()
			}
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/close":
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "bye")
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c, err := NewConn(srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	check := func(path string, wantStatus int, want string) {
		t.Helper()
		status, body, err := c.Post(path, []string{"X-Forwarded-For: 203.0.113.7"}, []byte(`{"a":1}`))
		if err != nil || status != wantStatus || string(body) != want {
			t.Fatalf("POST %s: %d %q %v, want %d %q", path, status, body, err, wantStatus, want)
		}
	}
	check("/echo", 200, `POST 203.0.113.7 application/json {"a":1}`)
	check("/chunked", 200, "part0;part1;part2;")
	check("/echo", 200, `POST 203.0.113.7 application/json {"a":1}`)
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for three requests, want 1 kept alive", n)
	}
	check("/close", 503, "bye")
	if !c.RetryAfter() {
		t.Error("RetryAfter after a response with Retry-After: false")
	}
	check("/echo", 200, `POST 203.0.113.7 application/json {"a":1}`)
	if c.RetryAfter() {
		t.Error("RetryAfter after a response without Retry-After: true")
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections after Connection: close, want 2", n)
	}
	check("/empty", 204, "")
	if status, body, err := c.Get("/echo", []string{"X-Forwarded-For: 203.0.113.8"}); err != nil || status != 200 || string(body) != "GET 203.0.113.8  " {
		t.Fatalf("GET /echo: %d %q %v, want 200 %q", status, body, err, "GET 203.0.113.8  ")
	}
	srv.CloseClientConnections() // the server drops the kept-alive connection
	time.Sleep(50 * time.Millisecond)
	if _, _, err := c.Post("/echo", nil, []byte("x")); err == nil {
		t.Fatal("a request on a connection the server closed succeeded; want its error (a POST is not sent twice)")
	}
	check("/echo", 200, `POST 203.0.113.7 application/json {"a":1}`)
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections after the server closed one, want 3", n)
	}
}

// TestConnGraphQLCodes checks GraphQL's error codes: none for data, the
// first error's code, HTTP_<status> for a body that is not GraphQL.
func TestConnGraphQLCodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch string(body) {
		case "ok":
			io.WriteString(w, `{"data":{"x":1}}`)
		case "word":
			io.WriteString(w, `{"data":{"x":1,"w":"errors"}}`)
		case "busy":
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"errors":[{"message":"busy","extensions":{"code":"UNAVAILABLE"}}]}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>")
		}
	}))
	defer srv.Close()
	c, err := NewConn(srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for body, want := range map[string]string{"ok": "", "word": "", "busy": "UNAVAILABLE", "bad": "HTTP_502"} {
		resp, code, _ := c.GraphQL(nil, []byte(body))
		if code != want || (want == "" && !strings.Contains(string(resp), `"x":1`)) {
			t.Errorf("%s: code %q response %q, want code %q", body, code, resp, want)
		}
	}
}

// TestAppendAnswersJSON checks that the appended JSON is Answers' for the
// same draws.
func TestAppendAnswersJSON(t *testing.T) {
	for seed := range uint64(50) {
		want, err := json.Marshal(Answers(mrand.New(mrand.NewPCG(seed, 1))))
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(AppendAnswersJSON(nil, mrand.New(mrand.NewPCG(seed, 1))), &a); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: appended %v, Answers %v", seed, a, b)
		}
	}
}

// TestCastVoteBody checks that a body is the JSON of the query and its
// variables, the same for the same draws.
func TestCastVoteBody(t *testing.T) {
	c := NewCastVote("mutation($id: ID!, $answers: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $answers}) { photo { id } } }")
	for seed := range uint64(5) {
		var got struct {
			Query     string
			Variables struct {
				ID      string
				Answers any
			}
		}
		if err := json.Unmarshal(c.Body("UGhvdG86MQ", mrand.New(mrand.NewPCG(seed, 2))), &got); err != nil {
			t.Fatal(err)
		}
		var want any
		raw, _ := json.Marshal(Answers(mrand.New(mrand.NewPCG(seed, 2))))
		json.Unmarshal(raw, &want)
		if !strings.HasPrefix(got.Query, "mutation($id") || got.Variables.ID != "UGhvdG86MQ" || !reflect.DeepEqual(got.Variables.Answers, want) {
			t.Fatalf("seed %d: %+v, want answers %v", seed, got, want)
		}
	}
}
