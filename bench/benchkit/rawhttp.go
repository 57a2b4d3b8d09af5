package benchkit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Conn is one keep-alive HTTP/1.1 connection for a load generator whose
// own CPU per request must stay small next to the server's (pgbench's C
// client spends about 20 µs per transaction; net/http's client with JSON
// maps about 90 µs per castVote): a request is written as prepared bytes
// in one write and its response read from a bufio.Reader, without
// net/http's pool, per-connection goroutines or header maps. It speaks
// just enough HTTP/1.1 for FaceStat's answers (Content-Length or chunked
// bodies, Connection: close). A request that fails is not sent again (a
// POST may have been carried out): the error is the caller's to count,
// and the next request dials a new connection. Not safe for concurrent
// use: one per goroutine.
type Conn struct {
	addr, host string
	timeout    time.Duration
	c          net.Conn
	r          *bufio.Reader
	req, body  []byte
	retryAfter bool // the last response had a Retry-After header
}

// NewConn returns a connection to base ("http://host:port"), dialled at
// its first request, with a deadline per request.
func NewConn(base string, timeout time.Duration) (*Conn, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("benchkit: %q is not an http://host:port URL", base)
	}
	return &Conn{addr: u.Host, host: u.Host, timeout: timeout}, nil
}

// Close closes the connection, if open.
func (c *Conn) Close() {
	if c.c != nil {
		c.c.Close()
		c.c, c.r = nil, nil
	}
}

// Post sends a POST of body to path with the extra header lines (each
// "Name: value"), and returns the response's status and body; the body is
// valid until the next call.
func (c *Conn) Post(path string, headers []string, body []byte) (int, []byte, error) {
	return c.do("POST ", path, headers, body)
}

// Get sends a GET of path with the extra header lines, and returns the
// response's status and body as Post does.
func (c *Conn) Get(path string, headers []string) (int, []byte, error) {
	return c.do("GET ", path, headers, nil)
}

// RetryAfter reports whether the last response had a Retry-After header.
func (c *Conn) RetryAfter() bool { return c.retryAfter }

func (c *Conn) do(method, path string, headers []string, body []byte) (int, []byte, error) {
	c.req = append(c.req[:0], method...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.host...)
	if body != nil {
		c.req = append(c.req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	}
	c.req = append(c.req, "\r\n"...)
	for _, h := range headers {
		c.req = append(c.req, h...)
		c.req = append(c.req, "\r\n"...)
	}
	c.req = append(c.req, "\r\n"...)
	c.req = append(c.req, body...)
	status, err := c.roundTrip()
	if err != nil {
		c.Close()
		return 0, nil, err
	}
	return status, c.body, nil
}

func (c *Conn) roundTrip() (int, error) {
	if c.c == nil {
		conn, err := net.DialTimeout("tcp", c.addr, c.timeout)
		if err != nil {
			return 0, err
		}
		c.c, c.r = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	if err := c.c.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		c.Close()
		return 0, err
	}
	if _, err := c.c.Write(c.req); err != nil {
		c.Close()
		return 0, err
	}
	status, err := c.readResponse()
	if err != nil {
		c.Close()
	}
	return status, err
}

var errMalformed = errors.New("benchkit: malformed HTTP response")

// readResponse reads a response's status line, headers and body (into
// c.body); it closes the connection after a Connection: close.
func (c *Conn) readResponse() (int, error) {
	line, err := c.line()
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, errMalformed
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil || status < 200 { // FaceStat sends no 1xx (100-continue is never asked for)
		return 0, errMalformed
	}
	length, chunked, closing := -1, false, false
	c.retryAfter = false
	for {
		line, err := c.line()
		if err != nil {
			return 0, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, errMalformed
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, errMalformed
			}
		case asciiEqualFold(name, "Transfer-Encoding"): // chunked is the last coding when present
			codings := bytes.Split(value, []byte(","))
			chunked = asciiEqualFold(bytes.TrimSpace(codings[len(codings)-1]), "chunked")
		case asciiEqualFold(name, "Connection"):
			closing = asciiEqualFold(value, "close")
		case asciiEqualFold(name, "Retry-After"):
			c.retryAfter = true
		}
	}
	c.body = c.body[:0]
	switch {
	case status == 204 || status == 304: // no body, whatever the headers say
	case chunked:
		for {
			line, err := c.line()
			if err != nil {
				return 0, err
			}
			size, _, _ := bytes.Cut(line, []byte(";"))
			n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
			if err != nil || n < 0 {
				return 0, errMalformed
			}
			if n == 0 {
				for { // trailers, then the blank line
					if line, err = c.line(); err != nil {
						return 0, err
					}
					if len(line) == 0 {
						break
					}
				}
				break
			}
			if err := c.readBody(int(n)); err != nil {
				return 0, err
			}
			if line, err = c.line(); err != nil || len(line) != 0 {
				return 0, errMalformed
			}
		}
	case length >= 0:
		if err := c.readBody(length); err != nil {
			return 0, err
		}
	default: // the body runs to the connection's end
		rest, err := io.ReadAll(c.r)
		if err != nil {
			return 0, err
		}
		c.body, closing = append(c.body, rest...), true
	}
	if closing {
		c.Close()
	}
	return status, nil
}

// line reads one header line without its CRLF.
func (c *Conn) line() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func (c *Conn) readBody(n int) error {
	start := len(c.body)
	c.body = append(c.body, make([]byte, n)...)
	_, err := io.ReadFull(c.r, c.body[start:])
	return err
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// GraphQL posts a GraphQL request body (JSON) to /graphql with the extra
// header lines and returns the response's body, or an error code as
// Client.Do does. A 200 response without "errors" is not decoded: the
// caller decodes what it needs ({"data": ...}); the body is valid until
// the next call.
func (c *Conn) GraphQL(headers []string, body []byte) (response []byte, code, msg string) {
	status, raw, err := c.Post("/graphql", headers, body)
	if err != nil {
		return nil, "TRANSPORT", err.Error()
	}
	if status == 200 && !bytes.Contains(raw, []byte(`"errors"`)) {
		return raw, "", "" // no error can be in it: not decoded
	}
	if _, code, msg := decodeResponse(status, raw); code != "" {
		return nil, code, msg
	}
	return raw, "", "" // "errors" was in the data
}

// CastVote writes the JSON bodies of one castVote document, whose
// variables are $id and $answers, as prepared bytes. Not safe for
// concurrent use: one per goroutine.
type CastVote struct {
	prefix, body []byte
}

// NewCastVote returns the writer of query's bodies.
func NewCastVote(query string) *CastVote {
	q, _ := json.Marshal(query)
	return &CastVote{prefix: append(append([]byte(`{"query":`), q...), `,"variables":{"id":`...)}
}

// Body returns the body of a vote for the photo id with answers drawn from
// r (AppendAnswersJSON), valid until the next call.
func (c *CastVote) Body(id string, r *mrand.Rand) []byte {
	c.body = append(c.body[:0], c.prefix...)
	c.body = strconv.AppendQuote(c.body, id) // global ids are base64url: a Go quote is JSON
	c.body = append(c.body, `,"answers":`...)
	c.body = AppendAnswersJSON(c.body, r)
	return append(c.body, "}}"...)
}
