package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestReadResponse reads what net/http writes, with a length and chunked,
// back to back on one keep-alive connection, as the load generator does.
func TestReadResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Forwarded-For") != "198.18.0.7" {
			w.WriteHeader(http.StatusBadRequest)
		}
		if r.URL.Path == "/chunked" {
			w.Write([]byte(`{"data":`))
			w.(http.Flusher).Flush()
			w.Write([]byte(`{"photo":{"id":"x"}}}`))
			return
		}
		w.Write([]byte(`{"data":{"__typename":"Query"}}`))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	var body []byte
	for _, c := range []struct{ path, want string }{
		{"/graphql", `{"data":{"__typename":"Query"}}`},
		{"/chunked", `{"data":{"photo":{"id":"x"}}}`},
		{"/graphql", `{"data":{"__typename":"Query"}}`},
	} {
		b := `{"query":"{ __typename }"}`
		req := string(requestHead(addr, c.path)) + "X-Forwarded-For: " + clientAddrs(8)[7] + "\r\nContent-Length: " +
			strconv.Itoa(len(b)) + "\r\n\r\n" + b
		if _, err := conn.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		status, err := readResponse(br, &body)
		if err != nil || status != 200 || string(body) != c.want {
			t.Fatalf("%s: status %d, body %q, err %v; want 200 %q", c.path, status, body, err, c.want)
		}
	}
}

// TestClientAddrs: distinct addresses in 198.18.0.0/15, never loopback.
func TestClientAddrs(t *testing.T) {
	addrs := clientAddrs(1 << 17)
	seen := map[string]bool{}
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil || ip.IsLoopback() || !(&net.IPNet{IP: net.IPv4(198, 18, 0, 0), Mask: net.CIDRMask(15, 32)}).Contains(ip) || seen[a] {
			t.Fatalf("address %q: not a fresh one of 198.18.0.0/15", a)
		}
		seen[a] = true
	}
}
