package api

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/live"
	"github.com/facestat/facestat/metrics"
)

// newGraphQL builds the GraphQL handler: transports with explicit limits,
// the error presenter, panic recovery, and limits on depth, price
// (api/cost.go) and aliases (api/shape.go).
func (s *Server) newGraphQL(resolver *graph.Resolver) http.Handler {
	cfg := graph.Config{Resolvers: resolver}
	setComplexity(&cfg.Complexity, s.prices())
	es := graph.NewExecutableSchema(cfg)
	srv := handler.New(es)
	if resolver.Live != nil { // livefeed.go: before the WebSocket transport, which uses it
		s.live = &liveFast{full: executor.New(es), bare: executor.New(es), feeds: live.NewFeeds(resolver.Live), maxTokens: s.cfg.MaxQueryTokens}
	}
	srv.AddTransport(s.newWebsocketTransport()) // first: it claims Upgrade requests
	srv.AddTransport(transport.Options{})
	srv.AddTransport(graphqlHTTP{method: http.MethodGet}) // graphqlhttp.go: GraphQL over HTTP, statuses included
	srv.AddTransport(graphqlHTTP{method: http.MethodPost})
	srv.AddTransport(withStatus{s.uploadTransport()})
	pq := s.newPersistedQueries(s.documents)
	s.configureGraphQL(srv, resolver, pq)
	// Last, so that everything above runs for it too: rendered.go skips
	// execution for hot reads of public photos whose values have not changed.
	s.rendered = newRenderedReads(resolver, s.cfg.NearCacheTTL)
	srv.Use(s.rendered)
	if s.live != nil {
		s.configureGraphQL(s.live.full, resolver, pq)
		s.live.bare.SetQueryCache(lru.New[*ast.QueryDocument](100))
		s.live.bare.SetErrorPresenter(presentError)
		s.live.bare.SetRecoverFunc(recoverPanic)
		s.live.bare.Use(graph.LoadersExtension{Resolver: resolver})
	}
	return s.limitBody(codeTransportErrors(srv))
}

// gqlConfig is what handler.Server and executor.Executor have in common.
type gqlConfig interface {
	Use(graphql.HandlerExtension)
	SetQueryCache(graphql.Cache[*ast.QueryDocument])
	SetParserTokenLimit(int)
	SetErrorPresenter(graphql.ErrorPresenterFunc)
	SetRecoverFunc(graphql.RecoverFunc)
}

// configureGraphQL gives srv (the handler, or the fast path's executor)
// the limits and extensions of every operation.
func (s *Server) configureGraphQL(srv gqlConfig, resolver *graph.Resolver, pq *persistedQueries) {
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(s.cfg.MaxQueryTokens)
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	srv.Use(pq) // apq.go: persisted queries and trusted documents, before anything parses
	if s.admission != nil {
		srv.Use(admit{ctrl: s.admission})
	}
	srv.Use(extension.Introspection{})
	srv.Use(depthLimit{Max: s.cfg.MaxQueryDepth})
	srv.Use(&costLimit{Limit: s.cfg.MaxComplexity})
	srv.Use(shapeLimit{MaxAliases: s.cfg.MaxAliases})
	// One field interceptor for the budget's meter and the key's scope:
	// every field of every response goes through it (issue 16).
	var b *budget
	if s.budgets != nil { // after the price is known and the document admitted; before anything runs
		b = &budget{budgets: s.budgets}
		srv.Use(budgetOperations{b})
	}
	srv.Use(fieldHooks{budget: b}) // the meter, then what an API key alone may call (authz.CanCallMutation)
	srv.Use(apqStore{pq})          // a document is kept for its hash only once admitted and charged
	srv.Use(graph.LoadersExtension{Resolver: resolver})
	if s.metrics != nil {
		srv.Use(metrics.Extension{M: s.metrics})
	}
}

func init() {
	// Over the complexity limit is a refused request, like a validation
	// failure: graphqlHTTP answers it as one (200 or 400 by Accept); gqlgen's
	// multipart transport, 422, as docs/ERRORS.md says.
	errcode.RegisterErrorType(codeComplexity, errcode.KindProtocol)
}
