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

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/frontend"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/mail"
	"github.com/facestat/facestat/metrics"
	"github.com/facestat/facestat/panics"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/precompressed"
	"github.com/facestat/facestat/ratelimit"
	"github.com/facestat/facestat/relay"
)

// Deps is what the HTTP layer is built from.
type Deps struct {
	Config   *config.Config
	Log      *slog.Logger
	Resolver *graph.Resolver
	Identity *identity.Service
	// Photos and Judging decide whether an image may be served, and
	// whether a photo's page exists for its viewer.
	Photos  *photos.Service
	Judging *judging.Service
	Blobs   blob.Store
	Ping    func(context.Context) error // readiness of the database
	WebApp  fs.FS                       // the built single-page app
	// Metrics, when set, are served at /metrics and time GraphQL operations.
	Metrics *metrics.Metrics
	// Admission, when set, bounds the work in flight per class and answers
	// browsers with the busy page while the database is down.
	Admission *admission.Controller
	// Budgets, when set, charge each GraphQL operation its cost (budget.go).
	Budgets *ratelimit.Budgets
	// FrontPage serves the generated front page; false before the first
	// rendering, when / falls back to the plain app.
	FrontPage interface {
		Serve(http.ResponseWriter, *http.Request) bool
	}
	// Exports serves data exports at /exports/{id} (exports.go).
	Exports Exports
	// Outbox, when mail goes to the local outbox, is shown at /outbox.
	Outbox *mail.Outbox

	// Documents keeps the documents of automatic persisted queries (Redis
	// when configured, else in memory; nil: each instance's own LRU only).
	Documents cache.Store
}

// Server routes FaceStat's HTTP requests.
type Server struct {
	cfg      *config.Config
	live     *liveFast // live results on WebSockets (livefeed.go); nil without a hub
	log      *slog.Logger
	identity *identity.Service
	photos   *photos.Service
	judging  *judging.Service
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
	upgrader websocket.Upgrader  // gorilla, for both WebSocket paths (newUpgrader)
	clients  clientaddr.Resolver // who a request comes from
	sessions *sessionWatch
	metrics  *metrics.Metrics

	admission *admission.Controller
	budgets   *ratelimit.Budgets
	logDebug  bool // debug logging is on: every request takes the long way

	// Per client address, on this instance: uploads in flight and open
	// WebSockets (slow clients, see body.go).
	uploadsPerIP, socketsPerIP *admission.PerKey

	rendered *renderedReads // hot photo reads answered from rendered bytes (rendered.go)

	exports Exports      // data exports (exports.go)
	outbox  *mail.Outbox // nil: mail goes to an SMTP relay

	documents cache.Store // persisted queries' documents (apq.go)
}

// New returns a Server; it reports ready once SetReady(true) is called.
func New(d Deps) *Server {
	s := &Server{cfg: d.Config, log: d.Log, identity: d.Identity, photos: d.Photos, judging: d.Judging, blobs: d.Blobs, ping: d.Ping, webapp: d.WebApp, front: d.FrontPage,
		sockets: newSocketRegistry(), upgrader: newUpgrader(), metrics: d.Metrics, assets: newWebAssets(d.WebApp)}
	s.csp = []string{contentSecurityPolicy(d.Config, d.WebApp, "index.html", "graphiql.html")}
	s.admission = d.Admission
	s.exports = d.Exports
	s.clients = clientaddr.Resolver{Trusted: d.Config.TrustedProxies}
	s.budgets = d.Budgets
	s.outbox = d.Outbox
	s.documents = d.Documents
	s.uploadsPerIP = admission.NewPerKey(d.Config.MaxUploadsPerIP)
	s.socketsPerIP = admission.NewPerKey(d.Config.WSMaxSocketsPerIP)
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
	if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.front != nil && !s.logDebug &&
		s.serveFrontShortCut(w, r) {
		return
	}
	s.handler.ServeHTTP(w, r)
}

// serveFrontShortCut serves the front page from memory, ahead of the
// middleware (and so of recoverPanics: it recovers its own panics),
// reporting whether it answered.
func (s *Server) serveFrontShortCut(w http.ResponseWriter, r *http.Request) (answered bool) {
	defer panics.RecoverHandler(s.log, "the front page", func(any) {
		answered = true
		http.Error(w, "internal error", http.StatusInternalServerError)
	})
	s.setSecurityHeaders(w.Header())
	w.Header()["Content-Security-Policy"] = s.csp
	return s.front.Serve(w, r)
}

// CloseSockets closes every WebSocket with 1012 (service restart), so
// clients reconnect to another instance; new sockets are refused from then.
func (s *Server) CloseSockets() {
	s.sessions.close()
	s.sockets.closeAll()
}

// Sockets returns how many WebSockets are open.
func (s *Server) Sockets() int { return s.sockets.Len() }

// SetLiveCurrentHook makes fn run on the WebSocket fast path between
// reading a new subscriber's current state and sending it (for tests).
func (s *Server) SetLiveCurrentHook(fn func()) {
	if s.live != nil {
		s.live.afterCurrent.Store(&fn)
	}
}

// LiveRenders counts the live-result updates rendered on the WebSocket fast
// path: one per update and feed (photo and document), however many
// subscribers share it (for tests).
func (s *Server) LiveRenders() int64 {
	if s.live == nil {
		return 0
	}
	return s.live.feeds.Renders()
}

// SetReady sets what /readyz reports; false during start-up and shutdown.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// routes maps every path FaceStat serves, in one place.
func (s *Server) routes(gql http.Handler) http.Handler {
	mux := http.NewServeMux()
	corsOptions := cors.Options{
		AllowedOrigins: s.cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-Request-Id", apiKeyHeader},
		ExposedHeaders: []string{"Retry-After", "X-Request-Id", "RateLimit", "RateLimit-Policy"},
		MaxAge:         600,
	}
	if len(s.cfg.CORSOrigins) == 0 {
		// rs/cors reads no origins as every origin; ours means none.
		corsOptions.AllowOriginFunc = func(string) bool { return false }
	}
	api := cors.New(corsOptions)
	graphqlHandler := graphqlCaching(api.Handler(s.crossOrigin().Handler(s.authenticate(gql))))
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodOptions} {
		mux.Handle(m+" /graphql", graphqlHandler)
	}
	mux.Handle("GET /graphiql", s.withCSP(s.page(s.assets.graphiql)))
	mux.HandleFunc("GET /images/{key...}", s.serveImage)
	mux.HandleFunc("GET /exports/{id}", s.serveExport)
	mux.Handle("GET /schema.graphql", schemaFile) // compressed once, with an ETag
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.metrics != nil {
		// Operators only (operator.go): they tell a stranger how loaded the
		// service is and what it runs.
		mux.Handle("GET /metrics", s.operatorsOnly(promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{})))
		status := s.operatorsOnly(s.metrics.StatusHandler(s.readiness)) // the operator's page: HTML at /status, JSON at /status.json
		mux.Handle("GET /status", status)
		mux.Handle("GET /status.json", status)
	}
	mux.Handle("GET /outbox", s.operatorsOnly(http.HandlerFunc(s.serveOutbox))) // outbox.go
	profiling := s.profiling()                                                  // pprof.go: the operator token only
	mux.Handle("GET /debug/pprof/", profiling)
	mux.Handle("POST /debug/pprof/symbol", profiling)
	// The web app: its pages (frontend/routes.json) answer 200 with the
	// app, a photo's page only when the photo exists for its viewer; its
	// hashed assets and other built files are served as files (a missing
	// one is a plain 404); any other path is the app's not-found page,
	// with 404. Unknown paths under the API's own answer in JSON.
	mux.Handle("GET /{$}", s.withCSP(s.busyWhenDown(s.serveFrontPage)))
	for _, route := range frontend.Routes() {
		switch route {
		case "/":
			continue
		case "/photos/{id}":
			mux.Handle("GET "+route, s.withCSP(s.busyWhenDown(s.servePhotoPage)))
		default:
			mux.Handle("GET "+route, s.withCSP(s.busyWhenDown(s.serveApp)))
		}
		mux.HandleFunc("GET "+route+"/{$}", withoutSlash)
	}
	mux.HandleFunc("GET /assets/", s.serveFile)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		mux.HandleFunc(m+" /graphql/", apiNotFound)
	}
	mux.Handle("GET /", s.withCSP(s.busyWhenDown(s.serveOther)))
	return s.withRequest(recoverPanics(s.securityHeaders(mux)))
}

// schemaFile is the API's contract, schema.graphql, as a static file:
// revalidated (it changes with a deployment), compressed once.
var schemaFile = precompressed.New(facestat.Schema, precompressed.Options{
	ContentType: "text/plain; charset=utf-8", CacheControl: cacheShell})

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

// serveFrontPage serves the front page generated in the background, from
// memory; before its first rendering, the plain app.
func (s *Server) serveFrontPage(w http.ResponseWriter, r *http.Request) {
	if s.front != nil && s.front.Serve(w, r) {
		return
	}
	s.serveApp(w, r)
}

// serveApp serves the single-page app's shell, index.html, for its pages.
func (s *Server) serveApp(w http.ResponseWriter, r *http.Request) { s.page(s.assets.index)(w, r) }

// page serves one of the web app's pages (webAssets): from memory,
// compressed once, revalidated (no-cache); 404 in a binary without it.
func (s *Server) page(a *asset) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if res := a.resource(s.webapp); res != nil {
			res.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}
}

// servePhotoPage serves the app for a photo's page when the photo exists
// and its viewer (by the session cookie, looked at only when it matters)
// may see it, and the not-found page otherwise, so that a link to a
// private or deleted photo says nothing more than a mistyped one. When the
// database cannot tell, the busy page (503): never the app, which would
// say the photo exists.
func (s *Server) servePhotoPage(w http.ResponseWriter, r *http.Request) {
	id, err := relay.ParseTypedID(r.PathValue("id"), "Photo", "id")
	if err != nil {
		s.serveNotFound(w, r)
		return
	}
	view, err := s.canViewPhoto(r, id)
	switch {
	case err != nil:
		logger(r.Context()).WarnContext(r.Context(), "checking a photo's page", "err", err)
		serveBusy(w, 2*time.Second)
	case !view:
		s.serveNotFound(w, r)
	default:
		s.serveApp(w, r)
	}
}

// canViewPhoto reports whether the photo id exists for the request's
// viewer (authz's View): for anyone when it is public, else for the viewer
// its session cookie names.
func (s *Server) canViewPhoto(r *http.Request, id uuid.UUID) (bool, error) {
	rows, err := s.photos.Load(r.Context(), []uuid.UUID{id})
	if err != nil {
		return false, err
	}
	p := rows[id]
	if p == nil {
		return false, nil
	}
	if authz.PhotoAccess(nil, photos.FactsOf(p), false).View {
		return true, nil
	}
	a, err := s.judging.Access(r.Context(), s.cookieViewer(r), p)
	return a.View, err
}

// serveFile serves the built app's files: hashed assets (assets/*: cached
// for a year, immutable) from memory, compressed once; other files
// (public/: favicon, robots.txt) as they are, revalidated. A missing file
// is a plain 404, never the app.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if a := s.assets.files[name]; a != nil {
		if res := a.resource(s.webapp); res != nil {
			res.ServeHTTP(w, r)
			return
		}
	}
	if st, err := fs.Stat(s.webapp, name); err != nil || st.IsDir() || name == "index.html" {
		w.Header().Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", cacheShell)
	http.ServeFileFS(w, r, s.webapp, name)
}

// serveOther serves what no route names: a built file (a path with an
// extension, such as /favicon.ico) or, for any other path, the app's
// not-found page.
func (s *Server) serveOther(w http.ResponseWriter, r *http.Request) {
	if path.Ext(r.URL.Path) != "" {
		s.serveFile(w, r)
		return
	}
	s.serveNotFound(w, r)
}

// serveNotFound answers 404 with the app, which shows its not-found page
// for a path it does not know (and for a photo it cannot load). Not
// cached, and never a 304: a conditional request gets the whole page.
func (s *Server) serveNotFound(w http.ResponseWriter, r *http.Request) {
	r = r.Clone(r.Context())
	r.Header.Del("If-None-Match")
	r.Header.Del("If-Modified-Since")
	w.Header().Set("Cache-Control", "no-store")
	s.serveApp(&notFoundWriter{ResponseWriter: w}, r)
}

// notFoundWriter turns the app shell's 200 into a 404 without its ETag:
// the page is the app's, the answer is not.
type notFoundWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (w *notFoundWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if code == http.StatusOK {
		w.Header().Del("ETag")
		w.Header().Set("Cache-Control", "no-store")
		code = http.StatusNotFound
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *notFoundWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *notFoundWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withoutSlash sends a page's path with a trailing slash to the page (the
// query kept).
func withoutSlash(w http.ResponseWriter, r *http.Request) {
	u := *r.URL
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
}

// apiNotFound answers a path under the API's that names nothing, in the
// shape of a GraphQL error.
func apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, facestat.Errorf(facestat.NotFound, "no such API path: the GraphQL endpoint is /graphql"))
}

// cookieViewer returns who the request's session cookie says is asking,
// nil without a valid one. For pages and images, which browsers fetch with
// cookies and no Authorization header.
func (s *Server) cookieViewer(r *http.Request) *identity.Viewer {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	v, err := s.identity.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return v
}

// RenderedReadHits is how many reads renderedReads answered from rendered
// bytes without executing them (rendered.go), for tests and benchmarks.
func (s *Server) RenderedReadHits() int64 {
	if s.rendered == nil {
		return 0
	}
	return s.rendered.hits.Load()
}
