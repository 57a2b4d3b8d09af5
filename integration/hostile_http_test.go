package integration_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestHostileHTTP attacks persisted queries and GraphQL over HTTP: flooding
// with random hashes and with documents that do not run, a document too
// large to keep, a hash that does not match, a mutation smuggled into a
// GET by operationName or with a session cookie, and shared caching of
// answers to credentialed GETs.
func TestHostileHTTP(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		t.Run("RandomHashes", func(t *testing.T) {
			for range 200 {
				b := make([]byte, 32)
				rand.Read(b)
				r := e.postRaw(t, "application/json", `{"extensions":`+apqExtensions(hex.EncodeToString(b))+`}`, nil)
				if r.Status != 200 || r.code() != "PERSISTED_QUERY_NOT_FOUND" {
					t.Fatalf("random hash: %d %s", r.Status, r.Raw)
				}
			}
		})
		t.Run("RefusedDocumentsAreNotKept", func(t *testing.T) {
			for _, doc := range []string{`{ nope }`, `{`, `{ questions { key } ` + strings.Repeat("# padding\n", 4000) + `}`} {
				body, _ := json.Marshal(map[string]any{"query": doc, "extensions": json.RawMessage(apqExtensions(hashOf(doc)))})
				e.postRaw(t, "application/json", string(body), nil)
				if r := e.postRaw(t, "application/json", `{"extensions":`+apqExtensions(hashOf(doc))+`}`, nil); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
					t.Fatalf("a document that did not run or is over 32 KiB (%d bytes) was kept: %d %s", len(doc), r.Status, r.Raw)
				}
			}
		})
		t.Run("HashMismatch", func(t *testing.T) {
			doc := `{ questions { key } }`
			for _, hash := range []string{hashOf(doc + " "), strings.Repeat("0", 64), "ABC", strings.ToUpper(hashOf(doc))} {
				body, _ := json.Marshal(map[string]any{"query": doc, "extensions": json.RawMessage(apqExtensions(hash))})
				if r := e.postRaw(t, "application/json", string(body), nil); r.Status != 400 || r.code() != "PERSISTED_QUERY_HASH_MISMATCH" || r.Data != nil {
					t.Fatalf("hash %q: %d %s; want 400 PERSISTED_QUERY_HASH_MISMATCH", hash, r.Status, r.Raw)
				}
			}
			// The mismatched hash was not stored under the document.
			if r := e.postRaw(t, "application/json", `{"extensions":`+apqExtensions(strings.Repeat("0", 64))+`}`, nil); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
				t.Fatalf("after a mismatch: %s", r.Raw)
			}
		})
		token := e.account(t, "httpvictim")
		signedIn := func() bool {
			var v struct {
				Viewer *struct{ User *struct{ Handle string } }
			}
			e.gql(t, token, `{ viewer { user { handle } } }`, nil, &v)
			return v.Viewer != nil && v.Viewer.User != nil
		}
		t.Run("MutationByGET", func(t *testing.T) {
			doc := `query A { questions { key } } mutation B { signOut { ok } }`
			for name, h := range map[string]http.Header{
				"Bearer": {"Authorization": {"Bearer " + token}},
				"Cookie": {"Cookie": {"fs_session=" + token + "; fs_csrf=x"}, "X-Csrf-Token": {"x"}},
			} {
				r := e.getGraphQL(t, map[string]string{"query": doc, "operationName": "B"}, h)
				if r.Status != 405 || r.Header.Get("Allow") != "POST" || r.Data != nil {
					t.Fatalf("%s: mutation by GET with operationName: %d %s; want 405", name, r.Status, r.Raw)
				}
				hashed := `mutation { signOut { ok } }`
				r = e.getGraphQL(t, map[string]string{"query": hashed}, h)
				if r.Status != 405 {
					t.Fatalf("%s: mutation by GET: %d %s", name, r.Status, r.Raw)
				}
			}
			if !signedIn() {
				t.Fatal("a GET signed the victim out")
			}
		})
		t.Run("CacheHeaders", func(t *testing.T) {
			public := `{ questions { key prompt } photos(first: 5) { nodes { id imageUrl } pageInfo { endCursor } } }`
			r := e.getGraphQL(t, map[string]string{"query": public}, nil)
			if r.Status != 200 || r.Header.Get("Cache-Control") != "public, max-age=30" {
				t.Fatalf("public GET without credentials: %d %q %s", r.Status, r.Header.Get("Cache-Control"), r.Raw)
			}
			for _, v := range []string{"Accept", "Authorization", "Cookie", "X-Api-Key"} {
				if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), v) {
					t.Fatalf("Vary %q lacks %s", r.Header.Values("Vary"), v)
				}
			}
			for name, c := range map[string]struct {
				query  string
				header http.Header
			}{
				"Bearer":         {public, http.Header{"Authorization": {"Bearer " + token}}},
				"Cookie":         {public, http.Header{"Cookie": {"fs_session=" + token}}},
				"ApiKey":         {public, http.Header{"X-Api-Key": {"fsk_whatever"}}},
				"ViewerField":    {`{ photos(first: 5) { nodes { id viewerHasVoted } } }`, nil},
				"Viewer":         {`{ viewer { isAnonymous } }`, nil},
				"Stats":          {`{ photos(first: 5) { nodes { stats { questions { count } } } } }`, nil},
				"FragmentSneak":  {`{ questions { key } ...F } fragment F on Query { viewer { isAnonymous } }`, nil},
				"PostedBy":       {`{ photos(first: 5) { nodes { postedBy { handle } } } }`, nil},
				"ErrorsNotKept":  {`{ photos(first: 0) { nodes { id } } }`, nil},
				"PhotoByID":      {`{ photo(id: "UGhvdG86MQ") { id } }`, nil},
				"PostIsNotCache": {"", nil},
			} {
				var r *response
				if c.query == "" {
					r = e.postRaw(t, "application/json", `{"query":"{ questions { key } }"}`, nil)
				} else {
					r = e.getGraphQL(t, map[string]string{"query": c.query}, c.header)
				}
				if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
					t.Errorf("%s: Cache-Control %q (status %d); want private, no-store", name, cc, r.Status)
				}
			}
		})
	})
}
