package api

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/ratelimit"
)

// TestRequestHasAPIKey: the trusted-documents hook is true exactly when a
// valid key authenticated the request, alone or with a token.
func TestRequestHasAPIKey(t *testing.T) {
	r := httptest.NewRequest("POST", "/graphql", nil)
	if requestHasAPIKey(r) {
		t.Fatal("no viewer: has a key")
	}
	g := &identity.KeyGrant{ID: 1, Owner: uuid.New(), Scopes: []identity.Scope{identity.ScopeRead}}
	if !requestHasAPIKey(r.WithContext(identity.NewContext(r.Context(), identity.ViewerOfKey(g)))) {
		t.Fatal("a key alone: no key")
	}
	session := &identity.Viewer{ID: uuid.New(), Role: identity.RoleUser, SessionID: 3}
	if requestHasAPIKey(r.WithContext(identity.NewContext(r.Context(), session))) {
		t.Fatal("a session: has a key")
	}
	session.Key = g
	if !requestHasAPIKey(r.WithContext(identity.NewContext(r.Context(), session))) {
		t.Fatal("a session with a key: no key")
	}
}

// TestRateLimitHeaders: the structured fields of the pinned draft, with
// the local marker when the figures are the instance's own.
func TestRateLimitHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	ctx := withCostSink(t.Context(), w, httptest.NewRequest("POST", "/graphql", nil))
	setRateLimitHeaders(ctx, ratelimit.Status{Name: "budget_api_key", Limit: 500000, Per: time.Minute, Remaining: 499000, Local: true})
	setRateLimitHeaders(ctx, ratelimit.Status{Name: "budget_ip", Limit: 1, Per: time.Second}) // once per response
	if got := w.Header().Get("RateLimit-Policy"); got != `"api_key";q=500000;w=60;facestat-local=?1` {
		t.Errorf("RateLimit-Policy %q", got)
	}
	if got := w.Header().Get("RateLimit"); got != `"api_key";r=499000;t=1` {
		t.Errorf("RateLimit %q", got)
	}
	up := httptest.NewRequest("GET", "/graphql", nil)
	up.Header.Set("Upgrade", "websocket")
	w2 := httptest.NewRecorder()
	setRateLimitHeaders(withCostSink(t.Context(), w2, up), ratelimit.Status{Name: "budget_ip", Limit: 1, Per: time.Second})
	if len(w2.Header()) != 0 {
		t.Errorf("a WebSocket upgrade got %v", w2.Header())
	}
}
