package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTransportWSChecks: the shim closes with the protocol's code for each
// message out of place, passes the rest to gqlgen under ids of its own,
// and maps gqlgen's answers back.
func TestTransportWSChecks(t *testing.T) {
	const sub = `{"id":"a","type":"subscribe","payload":{"query":"subscription { x }","variables":null,"operationName":"X","extensions":{}}}`
	for _, c := range []struct {
		name  string
		acked bool
		msg   string
		code  int // 0: not closed
	}{
		{"not JSON", false, `{`, closeBadMessage},
		{"array", true, `[]`, closeBadMessage},
		{"null", true, `null`, closeBadMessage},
		{"no type", true, `{"id":"a"}`, closeBadMessage},
		{"numeric type", true, `{"type":1}`, closeBadMessage},
		{"unknown type", true, `{"type":"start"}`, closeBadMessage},
		{"server type", true, `{"type":"next","id":"a","payload":{}}`, closeBadMessage},
		{"init payload string", false, `{"type":"connection_init","payload":"x"}`, closeBadMessage},
		{"subscribe without id", true, `{"type":"subscribe","payload":{"query":"q"}}`, closeBadMessage},
		{"subscribe empty id", true, `{"id":"","type":"subscribe","payload":{"query":"q"}}`, closeBadMessage},
		{"subscribe null payload", true, `{"id":"a","type":"subscribe","payload":null}`, closeBadMessage},
		{"subscribe query number", true, `{"id":"a","type":"subscribe","payload":{"query":1}}`, closeBadMessage},
		{"subscribe variables array", true, `{"id":"a","type":"subscribe","payload":{"query":"q","variables":[1]}}`, closeBadMessage},
		{"complete without id", true, `{"type":"complete"}`, closeBadMessage},
		{"subscribe before ack", false, sub, closeUnauthorized},
		{"subscribe", true, sub, 0},
		{"init", false, `{"type":"connection_init"}`, 0},
		{"init null payload", false, `{"type":"connection_init","payload":null}`, 0},
		{"ping before ack", false, `{"type":"ping","payload":{"a":1}}`, 0},
		{"complete unknown id", true, `{"id":"zz","type":"complete"}`, 0},
	} {
		tw := newTransportWS()
		tw.acked = c.acked
		_, _, closing := tw.receive([]byte(c.msg))
		got := 0
		if closing != nil {
			got = closing.code
			if len(closing.reason) > 123 {
				t.Errorf("%s: reason of %d bytes", c.name, len(closing.reason))
			}
		}
		if got != c.code {
			t.Errorf("%s: %s closed with %d (%v), want %d", c.name, c.msg, got, closing, c.code)
		}
	}

	tw := newTransportWS()
	if pass, _, closing := tw.receive([]byte(`{"type":"connection_init","payload":{}}`)); closing != nil || pass == nil {
		t.Fatalf("init: %s %v", pass, closing)
	}
	if _, _, closing := tw.receive([]byte(`{"type":"connection_init"}`)); closing == nil || closing.code != closeTooManyInits {
		t.Fatalf("second init: %v, want 4429", closing)
	}
	if _, reply, _ := tw.receive([]byte(`{"type":"ping","payload":{"n":1}}`)); reply == nil || reply.Type != "pong" || string(reply.Payload) != `{"n":1}` {
		t.Fatalf("ping: reply %+v", reply)
	}
	ack := &wireMessage{Type: "connection_ack"}
	tw.send(ack)
	internal := func(b []byte) string {
		var m struct{ ID string }
		json.Unmarshal(b, &m)
		return m.ID
	}
	pass, _, _ := tw.receive([]byte(sub))
	first := internal(pass)
	if first == "" || first == "a" {
		t.Fatalf("gqlgen got id %q", first)
	}
	if _, _, closing := tw.receive([]byte(sub)); closing == nil || closing.code != closeSubscriberExists || closing.reason != "Subscriber for a already exists" {
		t.Fatalf("duplicate: %v", closing)
	}
	next := &wireMessage{ID: first, Type: "next", Payload: json.RawMessage(`{}`)}
	if !tw.send(next) || next.ID != "a" {
		t.Fatalf("next of the first: %+v", next)
	}
	// The client completes "a": gqlgen stops its own id, and what it sends
	// for it after is dropped; "a" may be used again, under a new id.
	pass, _, _ = tw.receive([]byte(`{"id":"a","type":"complete"}`))
	if internal(pass) != first {
		t.Fatalf("complete passed as %s", pass)
	}
	if tw.send(&wireMessage{ID: first, Type: "complete"}) {
		t.Fatal("gqlgen's complete after the client's went out")
	}
	pass, _, _ = tw.receive([]byte(sub))
	second := internal(pass)
	if second == first || second == "" {
		t.Fatalf("the reused id went to gqlgen as %q (first %q)", second, first)
	}
	// gqlgen ends it: the id is free.
	if m := (&wireMessage{ID: second, Type: "error", Payload: json.RawMessage(`[]`)}); !tw.send(m) || m.ID != "a" {
		t.Fatalf("error: %+v", m)
	}
	if _, _, closing := tw.receive([]byte(sub)); closing != nil {
		t.Fatalf("subscribe after the server's error: %v", closing)
	}
	if r := limitReason("Subscriber for " + strings.Repeat("x", 128) + " already exists"); len(r) > 123 {
		t.Fatalf("reason of %d bytes", len(r))
	}
}

// FuzzTransportWS feeds client messages and gqlgen's answers (a frame
// starting with ">" is one gqlgen sends) through the shim: nothing panics,
// and its two id maps stay each other's inverse.
func FuzzTransportWS(f *testing.F) {
	f.Add([]byte(`{"type":"connection_init"}` + "\x00" + `>{"type":"connection_ack"}` + "\x00" +
		`{"id":"a","type":"subscribe","payload":{"query":"q"}}` + "\x00" + `>{"id":"1","type":"next"}` + "\x00" +
		`{"id":"a","type":"complete"}` + "\x00" + `>{"id":"1","type":"complete"}` + "\x00" +
		`{"id":"a","type":"subscribe","payload":{"query":"q"}}` + "\x00" + `>{"id":"2","type":"error"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tw := newTransportWS()
		for _, frame := range strings.Split(string(data), "\x00") {
			if out, ok := strings.CutPrefix(frame, ">"); ok {
				var m wireMessage
				if json.Unmarshal([]byte(out), &m) == nil {
					tw.send(&m)
				}
			} else if _, _, closing := tw.receive([]byte(frame)); closing != nil {
				return
			}
			if len(tw.byClient) != len(tw.byInternal) {
				t.Fatalf("%d client ids, %d of gqlgen's", len(tw.byClient), len(tw.byInternal))
			}
			for c, i := range tw.byClient {
				if tw.byInternal[i] != c {
					t.Fatalf("client id %q → %q → %q", c, i, tw.byInternal[i])
				}
			}
		}
	})
}
