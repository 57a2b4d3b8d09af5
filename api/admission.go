package api

import (
	"context"
	_ "embed"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/admission"
)

// admit is the GraphQL extension that applies admission control to each
// operation once gqlgen has parsed it (the parse is cached, so a refusal
// costs little): the operation's class is read from its root fields, a slot
// of that class is held while it runs, and a refusal answers UNAVAILABLE
// with a retry time (HTTP 503 with Retry-After). An operation on a
// WebSocket first takes one of its socket's operations (see socketOps).
type admit struct {
	ctrl *admission.Controller
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = admit{}

func (admit) ExtensionName() string                   { return "Admission" }
func (admit) Validate(graphql.ExecutableSchema) error { return nil }

type admittedKey struct{}

func (a admit) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return next(ctx)
	}
	if sock := socketFrom(ctx); sock != nil {
		leave, err := sock.take(ctx)
		if err != nil {
			return refusal(ctx, err)
		}
		return endsWith(a.admitted(ctx, oc, next), leave)
	}
	return a.admitted(ctx, oc, next)
}

// admitted runs the operation of oc once its class admits it.
func (a admit) admitted(ctx context.Context, oc *graphql.OperationContext, next graphql.OperationHandler) graphql.ResponseHandler {
	class := classify(oc.Doc, oc.Operation)
	if class == admission.Subscriptions {
		// The slot is held from before the subscription registers until
		// its stream ends (it completes, is stopped, or its socket
		// closes), so a burst cannot open one too many.
		release, err := a.ctrl.AdmitOpen(class)
		if err != nil {
			return refusal(ctx, err)
		}
		return endsWith(next(ctx), heldUntil(ctx, release))
	}
	release := func() {}
	if ctx.Value(admittedKey{}) == nil { // uploads are admitted by serveUpload, as their body flows
		r, err := a.ctrl.Admit(ctx, class)
		if err != nil {
			return refusal(ctx, err)
		}
		release = r
	}
	start := time.Now()
	var once sync.Once
	done := func() {
		once.Do(func() {
			release()
			a.ctrl.Observe(time.Since(start))
		})
	}
	returned := false
	defer func() {
		if !returned { // next panicked: the slot must not leak
			done()
		}
	}()
	h := next(ctx)
	returned = true
	return func(ctx context.Context) *graphql.Response {
		defer done()
		return h(ctx)
	}
}

// heldUntil returns release, made safe to call more than once, and calls
// it when ctx ends at the latest: what an operation holds is given back
// even when its stream is never read to the end, or its handler panicked.
func heldUntil(ctx context.Context, release func()) func() {
	var once sync.Once
	r := func() { once.Do(release) }
	context.AfterFunc(ctx, r)
	return r
}

// endsWith returns h, calling release when h has no more responses: the
// moment an operation's stream ends, before the transport tells the client
// (graphql-ws's complete), so a client that was told can rely on the place
// being free.
func endsWith(h graphql.ResponseHandler, release func()) graphql.ResponseHandler {
	return func(ctx context.Context) *graphql.Response {
		r := h(ctx)
		if r == nil {
			release()
		}
		return r
	}
}

// refusal answers an operation with err alone.
func refusal(ctx context.Context, err *facestat.Error) graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{presentError(ctx, err)}})
}

// classify names an operation's class of work from its root fields: the
// heaviest class any of them belongs to.
func classify(doc *ast.QueryDocument, op *ast.OperationDefinition) admission.Class {
	if op.Operation == ast.Subscription {
		return admission.Subscriptions
	}
	class := admission.Reads
	var seen map[string]bool // fragments walked; made only when one is spread
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if c := fieldClass(s.Name); classRank[c] > classRank[class] {
					class = c
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if f := doc.Fragments.ForName(s.Name); f != nil && !seen[s.Name] {
					if seen == nil {
						seen = map[string]bool{}
					}
					seen[s.Name] = true
					walk(f.SelectionSet)
				}
			}
		}
	}
	walk(op.SelectionSet)
	return class
}

// classRank orders the classes an operation's root fields may have, from
// the lightest; the heaviest names the operation's class.
var classRank = map[admission.Class]int{admission.Reads: 0, admission.Votes: 1, admission.SignIns: 2, admission.Uploads: 3}

func fieldClass(name string) admission.Class {
	switch name {
	case "castVote", "skipPhoto":
		return admission.Votes
	case "uploadPhoto":
		return admission.Uploads
	case "signIn", "signUp", "refreshSession":
		return admission.SignIns
	}
	// startAnonymousSession too: it signs a token and nothing else (no
	// argon2id, no statement), and it is the first step of every new
	// visitor's judging; in the sign-ins' few slots a spike's new judges
	// were refused while the instance had room.
	return admission.Reads
}

// admitUpload takes an upload's slot once the head of its body has arrived
// (see serveUpload); the caller runs the request with the returned context
// and then calls release.
func (s *Server) admitUpload(r *http.Request) (ctx context.Context, release func(), err *facestat.Error) {
	if s.admission == nil {
		return r.Context(), func() {}, nil
	}
	release, err = s.admission.Admit(r.Context(), admission.Uploads)
	if err != nil {
		return nil, nil, err
	}
	return context.WithValue(r.Context(), admittedKey{}, true), release, nil
}

//go:embed busy.html
var busyPage []byte

// serveBusy answers a browser with the static "we're busy" page: no
// template, no database, nothing that can fail under load.
func serveBusy(w http.ResponseWriter, retry time.Duration) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h["Content-Security-Policy"] = busyCSP
	h.Set("Retry-After", strconv.Itoa(retrySeconds(retry)))
	h.Set("Content-Length", strconv.Itoa(len(busyPage)))
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write(busyPage)
}

// busyWhenDown serves the busy page instead of the app's pages while the
// database does not answer, except the front page once it has been
// generated (it is served from memory, stale but whole). The app would
// load and then fail on its first query; the busy page says so at once.
func (s *Server) busyWhenDown(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.admission == nil || !s.admission.DatabaseDown() || isAsset(r.URL.Path) {
			next(w, r)
			return
		}
		if r.URL.Path == "/" && s.front != nil && s.front.Serve(w, r) {
			return
		}
		serveBusy(w, admission.DatabaseDown().RetryAfter)
	})
}

// isAsset reports whether path names a built file (scripts, styles, icons)
// rather than a page: those need no database.
func isAsset(p string) bool { return strings.HasPrefix(p, "/assets/") || path.Ext(p) != "" }
