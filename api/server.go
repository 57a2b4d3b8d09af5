// Package api is FaceStat's HTTP surface: routing, middleware, the GraphQL
// endpoint and its limits, images, health checks and the web app.
package api

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/metrics"
)

// Deps is what the HTTP layer is built from.
type Deps struct {
	Config   *config.Config
	Log      *slog.Logger
	Resolver *graph.Resolver
	Identity *identity.Service
	Blobs    blob.Store
	Ping     func(context.Context) error // readiness of the database
	WebApp   fs.FS                       // the built single-page app
	// Metrics, when set, are served at /metrics and time GraphQL operations.
	Metrics *metrics.Metrics
	// Admission, when set, bounds the work in flight per class and answers
	// browsers with the busy page while the database is down.
	Admission *admission.Controller
	// FrontPage serves the generated front page; false before the first
	// rendering, when / falls back to the plain app.
	FrontPage interface {
		Serve(http.ResponseWriter, *http.Request) bool
	}
}

// Server routes FaceStat's HTTP requests.
type Server struct {
	cfg      *config.Config
	log      *slog.Logger
	identity *identity.Service
	blobs    blob.Store
	ping     func(context.Context) error
	webapp   fs.FS
	assets   *webAssets
	csp      []string // the web app's Content-Security-Policy (csp.go)
	front    interface {
		Serve(http.ResponseWriter, *http.Request) bool
	}
	ready    atomic.Bool
	handler  http.Handler
	sockets  *socketRegistry
	sessions *sessionWatch
	metrics  *metrics.Metrics

	admission *admission.Controller
	logDebug  bool // debug logging is on: every request takes the long way
}

// New returns a Server; it reports ready once SetReady(true) is called.
func New(d Deps) *Server {
	s := &Server{cfg: d.Config, log: d.Log, identity: d.Identity, blobs: d.Blobs, ping: d.Ping, webapp: d.WebApp, front: d.FrontPage,
		sockets: newSocketRegistry(), metrics: d.Metrics, assets: newWebAssets(d.WebApp)}
	s.csp = []string{contentSecurityPolicy(d.Config, d.WebApp, "index.html", "graphiql.html")}
	s.admission = d.Admission
	s.logDebug = d.Log.Enabled(context.Background(), slog.LevelDebug)
	s.sessions = newSessionWatch(d.Identity, d.Config.WSSessionCheck, d.Log)
	s.handler = s.routes(s.newGraphQL(d.Resolver))
	return s
}

// ServeHTTP implements http.Handler. The front page, the bulk of a spike,
// takes a short cut past the middleware: it is the same bytes for everyone,
// served from memory, and its successes are not logged (see accessLevel),
// so it needs no request id, client IP or access line; it carries the
// security headers all the same. With debug logging on, it goes the long
// way, to be logged.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.front != nil && !s.logDebug {
		setSecurityHeaders(w.Header())
		w.Header()["Content-Security-Policy"] = s.csp
		if s.front.Serve(w, r) {
			return
		}
	}
	s.handler.ServeHTTP(w, r)
}

// CloseSockets closes every WebSocket with 1012 (service restart), so
// clients reconnect to another instance; new sockets are refused from then.
func (s *Server) CloseSockets() {
	s.sessions.close()
	s.sockets.closeAll()
}

// Sockets returns how many WebSockets are open.
func (s *Server) Sockets() int { return s.sockets.Len() }

// SetReady sets what /readyz reports; false during start-up and shutdown.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// routes maps every path FaceStat serves, in one place.
func (s *Server) routes(gql http.Handler) http.Handler {
	mux := http.NewServeMux()
	api := cors.New(cors.Options{
		AllowedOrigins: s.cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-Request-Id"},
		ExposedHeaders: []string{"Retry-After", "X-Request-Id"},
		MaxAge:         600,
	})
	graphqlHandler := api.Handler(s.crossOrigin().Handler(s.authenticate(gql)))
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodOptions} {
		mux.Handle(m+" /graphql", graphqlHandler)
	}
	mux.Handle("GET /graphiql", s.withCSP(s.graphiql()))
	mux.HandleFunc("GET /images/{key...}", s.serveImage)
	mux.HandleFunc("GET /schema.graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(facestat.Schema)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
		status := s.metrics.StatusHandler(s.readiness) // the operator's page: HTML at /status, JSON at /status.json
		mux.Handle("GET /status", status)
		mux.Handle("GET /status.json", status)
	}
	mux.Handle("GET /{$}", s.withCSP(s.busyWhenDown(s.serveFrontPage)))
	mux.Handle("GET /", s.withCSP(s.busyWhenDown(s.serveWebApp)))
	return s.withRequest(securityHeaders(mux))
}

// crossOrigin refuses state-changing browser requests sent from other
// sites (by Sec-Fetch-Site and Origin), whatever their content type: a
// cross-site form posting multipart or urlencoded data cannot sign a browser
// in, sign it up or use its cookie. Origins on the CORS allow-list and the
// public URL's own origin are trusted; clients that are not browsers send
// neither header and pass.
func (s *Server) crossOrigin() *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	for _, o := range append([]string{s.cfg.PublicURL}, s.cfg.CORSOrigins...) {
		if u, err := url.Parse(o); err == nil {
			c.AddTrustedOrigin(u.Scheme + "://" + u.Host)
		}
	}
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonCSRF,
			Message: "cross-site requests may not change anything"})
	}))
	return c
}

// readiness is what /readyz reports, for the status page: nil when ready.
func (s *Server) readiness(ctx context.Context) error {
	if !s.ready.Load() {
		return errors.New("not ready: starting or shutting down")
	}
	if err := s.ping(ctx); err != nil {
		return errors.New("database unavailable")
	}
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !s.ready.Load() {
		http.Error(w, "not ready\n", http.StatusServiceUnavailable)
		return
	}
	if err := s.ping(ctx); err != nil {
		logger(ctx).WarnContext(ctx, "readiness: database", "err", err)
		http.Error(w, "database unavailable\n", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// serveImage serves a blob. Keys are content addresses, so a response never
// changes: it is cached for a year, immutable. A deleted photo's blobs 404.
// With images in S3 no instance serves them: /images/<key> answers 301 to
// the image base URL (the bucket or a CDN), which keeps old links working.
func (s *Server) serveImage(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !blob.ValidKey(key) {
		http.NotFound(w, r)
		return
	}
	if s.cfg.S3() {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		http.Redirect(w, r, s.cfg.ImageBaseURL+"/"+key, http.StatusMovedPermanently)
		return
	}
	f, info, err := s.blobs.Open(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) {
		w.Header().Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	if err != nil {
		logger(r.Context()).ErrorContext(r.Context(), "opening blob", "key", key, "err", err)
		http.Error(w, "image unavailable", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+path.Base(strings.TrimSuffix(key, path.Ext(key)))+`"`)
	h.Set("Content-Security-Policy", "default-src 'none'")
	http.ServeContent(w, r, "", info.ModTime, f)
}

// serveFrontPage serves the front page generated in the background, from
// memory; before its first rendering, the plain app.
func (s *Server) serveFrontPage(w http.ResponseWriter, r *http.Request) {
	if s.front != nil && s.front.Serve(w, r) {
		return
	}
	s.serveWebApp(w, r)
}

// serveWebApp serves the single-page app: hashed assets (assets/*) and
// index.html, for every app route, from memory, compressed once (see
// webAssets); hashed assets cached for a year, immutable, index.html
// revalidated (no-cache). Other built files (public/: favicon, robots.txt)
// are served as they are, revalidated.
func (s *Server) serveWebApp(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if a := s.assets.files[name]; a != nil {
		if res := a.resource(s.webapp); res != nil {
			res.ServeHTTP(w, r)
			return
		}
	}
	if name == "" {
		name = "index.html"
	}
	if st, err := fs.Stat(s.webapp, name); err != nil || st.IsDir() {
		if path.Ext(name) != "" || strings.HasPrefix(name, "assets/") { // a missing file, not an app route
			http.NotFound(w, r)
			return
		}
		name = "index.html"
	}
	if name == "index.html" && s.assets.index != nil {
		if res := s.assets.index.resource(s.webapp); res != nil {
			res.ServeHTTP(w, r)
			return
		}
	}
	w.Header().Set("Cache-Control", cacheShell)
	http.ServeFileFS(w, r, s.webapp, name)
}
