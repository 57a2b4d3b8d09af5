package integration_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/relay"
)

// renderedAnswer is one /graphql answer as TestRenderedReads compares
// them: data byte for byte, the price and actual cost, and whether the
// rendered-reads fast path (api/rendered.go) answered it.
type renderedAnswer struct {
	status int
	data   json.RawMessage
	errors []gqlError
	cost   struct{ RequestedQueryCost, ActualQueryCost int }
	hit    bool
}

func (r *readEnv) renderedRead(t *testing.T, token, query string, vars map[string]any) renderedAnswer {
	t.Helper()
	before := r.e.App.Server.RenderedReadHits()
	w := r.serve(r.request(token, query, vars, ""))
	var out struct {
		Data       json.RawMessage
		Errors     []gqlError
		Extensions struct {
			Cost struct{ RequestedQueryCost, ActualQueryCost int }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q, want it private, no-store", cc)
	}
	return renderedAnswer{status: w.Code, data: out.Data, errors: out.Errors, cost: out.Extensions.Cost,
		hit: r.e.App.Server.RenderedReadHits() > before}
}

// TestRenderedReads asserts the fast path of hot photo reads (issue 16,
// api/rendered.go): it answers byte for byte what gqlgen renders for the
// same document (the same document with a directive, which the fast path
// never takes), with the same price and actual cost and the headers every
// answer has; it is never taken for a document with viewer-dependent
// fields, and its entry is not used once a vote changed the statistics,
// once the photo is private, or once it is hidden.
func TestRenderedReads(t *testing.T) {
	// A near cache that outlives the test's requests, so that only the
	// changes the test makes replace its values.
	r := startReadEnv(t, map[string]string{"FACESTAT_NEAR_CACHE_TTL": "1m"})
	// A photo's change drops its cached row again a second later
	// (photos.Service.forgetTwice): let that happen before Redis closes.
	t.Cleanup(func() { time.Sleep(1500 * time.Millisecond) })
	vars := map[string]any{"id": r.id}
	slow := strings.Replace(cachedPhotoRead, "photo(id: $id)", "photo(id: $id) @include(if: true)", 1)
	if slow == cachedPhotoRead {
		t.Fatal("the slow twin is the same document")
	}
	// warm reads the fast document until the fast path answers (the first
	// reads fill the near cache and render the entry).
	warm := func(token string) renderedAnswer {
		t.Helper()
		for range 20 { // a change's second drop of the row may come between
			if a := r.renderedRead(t, token, cachedPhotoRead, vars); a.hit {
				return a
			}
		}
		t.Fatal("the fast path never answered the cached photo read")
		return renderedAnswer{}
	}
	same := func(what string, fast, slow renderedAnswer) {
		t.Helper()
		if fast.status != http.StatusOK || len(fast.errors) > 0 || !bytes.Equal(fast.data, slow.data) || fast.cost != slow.cost {
			t.Errorf("%s: fast path %d %+v %s cost %+v\nslow path %d %+v %s cost %+v", what,
				fast.status, fast.errors, fast.data, fast.cost, slow.status, slow.errors, slow.data, slow.cost)
		}
		if slow.hit {
			t.Errorf("%s: the slow twin took the fast path", what)
		}
	}

	fast := warm(r.token)
	same("a cached photo read", fast, r.renderedRead(t, r.token, slow, vars))
	if !strings.Contains(string(fast.data), `"handle":"reader"`) || !strings.Contains(string(fast.data), `"voteCount":3`) {
		t.Fatalf("unexpected answer: %s", fast.data)
	}
	// Another viewer, without a session: the same bytes.
	same("without a session", warm(""), r.renderedRead(t, "", slow, vars))

	// Documents with a viewer-dependent field, a second root field or
	// arguments beyond photo's id never take it.
	for _, doc := range []string{
		`query($id: ID!) { photo(id: $id) { id viewerHasVoted } }`,
		`query($id: ID!) { photo(id: $id) { id viewerCanSeeStats stats { voteCount } } }`,
		`query($id: ID!) { photo(id: $id) { id survey { key } } }`,
		`query($id: ID!) { photo(id: $id) { id consent { showsMe } } }`,
		`query($id: ID!) { photo(id: $id) { id moderationState } }`,
		`query($id: ID!) { viewer { __typename } photo(id: $id) { id } }`,
		`query($id: ID!) { photo(id: $id) { id stats { photo { viewerHasVoted } } } }`,
	} {
		for range 3 {
			if a := r.renderedRead(t, r.token, doc, vars); a.hit || a.status != http.StatusOK || len(a.data) < 10 {
				t.Errorf("%s: hit %v, status %d, %s %+v", doc, a.hit, a.status, a.data, a.errors)
			}
		}
	}

	// A vote changes the statistics: the entry is not used; once the new
	// statistics are read, the fast path answers them.
	var s struct{ StartAnonymousSession struct{ Token string } }
	r.post(t, "", `mutation { startAnonymousSession { token } }`, nil, &s)
	judge := s.StartAnonymousSession.Token
	var next struct{ NextPhoto struct{ ID string } }
	r.post(t, judge, `{ nextPhoto { id } }`, nil, &next)
	r.post(t, judge, castVote, map[string]any{"id": r.id, "answers": answers(40, 9, true, "calm")}, &struct{}{})
	for i := 0; ; i++ { // the ingester replaces the cached aggregates after answering
		if a := r.renderedRead(t, r.token, slow, vars); strings.Contains(string(a.data), `"stats":{"voteCount":4`) {
			break
		}
		if i == 500 {
			t.Fatal("the vote never reached the statistics")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The entry rendered from the old aggregates does not answer.
	if a := r.renderedRead(t, r.token, cachedPhotoRead, vars); a.hit || !strings.Contains(string(a.data), `"stats":{"voteCount":4`) {
		t.Errorf("after a vote: hit %v, %s", a.hit, a.data)
	}
	fast = warm(r.token)
	same("after a vote", fast, r.renderedRead(t, r.token, slow, vars))
	if !strings.Contains(string(fast.data), `"stats":{"voteCount":4`) {
		t.Errorf("after a vote the fast path answered %s", fast.data)
	}

	// Private: a stranger no longer sees it, the judge who voted sees it
	// without its owner (OWNER_HIDDEN); neither from the entry.
	ctx := t.Context()
	_, pid, _ := relay.ParseID(r.id)
	owner := &identity.Viewer{ID: r.ownerID, Role: identity.RoleUser}
	if _, err := r.e.App.Photos.SetVisibility(ctx, owner, pid, false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if a := r.renderedRead(t, "", cachedPhotoRead, vars); a.hit || string(a.data) != `{"photo":null}` {
			t.Errorf("private, a stranger: hit %v, %s", a.hit, a.data)
		}
		if a := r.renderedRead(t, judge, cachedPhotoRead, vars); a.hit || len(a.errors) == 0 {
			t.Errorf("private, a judge who voted: hit %v, %s %+v", a.hit, a.data, a.errors)
		}
	}

	// A document the judge who voted may read whole while it is private
	// is not kept for a stranger.
	const small = `query($id: ID!) { photo(id: $id) { id width stats { voteCount } } }`
	for range 3 {
		if a := r.renderedRead(t, judge, small, vars); a.hit || len(a.errors) > 0 || string(a.data) == `{"photo":null}` {
			t.Errorf("private, a judge who voted, without the owner: hit %v, %s %+v", a.hit, a.data, a.errors)
		}
	}
	if a := r.renderedRead(t, "", small, vars); a.hit || string(a.data) != `{"photo":null}` {
		t.Errorf("private, a stranger after the judge: hit %v, %s", a.hit, a.data)
	}

	// Public again: the fast path comes back; hidden by a moderator: gone.
	if _, err := r.e.App.Photos.SetVisibility(ctx, owner, pid, true); err != nil {
		t.Fatal(err)
	}
	fast = warm(r.token)
	same("public again", fast, r.renderedRead(t, r.token, slow, vars))
	mod := r.e.moderator(t, "renderedmod")
	r.post(t, mod, `mutation($id: ID!) { moderatePhoto(input: {photoId: $id, action: REMOVE}) { photo { id } } }`,
		map[string]any{"id": r.id}, &struct{}{})
	for range 3 {
		if a := r.renderedRead(t, r.token, cachedPhotoRead, vars); a.hit || string(a.data) != `{"photo":null}` {
			t.Errorf("hidden: hit %v, %s", a.hit, a.data)
		}
	}
}
