package integration_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
)

// getGraphQL sends params as a GET query string with the given headers.
func (e *env) getGraphQL(t *testing.T, params map[string]string, header http.Header) *response {
	t.Helper()
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	hr, _ := http.NewRequest(http.MethodGet, e.URL+"/graphql?"+q.Encode(), nil)
	return e.send(t, hr, request{Header: header})
}

// postRaw sends body as-is with the content type and headers.
func (e *env) postRaw(t *testing.T, contentType, body string, header http.Header) *response {
	t.Helper()
	hr, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(body))
	hr.Header.Set("Content-Type", contentType)
	return e.send(t, hr, request{Header: header})
}

func apqExtensions(hash string) string {
	return `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
}

func hashOf(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// TestHTTPPersistedQueries is the APQ line: an unknown hash answers
// 200 PERSISTED_QUERY_NOT_FOUND with Apollo's message, the retry with the
// document runs, and the hash alone works afterwards, by POST and by GET.
func TestHTTPPersistedQueries(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		doc := `query Q { questions { key } }`
		ext := apqExtensions(hashOf(doc))
		r := e.postRaw(t, "application/json", `{"extensions":`+ext+`}`, nil)
		if r.Status != 200 || r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.Errors[0].Message != "PersistedQueryNotFound" ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("unknown hash: %d %s %s; want 200 application/json PERSISTED_QUERY_NOT_FOUND", r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
		body, _ := json.Marshal(map[string]any{"query": doc, "extensions": json.RawMessage(ext)})
		if r := e.postRaw(t, "application/json", string(body), nil); r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"age"`) {
			t.Fatalf("retry with the document: %d %s", r.Status, r.Raw)
		}
		if r := e.postRaw(t, "application/json", `{"extensions":`+ext+`}`, nil); r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"age"`) {
			t.Fatalf("the hash alone by POST: %d %s", r.Status, r.Raw)
		}
		r = e.getGraphQL(t, map[string]string{"extensions": ext}, http.Header{"Accept": {"application/graphql-response+json"}})
		if r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"age"`) ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/graphql-response+json") {
			t.Fatalf("the hash alone by GET: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
	})
}

// TestHTTPGraphQLOverHTTP is the protocol line: a GET query answers
// 200 application/graphql-response+json, a mutation by GET 405 with Allow:
// POST, a body that is not JSON 400, and parse failures follow the media
// type asked for.
func TestHTTPGraphQLOverHTTP(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		gr := http.Header{"Accept": {"application/graphql-response+json"}}
		r := e.getGraphQL(t, map[string]string{"query": "{ questions { key } }"}, gr)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/graphql-response+json; charset=utf-8" || len(r.Errors) > 0 {
			t.Fatalf("GET query: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
		r = e.getGraphQL(t, map[string]string{"query": "mutation { signOut { ok } }"}, gr)
		if r.Status != 405 || r.Header.Get("Allow") != "POST" {
			t.Fatalf("mutation by GET: %d Allow %q %s; want 405 Allow: POST", r.Status, r.Header.Get("Allow"), r.Raw)
		}
		for _, body := range []string{"not json", `["query"]`, `{"query": 1}`, `{"query":"{ questions { key } }","variables":[1]}`} {
			if r := e.postRaw(t, "application/json", body, nil); r.Status != 400 || r.code() != "GRAPHQL_PARSE_FAILED" {
				t.Fatalf("body %q: %d %s; want 400 GRAPHQL_PARSE_FAILED", body, r.Status, r.Raw)
			}
		}
		if r := e.postRaw(t, "application/json", `{"query":"{"}`, gr); r.Status != 400 || r.Data != nil || r.code() != "GRAPHQL_PARSE_FAILED" {
			t.Fatalf("syntax error under graphql-response+json: %d %s; want 400 without data", r.Status, r.Raw)
		}
		if r := e.postRaw(t, "application/json", `{"query":"{ nope }"}`, nil); r.Status != 200 || r.Data != nil || r.code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("validation failure under application/json: %d %s; want 200 without data", r.Status, r.Raw)
		}
	})
}

// TestHTTPTrustedDocuments: with trusted-documents-only on, a caller
// without an API key or the operator token runs the web app's documents
// (by hash, by their text, or their text printed another way) and nothing
// else: another document, a registered one by its hash, introspection are
// refused with PERSISTED_QUERY_NOT_ALLOWED; a made-up X-Api-Key is refused
// (UNAUTHENTICATED); a valid API key and an operator (from operator-cidrs,
// or with the operator token as its bearer token) run anything.
// operatorTokenForTrust is TestHTTPTrustedDocuments' operator token.
const operatorTokenForTrust = "an operator token of at least 32 bytes, for the test"

func TestHTTPTrustedDocuments(t *testing.T) {
	settings := map[string]string{"FACESTAT_TRUSTED_DOCUMENTS_ONLY": "true",
		// The test's requests come from loopback: operators are elsewhere.
		"FACESTAT_OPERATOR_CIDRS": "192.0.2.1/32", "FACESTAT_TRUSTED_PROXIES": "127.0.0.1",
		"FACESTAT_OPERATOR_TOKEN": operatorTokenForTrust}
	backends(t, settings, func(t *testing.T, e *env) {
		const doc = "query TopQuestions {\n  questions {\n    id\n    key\n    prompt\n    kind\n  }\n}"
		for name, r := range map[string]*response{
			"Hash":      e.postRaw(t, "application/json", `{"extensions":`+apqExtensions(hashOf(doc))+`}`, nil),
			"HashByGET": e.getGraphQL(t, map[string]string{"extensions": apqExtensions(hashOf(doc))}, nil),
			"Text":      e.do(t, request{Query: doc}),
			"Reprinted": e.do(t, request{Query: "query TopQuestions { __typename questions { id key prompt kind __typename } }"}),
		} {
			if r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"age"`) {
				t.Errorf("%s: a trusted document: %d %s", name, r.Status, r.Raw)
			}
		}
		other := `{ questions { key } }`
		body, _ := json.Marshal(map[string]any{"query": other, "extensions": json.RawMessage(apqExtensions(hashOf(other)))})
		for name, r := range map[string]*response{
			"Other":         e.do(t, request{Query: other}),
			"Introspection": e.do(t, request{Query: `{ __schema { queryType { name } } }`}),
			"Register":      e.postRaw(t, "application/json", string(body), nil),
			"UnknownHash":   e.postRaw(t, "application/json", `{"extensions":`+apqExtensions(hashOf(other))+`}`, nil),
		} {
			if r.code() != "PERSISTED_QUERY_NOT_ALLOWED" || r.Data != nil {
				t.Errorf("%s: %d %s; want PERSISTED_QUERY_NOT_ALLOWED without data", name, r.Status, r.Raw)
			}
		}
		if r := e.do(t, request{Query: other, Header: http.Header{"X-Forwarded-For": {"192.0.2.1"}}}); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("an operator: %d %s", r.Status, r.Raw)
		}
		if r := e.do(t, request{Token: operatorTokenForTrust, Query: other}); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("the operator token: %d %s", r.Status, r.Raw)
		}
		if r := e.do(t, request{Token: operatorTokenForTrust + "x", Query: other}); r.Status != http.StatusUnauthorized {
			t.Errorf("a wrong operator token: %d %s", r.Status, r.Raw)
		}
		// A made-up X-Api-Key is refused before any document is looked at;
		// a valid key runs any document.
		if r := e.do(t, request{Query: other, Header: http.Header{"X-Api-Key": {"fsk_made_up"}}}); r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Errorf("a made-up API key: %d %s", r.Status, r.Raw)
		}
		ses, err := e.App.Identity.SignUp(t.Context(), "trusted_dev", "trusted_dev@example.com", "correct horse battery", nil)
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := e.App.Identity.CreateAPIKey(t.Context(), ses.Viewer, "trusted", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := e.do(t, withKey(key, other, nil)); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("a valid API key: %d %s", r.Status, r.Raw)
		}
	})
}

// TestHTTPPersistedQueriesShared: with Redis, a document registered on one
// instance is known by its hash on another, kept under the key prefix with
// apq-ttl (the cache's keys: prefix, "cache:", "apq:" and the hash); a
// document over 32 KiB runs but is not kept.
func TestHTTPPersistedQueriesShared(t *testing.T) {
	rs := startRedis(t)
	prefix := liveRedisPrefix()
	dbURL := dbtest.MustCreatePGDatabase(t)
	settings := map[string]string{"FACESTAT_REDIS_URL": rs.URL(), "FACESTAT_REDIS_PREFIX": prefix, "FACESTAT_APQ_TTL": "1h"}
	a, b := startEnv(t, dbURL, settings), startEnv(t, dbURL, settings)

	doc := `query Shared { questions { key prompt } }`
	body, _ := json.Marshal(map[string]any{"query": doc, "extensions": json.RawMessage(apqExtensions(hashOf(doc)))})
	if r := a.postRaw(t, "application/json", string(body), nil); r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("registering on a: %d %s", r.Status, r.Raw)
	}
	r := b.getGraphQL(t, map[string]string{"extensions": apqExtensions(hashOf(doc))}, nil)
	if r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"age"`) {
		t.Fatalf("the hash alone on b: %d %s", r.Status, r.Raw)
	}
	ttl, err := rs.client().PTTL(context.Background(), prefix+"cache:apq:"+hashOf(doc)).Result()
	if err != nil || ttl <= 0 || ttl > time.Hour {
		t.Fatalf("the document's key %q: TTL %v, %v; want (0, 1h]", prefix+"cache:apq:"+hashOf(doc), ttl, err)
	}

	big := `{ questions { key } ` + strings.Repeat("# padding\n", 3300) + `}`
	body, _ = json.Marshal(map[string]any{"query": big, "extensions": json.RawMessage(apqExtensions(hashOf(big)))})
	if r := a.postRaw(t, "application/json", string(body), nil); r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("a 33 KB document: %d %s", r.Status, r.Raw)
	}
	if n, err := rs.client().Exists(context.Background(), prefix+"cache:apq:"+hashOf(big)).Result(); err != nil || n != 0 {
		t.Fatalf("a document over 32 KiB was kept in Redis (%d, %v)", n, err)
	}
}
