package api

import (
	"bytes"
	"io"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/metrics"
)

// multipartOverhead is what a multipart body may carry beyond the file:
// the operations and map parts and the part headers.
const multipartOverhead = 64 << 10

// newGraphQL builds the GraphQL handler: transports with explicit limits,
// the error presenter, panic recovery, and limits on depth, price
// (api/cost.go) and aliases (api/shape.go).
func (s *Server) newGraphQL(resolver *graph.Resolver) http.Handler {
	cfg := graph.Config{Resolvers: resolver}
	setComplexity(&cfg.Complexity, s.prices())
	srv := handler.New(graph.NewExecutableSchema(cfg))
	srv.AddTransport(s.newWebsocketTransport()) // first: it claims Upgrade requests
	srv.AddTransport(transport.Options{})
	srv.AddTransport(withStatus{transport.GET{}})
	srv.AddTransport(withStatus{transport.POST{}})
	srv.AddTransport(withStatus{transport.MultipartForm{
		MaxUploadSize: s.cfg.MaxUploadBytes + multipartOverhead,
		// Everything stays in memory (the body is bounded already): no temp
		// files, and no file descriptor per path listed in the map.
		MaxMemory: s.cfg.MaxUploadBytes + multipartOverhead + 1,
	}})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(s.cfg.MaxQueryTokens)
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	if s.admission != nil {
		srv.Use(admit{ctrl: s.admission, subscriptions: resolver.Live.Subscribers})
	}
	srv.Use(extension.Introspection{})
	srv.Use(depthLimit{Max: s.cfg.MaxQueryDepth})
	srv.Use(&costLimit{Limit: s.cfg.MaxComplexity})
	srv.Use(shapeLimit{MaxAliases: s.cfg.MaxAliases})
	srv.Use(graph.LoadersExtension{Resolver: resolver})
	if s.metrics != nil {
		srv.Use(metrics.Extension{M: s.metrics})
	}
	return s.limitBody(codeTransportErrors(srv))
}

func init() {
	// Over the complexity limit is a refused request, like a validation
	// failure: 422, as docs/ERRORS.md says.
	errcode.RegisterErrorType(codeComplexity, errcode.KindProtocol)
}

// limitBody bounds what a request may send before gqlgen reads it: a JSON
// body to MaxBodyBytes (413 BODY_TOO_LARGE), a multipart upload to
// MaxUploadBytes plus the operation (413 FILE_TOO_LARGE; its length must be
// declared, 411 otherwise). Uploads are for accounts only, so a multipart
// body from anyone else is refused (401) before it is read.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt == "multipart/form-data" {
				if !identity.FromContext(r.Context()).IsAccount() {
					writeError(w, facestat.Errorf(facestat.Unauthenticated, "uploading needs an account: sign in first"))
					return
				}
				if r.ContentLength < 0 {
					e := facestat.InputError("", facestat.ReasonLengthRequired, "an upload must declare its Content-Length")
					writeErrorStatus(w, http.StatusLengthRequired, e)
					return
				}
				if r.ContentLength > s.cfg.MaxUploadBytes+multipartOverhead {
					writeErrorStatus(w, http.StatusRequestEntityTooLarge, facestat.InputError("input.file", facestat.ReasonFileTooLarge,
						"the file is larger than %d MiB", s.cfg.MaxUploadBytes>>20))
					return
				}
				ctx, release, err := s.admitUpload(r)
				if err != nil {
					writeError(w, err)
					return
				}
				defer release()
				r = r.WithContext(ctx)
				r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+multipartOverhead)
			} else {
				body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBodyBytes+1))
				if err != nil {
					return // the client went away
				}
				if int64(len(body)) > s.cfg.MaxBodyBytes {
					writeErrorStatus(w, http.StatusRequestEntityTooLarge, facestat.InputError("", facestat.ReasonBodyTooLarge,
						"the request body is larger than %d KiB", s.cfg.MaxBodyBytes>>10))
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// writeErrorStatus is writeError with an explicit status.
func writeErrorStatus(w http.ResponseWriter, status int, e *facestat.Error) {
	writeError(&statusOverride{ResponseWriter: w, status: status}, e)
}

type statusOverride struct {
	http.ResponseWriter
	status int
}

func (w *statusOverride) WriteHeader(int) { w.ResponseWriter.WriteHeader(w.status) }
