package api

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/metrics"
)

// newGraphQL builds the GraphQL handler: transports with explicit limits,
// the error presenter, panic recovery, and depth and complexity limits.
func (s *Server) newGraphQL(resolver *graph.Resolver) http.Handler {
	cfg := graph.Config{Resolvers: resolver}
	setComplexity(&cfg.Complexity, s.cfg.MaxPageSize)
	srv := handler.New(graph.NewExecutableSchema(cfg))
	srv.AddTransport(s.newWebsocketTransport()) // first: it claims Upgrade requests
	srv.AddTransport(transport.Options{})
	srv.AddTransport(withStatus{transport.GET{}})
	srv.AddTransport(withStatus{transport.POST{}})
	srv.AddTransport(withStatus{s.uploadTransport()})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(s.cfg.MaxQueryTokens)
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	if s.admission != nil {
		srv.Use(admit{ctrl: s.admission})
	}
	srv.Use(extension.Introspection{})
	srv.Use(depthLimit{Max: s.cfg.MaxQueryDepth})
	srv.Use(extension.FixedComplexityLimit(s.cfg.MaxComplexity))
	if s.budgets != nil { // after the price is known; before anything runs
		srv.Use(&budget{budgets: s.budgets})
	}
	srv.Use(graph.LoadersExtension{Resolver: resolver})
	if s.metrics != nil {
		srv.Use(metrics.Extension{M: s.metrics})
	}
	return s.limitBody(codeTransportErrors(srv))
}

func init() {
	// Over the complexity limit is a refused request, like a validation
	// failure: 422, as docs/ERRORS.md says.
	errcode.RegisterErrorType("COMPLEXITY_LIMIT_EXCEEDED", errcode.KindProtocol)
}

// setComplexity makes a connection cost its selection times `first`,
// clamped to the page size so that an oversized `first` is reported by the
// resolver as the argument error it is.
func setComplexity(c *graph.ComplexityRoot, maxPage int) {
	page := func(child, first int) int { return 1 + child*min(max(first, 1), maxPage) }
	c.Query.Photos = func(child, first int, _ *string, _ *model.PhotoOrder) int { return page(child, first) }
	c.User.Photos = func(child, first int, _ *string) int { return page(child, first) }
	c.Viewer.Photos = func(child, first int, _ *string) int { return page(child, first) }
	c.Query.Nodes = func(child int, ids []string) int { return 1 + child*max(len(ids), 1) }
}
