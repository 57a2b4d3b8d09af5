package api

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestReadBody: the body serveJSON read is handed on without a copy, and
// read to its end; one read from since, or any other body, is read as
// io.ReadAll reads it.
func TestReadBody(t *testing.T) {
	all := []byte(`{"query":"{ __typename }"}`)
	body := readBytes{bytes.NewReader(all), all}
	got, err := readBody(body)
	if err != nil || !bytes.Equal(got, all) || &got[0] != &all[0] {
		t.Fatalf("readBody = %q, %v; want serveJSON's own bytes", got, err)
	}
	if n, _ := body.Read(make([]byte, 1)); n != 0 {
		t.Error("after readBody the body still reads")
	}

	body = readBytes{bytes.NewReader(all), all}
	io.ReadFull(body, make([]byte, 3))
	if got, err := readBody(body); err != nil || string(got) != string(all[3:]) {
		t.Errorf("partly read: readBody = %q, %v; want the rest, %q", got, err, all[3:])
	}
	if got, err := readBody(io.NopCloser(strings.NewReader("abc"))); err != nil || string(got) != "abc" {
		t.Errorf("another body: readBody = %q, %v", got, err)
	}
}
