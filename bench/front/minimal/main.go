// Command minimal is the baseline of bench/front: the least a Go program
// can do to serve the front page. It serves one fixed body with fixed
// headers for every request, with net/http and nothing else: no routing,
// no middleware, no negotiation, no logging.
//
//	minimal -body page.br -headers headers.json [-addr 127.0.0.1:0]
//
// headers.json is a JSON object of header names and values; the header
// slices are made once and assigned to each response's map, as facestat's
// precompressed package does. It prints "minimal is running at http://ADDR".
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"sort"
)

func main() {
	bodyFile := flag.String("body", "", "file holding the response body")
	headersFile := flag.String("headers", "", "JSON object of response headers")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fail(err)
	}
	raw, err := os.ReadFile(*headersFile)
	if err != nil {
		fail(err)
	}
	var hm map[string]string
	if err := json.Unmarshal(raw, &hm); err != nil {
		fail(err)
	}
	type header struct {
		key string
		val []string
	}
	var headers []header
	for k, v := range hm {
		headers = append(headers, header{textproto.CanonicalMIMEHeaderKey(k), []string{v}})
	}
	sort.Slice(headers, func(i, j int) bool { return headers[i].key < headers[j].key })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fail(err)
	}
	fmt.Printf("minimal is running at http://%s\n", ln.Addr())
	err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, x := range headers {
			h[x.key] = x.val
		}
		w.Write(body)
	}))
	fail(err)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "minimal:", err)
	os.Exit(1)
}
