package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/frontend"
	"github.com/facestat/facestat/identity"
)

// The codes of persisted operations (docs/ERRORS.md). NOT_FOUND and its
// message are Apollo's automatic persisted queries protocol, word for word:
// @apollo/client's persisted-queries link retries with the document when it
// sees either.
const (
	codePQNotFound     = "PERSISTED_QUERY_NOT_FOUND"
	codePQHashMismatch = "PERSISTED_QUERY_HASH_MISMATCH"
	codePQNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
	codePQNotAllowed   = "PERSISTED_QUERY_NOT_ALLOWED"
	msgPQNotFound      = "PersistedQueryNotFound"
)

// apqMaxDocumentBytes bounds a document kept for its hash: a larger one
// runs (within max-body-bytes and max-query-tokens) but is not stored.
const apqMaxDocumentBytes = 32 << 10

// apqNearCache is how many documents each instance keeps in memory in front
// of the shared store.
const apqNearCache = 1000

// persistedQueries is Apollo's automatic persisted queries (APQ) and the
// trusted documents of the web app. A request whose extensions carry
// persistedQuery {version: 1, sha256Hash} and no document runs the document
// known under that hash: the web app's manifest
// (frontend/persisted-documents.json, embedded), else what an earlier
// request registered (an in-process LRU in front of the cache store: Redis
// when configured); an unknown hash answers PERSISTED_QUERY_NOT_FOUND (200
// under application/json, see graphqlHTTP). With the document, the hash
// must be its SHA-256 (PERSISTED_QUERY_HASH_MISMATCH), and the document is
// registered only once it has been parsed, validated, priced and charged to
// the caller's budgets (see apqStore): a stranger pays for every document
// he makes the service keep, each is at most apqMaxDocumentBytes and each
// expires after apq-ttl.
//
// With trusted-documents-only on, a request without an API key or the
// operator token runs only the manifest's documents, named by hash or sent
// as the same text (PERSISTED_QUERY_NOT_ALLOWED otherwise).
type persistedQueries struct {
	s        *Server
	store    cache.Store // nil: the near cache only
	near     *lru.LRU[string]
	ttl      time.Duration
	manifest *frontend.Manifest
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*persistedQueries)(nil)

func (s *Server) newPersistedQueries(store cache.Store) *persistedQueries {
	return &persistedQueries{s: s, store: store, near: lru.New[string](apqNearCache), ttl: s.cfg.APQTTL,
		manifest: frontend.PersistedDocuments()}
}

func (*persistedQueries) ExtensionName() string                   { return "PersistedQueries" }
func (*persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

// apqStats is what MutateOperationParameters leaves for apqStore: the
// document to register under hash once it has been admitted.
type apqStats struct{ hash, query string }

const apqStatsKey = "FaceStatAPQ"

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (p *persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	trustedOnly := p.s.cfg.TrustedDocumentsOnly && !p.privileged(ctx)
	ext, present := raw.Extensions["persistedQuery"]
	if !present || ext == nil {
		if trustedOnly && !p.manifest.HasText(raw.Query) {
			return pqError(codePQNotAllowed, "only the web app's documents may run here without an API key: send an X-Api-Key")
		}
		return nil
	}
	pq, ok := ext.(map[string]any)
	if !ok {
		return pqError(codePQNotSupported, "extensions.persistedQuery must be an object {version: 1, sha256Hash}")
	}
	if v, ok := pq["version"]; !ok || !isOne(v) {
		return pqError(codePQNotSupported, "only version 1 of persisted queries is supported")
	}
	hash, _ := pq["sha256Hash"].(string)
	if !isSHA256Hex(hash) {
		return pqError(codePQHashMismatch, "extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits")
	}
	if raw.Query == "" {
		if doc, ok := p.manifest.Document(hash); ok {
			raw.Query = doc
			return nil
		}
		if trustedOnly {
			return pqError(codePQNotAllowed, "only the web app's documents may run here without an API key: send an X-Api-Key")
		}
		doc, ok := p.lookup(ctx, hash)
		if !ok {
			return pqError(codePQNotFound, msgPQNotFound)
		}
		raw.Query = doc
		return nil
	}
	sum := sha256.Sum256([]byte(raw.Query))
	if hex.EncodeToString(sum[:]) != hash {
		return pqError(codePQHashMismatch, "extensions.persistedQuery.sha256Hash is not the SHA-256 of the document")
	}
	if _, ok := p.manifest.Document(hash); ok {
		return nil
	}
	if trustedOnly {
		return pqError(codePQNotAllowed, "only the web app's documents may run here without an API key: send an X-Api-Key")
	}
	if len(raw.Query) <= apqMaxDocumentBytes {
		graphql.GetOperationContext(ctx).Stats.SetExtension(apqStatsKey, &apqStats{hash: hash, query: raw.Query})
	}
	return nil
}

// lookup finds a registered document: the near cache, then the store. A
// store that fails is a miss (the client sends the document again).
func (p *persistedQueries) lookup(ctx context.Context, hash string) (string, bool) {
	if doc, ok := p.near.Get(ctx, hash); ok {
		return doc, true
	}
	if p.store == nil {
		return "", false
	}
	found, err := p.store.GetMulti(ctx, []string{cache.DocumentKey(hash)})
	doc, ok := found[cache.DocumentKey(hash)]
	if err != nil || !ok || sha256Hex(doc) != hash { // a corrupted entry is a miss
		return "", false
	}
	p.near.Add(ctx, hash, string(doc))
	return string(doc), true
}

// register keeps doc under hash, in the near cache and the store.
func (p *persistedQueries) register(ctx context.Context, hash, doc string) {
	if _, ok := p.near.Get(ctx, hash); ok {
		return
	}
	p.near.Add(ctx, hash, doc)
	if p.store != nil {
		// Best effort: a failure costs the client one more round trip.
		_ = p.store.AddMulti(context.WithoutCancel(ctx), map[string][]byte{cache.DocumentKey(hash): []byte(doc)}, p.ttl)
	}
}

// privileged reports whether the request may run documents outside the
// manifest when trusted-documents-only is on: an API key's, or an
// operator's (isOperator: from operator-cidrs, or with the operator token,
// which authentication lets through to GraphQL as no session: api/auth.go).
func (p *persistedQueries) privileged(ctx context.Context) bool {
	if v := identity.FromContext(ctx); v != nil && v.Key != nil { // over HTTP and WebSocket alike
		return true
	}
	r, ok := ctx.Value(httpRequestKey{}).(*http.Request)
	return ok && p.s.isOperator(r)
}

// apqStore registers a document sent with its hash once the operation has
// been admitted and charged (it is used after the budget extension).
type apqStore struct{ p *persistedQueries }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = apqStore{}

func (apqStore) ExtensionName() string                   { return "PersistedQueriesStore" }
func (apqStore) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor.
func (a apqStore) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if st, ok := graphql.GetOperationContext(ctx).Stats.GetExtension(apqStatsKey).(*apqStats); ok {
		a.p.register(ctx, st.hash, st.query)
	}
	return next(ctx)
}

func pqError(code, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}

func isOne(v any) bool {
	switch n := v.(type) {
	case float64:
		return n == 1
	case int:
		return n == 1
	case int64:
		return n == 1
	case interface{ String() string }: // json.Number
		return n.String() == "1"
	}
	return false
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func sha256Hex[T string | []byte](b T) string {
	sum := sha256.Sum256([]byte(b))
	return hex.EncodeToString(sum[:])
}

type httpRequestKey struct{}
