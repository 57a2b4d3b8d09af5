package integration_test

import (
	"testing"
	"time"
)

// TestLiveRevoked: access granted at subscription time is not forever. A
// stranger watching a public photo stops getting its results once it turns
// private, and a signed-out session's socket closes.
func TestLiveRevoked(t *testing.T) {
	e := startEnv(t, "", map[string]string{"FACESTAT_WS_SESSION_CHECK": "200ms"})
	owner := e.account(t, "revoker")
	photo := liveUpload(t, e, owner, true)
	vars := map[string]any{"id": photo}

	t.Run("PhotoTurnsPrivate", func(t *testing.T) {
		stranger := e.account(t, "onlooker")
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init(stranger)
		ws.subscribe("s", photoStatsSubscription, vars)
		if s := ws.nextStats("s", 10*time.Second); s.VoteCount != 0 {
			t.Fatalf("current state: %v", s)
		}
		e.gql(t, e.anonymous(t), castVote, map[string]any{"id": photo, "answers": answers(30, 5, true, "calm")}, &struct{}{})
		if s := ws.nextStats("s", 10*time.Second); s.VoteCount != 1 {
			t.Fatalf("while public: %v", s)
		}
		e.gql(t, owner, `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: false}) { photo { id } } }`, vars, &struct{}{})
		e.gql(t, e.anonymous(t), castVote, map[string]any{"id": photo, "answers": answers(40, 5, true, "calm")}, &struct{}{})
		m := ws.next(10 * time.Second)
		if m.Type != "complete" || m.ID != "s" {
			t.Fatalf("after the photo turned private the stranger got %s %s", m.Type, m.Payload)
		}
		e.gql(t, owner, `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: true}) { photo { id } } }`, vars, &struct{}{})
	})

	t.Run("SignOutClosesSocket", func(t *testing.T) {
		var in struct{ SignIn struct{ Token string } }
		e.gql(t, "", `mutation { signIn(input: {email: "revoker@example.com", password: "correct horse battery"}) { token } }`, nil, &in)
		ws := dialWS(t, e.URL, protoTransportWS)
		ws.init(in.SignIn.Token)
		ws.subscribe("s", photoStatsSubscription, vars)
		ws.nextStats("s", 10*time.Second)
		e.gql(t, in.SignIn.Token, `mutation { signOut { ok } }`, nil, &struct{}{})
		end, closed := ws.waitClosed(5 * time.Second)
		if !closed {
			t.Fatal("the socket of a signed-out session stayed open")
		}
		// At the periodic session check: 4403, reconnect with a fresh token.
		if end.Code != 4403 {
			t.Errorf("the signed-out session's socket closed with %d %q (%v), want 4403", end.Code, end.Text, end.Err)
		}
	})
}
