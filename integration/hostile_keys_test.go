package integration_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHostileKeys attacks API keys: guessed, malformed, oversized and
// doubled keys are refused with 401 before anything runs; a key of
// another account does nothing to this one; a forged bearer token with a
// valid key is refused, never served as the key's owner; a revoked key's
// open socket closes.
func TestHostileKeys(t *testing.T) {
	backends(t, withSettings(keySettings, map[string]string{"FACESTAT_WS_SESSION_CHECK": "200ms"}), func(t *testing.T, e *env) {
		owner := e.account(t, "hostilekeys")
		k := e.createKey(t, owner, "k", "READ", "WRITE")
		q := `{ viewer { id } }`
		for name, h := range map[string]http.Header{
			"guessed":   {"X-Api-Key": {"fsk_" + strings.Repeat("A", 43)}},
			"truncated": {"X-Api-Key": {k.Key[:len(k.Key)-1]}},
			"padded":    {"X-Api-Key": {k.Key + "A"}},
			"no prefix": {"X-Api-Key": {strings.TrimPrefix(k.Key, "fsk_")}},
			"a session": {"X-Api-Key": {owner}},
			"empty":     {"X-Api-Key": {""}},
			"huge":      {"X-Api-Key": {"fsk_" + strings.Repeat("A", 60000)}},
			"twice":     {"X-Api-Key": {k.Key, k.Key}},
		} {
			r := e.do(t, request{Query: q, Header: h})
			if r.Status != 401 || r.code() != "UNAUTHENTICATED" {
				t.Errorf("%s key: %d %s %+v", name, r.Status, r.Data, r.Errors)
			}
		}
		// A READ key's vote hidden under an alias in a fragment, and an
		// account mutation beside an allowed one: refused all the same.
		read := e.createKey(t, owner, "read")
		if r := e.do(t, withKey(read.Key, `mutation { ...F } fragment F on Mutation { v: castVote(input: {photoId: "x", answers: []}) { next { id } } }`, nil)); r.ext("reason") != "KEY_SCOPE" {
			t.Fatalf("an aliased vote in a fragment by a READ key: %s %+v", r.Data, r.Errors)
		}
		if r := e.do(t, withKey(k.Key, `mutation { skipPhoto(input: {photoId: "x"}) { next { id } } k: createApiKey(input: {name: "sneaky"}) { key } }`, nil)); !strings.Contains(string(r.Raw), "KEY_SCOPE") || strings.Contains(string(r.Raw), `"key":"fsk_`) {
			t.Fatalf("createApiKey beside skipPhoto by a key: %s", r.Raw)
		}
		// A valid key with a forged bearer token: refused as the token is.
		r := e.do(t, request{Token: "fsa_" + strings.Repeat("B", 43), Query: q, Header: http.Header{"X-Api-Key": {k.Key}}})
		if r.Status != 401 {
			t.Fatalf("key + forged bearer: %d %+v", r.Status, r.Errors)
		}
		// With another user's real token the key names the app: the viewer
		// is that user, not the key's owner, and manages its own account.
		user := e.account(t, "keyappuser")
		var v struct {
			Viewer struct{ User struct{ Handle string } }
		}
		e.do(t, request{Token: user, Query: `{ viewer { user { handle } } }`, Header: http.Header{"X-Api-Key": {k.Key}}}).decode(t, &v)
		if v.Viewer.User.Handle != "keyappuser" {
			t.Fatalf("key + a user's token acts as %q", v.Viewer.User.Handle)
		}
		// A key of another account: revoking it from here is NOT_FOUND,
		// and the key cannot revoke or list this account's keys.
		mine := e.createKey(t, user, "mine")
		if r := e.do(t, withKey(k.Key, `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { id } }`, map[string]any{"id": mine.APIKey.ID})); r.code() != "FORBIDDEN" {
			t.Fatalf("a key revokes a key: %+v", r.Errors)
		}
		// The key is not a cookie: with the owner's cookie and no CSRF
		// header, a key request is served as the key, and a cookie alone
		// still needs its CSRF token.
		if r := e.do(t, request{Query: `mutation { skipPhoto(input: {photoId: "x"}) { next { id } } }`,
			Header: http.Header{"X-Api-Key": {k.Key}}, Cookies: []*http.Cookie{{Name: "fs_session", Value: owner}}}); r.code() == "FORBIDDEN" && r.ext("reason") == "CSRF_TOKEN_INVALID" {
			t.Fatalf("a key request was taken for a cookie request: %+v", r.Errors)
		}

		// A revoked key's open socket closes.
		c := dialWS(t, e.URL, protoTransportWS)
		c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"x-api-key": k.Key}})
		if m := c.next(10 * time.Second); m.Type != "connection_ack" {
			t.Fatalf("init with a key: %s %s", m.Type, m.Payload)
		}
		c.subscribe("1", `subscription { myPhotoActivity { id } }`, nil)
		e.gql(t, owner, `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { id } }`, map[string]any{"id": k.APIKey.ID}, new(map[string]any))
		if _, closed := c.waitClosed(5 * time.Second); !closed {
			t.Fatal("the socket of a revoked key is still open after 5 s")
		}
		// And a socket cannot open with it.
		d := dialWS(t, e.URL, protoTransportWS)
		d.send(map[string]any{"type": "connection_init", "payload": map[string]any{"x-api-key": k.Key}})
		if end, closed := d.waitClosed(5 * time.Second); !closed || end.Code != 4403 {
			t.Fatalf("init with a revoked key: closed %v, code %d", closed, end.Code)
		}
	})
}
