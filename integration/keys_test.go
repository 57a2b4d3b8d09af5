package integration_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
)

// keySettings give API keys a budget no other bucket has, so that a
// response can tell the key's budget from the others.
// (and accounts a budget below the address's, so that a session's
// tightest budget is its account's).
var keySettings = map[string]string{"FACESTAT_BUDGET_API_KEY": "777777/1m", "FACESTAT_BUDGET_ACCOUNT": "88888888/1m"}

const createKeyMutation = `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { key apiKey { id name scopes createdAt lastUsedAt } } }`

type createdKey struct {
	Key    string
	APIKey struct {
		ID         string
		Name       string
		Scopes     []string
		LastUsedAt *time.Time
	}
}

// createKey makes an API key for the session token.
func (e *env) createKey(t *testing.T, token, name string, scopes ...string) createdKey {
	t.Helper()
	in := map[string]any{"name": name}
	if scopes != nil {
		in["scopes"] = scopes
	}
	var out struct{ CreateApiKey createdKey }
	e.gql(t, token, createKeyMutation, map[string]any{"in": in}, &out)
	return out.CreateApiKey
}

// withKey is a request with header X-Api-Key.
func withKey(key, query string, vars map[string]any) request {
	return request{Query: query, Vars: vars, Header: http.Header{"X-Api-Key": {key}}}
}

// costOf returns a response's extensions.cost.
func costOf(t *testing.T, r *response) (requested, actual int, max, available int, policy string) {
	t.Helper()
	var body struct {
		Extensions struct {
			Cost struct {
				RequestedQueryCost, ActualQueryCost int
				ThrottleStatus                      struct {
					MaximumAvailable, CurrentlyAvailable int
					RestoreRate                          float64
					Policy                               string
				}
			}
		}
	}
	if err := json.Unmarshal(r.Raw, &body); err != nil {
		t.Fatal(err)
	}
	c := body.Extensions.Cost
	return c.RequestedQueryCost, c.ActualQueryCost, c.ThrottleStatus.MaximumAvailable, c.ThrottleStatus.CurrentlyAvailable, c.ThrottleStatus.Policy
}

var rateLimitRE = regexp.MustCompile(`^"([a-z_]+)";r=(\d+);t=(\d+)$`)

// TestAPIKeys is the "done when": a key from createApiKey is
// served via X-Api-Key on its own budget, visible in extensions.cost and
// the RateLimit headers, within its scopes; revoked, it is refused.
func TestAPIKeys(t *testing.T) {
	backends(t, keySettings, func(t *testing.T, e *env) {
		owner := e.account(t, "keyowner")
		read := e.createKey(t, owner, "my script")
		if !strings.HasPrefix(read.Key, "fsk_") || len(read.Key) != 47 || read.APIKey.Name != "my script" ||
			strings.Join(read.APIKey.Scopes, ",") != "READ" || read.APIKey.LastUsedAt != nil {
			t.Fatalf("createApiKey: %+v", read)
		}

		// Served as its owner, on its own budget.
		r := e.do(t, withKey(read.Key, `{ viewer { isAnonymous user { handle } } }`, nil))
		if r.Status != 200 || !strings.Contains(string(r.Data), `"handle":"keyowner"`) {
			t.Fatalf("viewer by key: %d %s %+v", r.Status, r.Data, r.Errors)
		}
		req, act, max, avail, policy := costOf(t, r)
		if max != 777777 || policy != "api_key" || req < act || act < 1 || avail > max || avail < max-req {
			t.Fatalf("extensions.cost: requested %d actual %d max %d available %d policy %q", req, act, max, avail, policy)
		}
		if got := r.Header.Get("RateLimit-Policy"); got != `"api_key";q=777777;w=60;facestat-local=?1` {
			t.Fatalf("RateLimit-Policy %q", got)
		}
		m := rateLimitRE.FindStringSubmatch(r.Header.Get("RateLimit"))
		if m == nil || m[1] != "api_key" {
			t.Fatalf("RateLimit %q", r.Header.Get("RateLimit"))
		}
		// A session alone shows its own budget.
		s := e.do(t, request{Token: owner, Query: `{ viewer { id } }`})
		if _, _, max, _, policy := costOf(t, s); policy != "account" || max != 88888888 {
			t.Fatalf("a session's cost: %s %d", policy, max)
		}

		// Scopes: READ cannot vote; WRITE can try (the photo does not exist).
		vote := `mutation { castVote(input: {photoId: "nope", answers: []}) { next { id } } }`
		if r := e.do(t, withKey(read.Key, vote, nil)); r.code() != "FORBIDDEN" || r.ext("reason") != "KEY_SCOPE" {
			t.Fatalf("a READ key votes: %s %+v", r.Data, r.Errors)
		}
		// The key names its application in the metrics: one operation
		// that went well (the viewer), one refused (the vote).
		_, body := get(t, e.URL+"/metrics")
		ops := regexp.MustCompile(`(?m)^facestat_api_key_operations_total\{key="(\d+)",outcome="(ok|error)"\} (\d+)$`).FindAllStringSubmatch(string(body), -1)
		if len(ops) != 2 || ops[0][1] != ops[1][1] || ops[0][2] != "error" || ops[0][3] != "1" || ops[1][2] != "ok" || ops[1][3] != "1" {
			t.Fatalf("facestat_api_key_operations_total: %q", ops)
		}
		write := e.createKey(t, owner, "my app", "READ", "WRITE")
		if strings.Join(write.APIKey.Scopes, ",") != "READ,WRITE" {
			t.Fatalf("scopes %v", write.APIKey.Scopes)
		}
		if r := e.do(t, withKey(write.Key, vote, nil)); r.ext("reason") == "KEY_SCOPE" {
			t.Fatalf("a WRITE key may not vote: %+v", r.Errors)
		}
		// No key manages the account.
		for _, q := range []string{
			`mutation { createApiKey(input: {name: "x"}) { key } }`,
			`mutation { revokeApiKey(input: {id: "x"}) { id } }`,
			`mutation { changePassword(input: {currentPassword: "correct horse battery", newPassword: "another long one"}) { endedSessions } }`,
			`mutation { exportMyData { url } }`,
			`mutation { deleteAccount(input: {password: "correct horse battery"}) { ok } }`,
			`mutation { signOutOtherSessions { endedSessions } }`,
			`mutation { moderatePhoto(input: {photoId: "x", action: REMOVE}) { photo { id } } }`,
			`{ viewer { apiKeys { id } } }`,
			`{ viewer { sessions { id } } }`,
		} {
			if r := e.do(t, withKey(write.Key, q, nil)); r.code() != "FORBIDDEN" || r.ext("reason") != "KEY_SCOPE" {
				t.Errorf("%s by a key: %s %+v", q, r.Data, r.Errors)
			}
		}

		// viewer.apiKeys lists the live keys, newest first.
		var list struct {
			Viewer struct{ APIKeys []struct{ ID, Name string } }
		}
		e.gql(t, owner, `{ viewer { apiKeys { id name } } }`, nil, &list)
		if len(list.Viewer.APIKeys) != 2 || list.Viewer.APIKeys[0].Name != "my app" {
			t.Fatalf("apiKeys %+v", list.Viewer.APIKeys)
		}

		// Another account cannot revoke it.
		other := e.account(t, "keystranger")
		revoke := `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { id } }`
		if r := e.do(t, request{Token: other, Query: revoke, Vars: map[string]any{"id": read.APIKey.ID}}); r.code() != "NOT_FOUND" {
			t.Fatalf("another account revokes the key: %+v", r.Errors)
		}
		// Revoked, the key is refused at once.
		e.gql(t, owner, revoke, map[string]any{"id": read.APIKey.ID}, new(map[string]any))
		if r := e.do(t, withKey(read.Key, `{ viewer { id } }`, nil)); r.Status != 401 || r.code() != "UNAUTHENTICATED" {
			t.Fatalf("a revoked key: %d %+v", r.Status, r.Errors)
		}
		if r := e.do(t, request{Token: owner, Query: revoke, Vars: map[string]any{"id": read.APIKey.ID}}); r.code() != "NOT_FOUND" {
			t.Fatalf("revoking twice: %+v", r.Errors)
		}
	})
}

// TestAPIKeyLimitsAndLastUse: at most 10 live keys, also when created at
// once; lastUsedAt is written at most once a minute.
func TestAPIKeyLimitsAndLastUse(t *testing.T) {
	backends(t, keySettings, func(t *testing.T, e *env) {
		owner := e.account(t, "manykeys")
		first := e.createKey(t, owner, "k0")
		results := make(chan *response, 12)
		for i := range 12 {
			go func() {
				results <- e.do(t, request{Token: owner, Query: createKeyMutation,
					Vars: map[string]any{"in": map[string]any{"name": "k" + string(rune('a'+i))}}})
			}()
		}
		made, refused := 0, 0
		for range 12 {
			r := <-results
			switch {
			case len(r.Errors) == 0:
				made++
			case r.code() == "BAD_USER_INPUT" && r.ext("reason") == "TOO_MANY_KEYS":
				refused++
			case r.code() == "CONFLICT" || r.code() == "UNAVAILABLE": // SQLite's busy database
			default:
				t.Fatalf("creating a key: %+v", r.Errors)
			}
		}
		if made > 9 || refused < 3 {
			t.Fatalf("%d keys made, %d refused: an account has at most 10", made, refused)
		}
		if n := e.count(t, "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"); n != 10 && n != 1+made {
			t.Fatalf("%d live keys", n)
		}

		lastUsed := func() string {
			return strings.Join(e.strings(t, "SELECT COALESCE(CAST(last_used_at AS TEXT), '') FROM api_keys WHERE name = 'k0'"), "")
		}
		e.do(t, withKey(first.Key, `{ viewer { id } }`, nil))
		used := lastUsed()
		if used == "" {
			t.Fatal("lastUsedAt not written at the first use")
		}
		for range 3 {
			e.do(t, withKey(first.Key, `{ viewer { id } }`, nil))
		}
		if lastUsed() != used {
			t.Fatalf("lastUsedAt written again within the minute: %s, then %s", used, lastUsed())
		}
		e.Clock.Advance(61 * time.Second)
		e.do(t, withKey(first.Key, `{ viewer { id } }`, nil))
		if lastUsed() == used {
			t.Fatal("lastUsedAt not written a minute later")
		}
	})
}

// TestAPIKeysEndWithTheAccount: deleting the account erases its keys, a
// ban revokes them; either way the key is refused at once.
func TestAPIKeysEndWithTheAccount(t *testing.T) {
	backends(t, keySettings, func(t *testing.T, e *env) {
		gone := e.account(t, "keysgone")
		k := e.createKey(t, gone, "k")
		e.do(t, withKey(k.Key, `{ viewer { id } }`, nil)) // cached now
		e.gql(t, gone, deleteMutation, map[string]any{"p": "correct horse battery"}, new(map[string]any))
		if r := e.do(t, withKey(k.Key, `{ viewer { id } }`, nil)); r.Status != 401 {
			t.Fatalf("a deleted account's key: %d %+v", r.Status, r.Errors)
		}
		if n := e.count(t, "SELECT count(*) FROM api_keys"); n != 0 {
			t.Fatalf("%d keys left", n)
		}

		banned := e.account(t, "keysbanned")
		bk := e.createKey(t, banned, "k", "READ", "WRITE")
		e.do(t, withKey(bk.Key, `{ viewer { id } }`, nil))
		photo := e.photos(t, banned, 1)[0]
		mod := e.moderator(t, "keysmod")
		if r := e.moderate(t, mod, photo, "BAN_OWNER", "spam"); len(r.Errors) > 0 {
			t.Fatalf("ban: %+v", r.Errors)
		}
		if r := e.do(t, withKey(bk.Key, `{ viewer { id } }`, nil)); r.Status != 401 {
			t.Fatalf("a banned account's key: %d %+v", r.Status, r.Errors)
		}
	})
}

// TestAPIKeyRevokedOnEveryInstance: two instances sharing a database and
// Redis; a key revoked through A is refused by B within seconds, though B
// had it cached.
func TestAPIKeyRevokedOnEveryInstance(t *testing.T) {
	rs := startRedis(t)
	settings := withSettings(keySettings, map[string]string{"FACESTAT_REDIS_URL": rs.URL(), "FACESTAT_REDIS_PREFIX": liveRedisPrefix()})
	url := dbtest.MustCreatePGDatabase(t)
	a, b := startEnv(t, url, settings), startEnv(t, url, settings)
	owner := a.account(t, "twinkeys")
	k := a.createKey(t, owner, "k")
	r := b.do(t, withKey(k.Key, `{ viewer { user { handle } } }`, nil))
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("B serves the key: %d %+v", r.Status, r.Errors)
	}
	if got := r.Header.Get("RateLimit-Policy"); got != `"api_key";q=777777;w=60` {
		t.Fatalf("shared budget's policy %q", got)
	}
	a.gql(t, owner, `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { id } }`, map[string]any{"id": k.APIKey.ID}, new(map[string]any))
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := b.do(t, withKey(k.Key, `{ viewer { id } }`, nil))
		if r.Status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still serves the revoked key after 5 s: %d", r.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// With Redis down the figures are the instance's own, and say so.
	k2 := a.createKey(t, owner, "k2")
	rs.kill()
	r = b.do(t, withKey(k2.Key, `{ viewer { id } }`, nil))
	if r.Status != 200 || !strings.HasSuffix(r.Header.Get("RateLimit-Policy"), ";facestat-local=?1") || !strings.Contains(string(r.Raw), `"shared":false`) {
		t.Fatalf("with Redis down: %d %q %s", r.Status, r.Header.Get("RateLimit-Policy"), r.Raw)
	}
}
