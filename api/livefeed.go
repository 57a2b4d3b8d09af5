package api

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/live"
)

// The fast path of live results. gqlgen's transport runs a goroutine per
// subscription (and the resolver another) and executes and marshals every
// update once per subscriber: at 15,000 subscribers that was most of the
// server's CPU and memory. On graphql-transport-ws, a photoStats
// subscription whose selection does not depend on the viewer (of `photo`,
// only id and voteCount: the web app's document qualifies) is served here
// instead: its subscribe
// message runs through the same executor with the same extensions (trusted
// documents, depth, price, aliases, budget, admission, the socket's
// operation bound, metrics) and the same resolver, which checks that the
// viewer may see the photo and sends its current state; then the
// subscriber joins the live.Feed of its photo and document, which renders
// each update once and writes it to every member as one prepared frame per
// operation id. A subscriber costs no goroutine and no channel; a hidden or
// deleted photo ends it with complete, as on the slow path. Anything else
// (the legacy protocol, other documents, persisted-query hashes without
// text) goes to gqlgen as before.
type liveFast struct {
	full  *executor.Executor // as the handler's: every extension
	bare  *executor.Executor // rendering updates: loaders only
	feeds *live.Feeds
	// maxTokens bounds the parse of a subscribe's text (max-query-tokens).
	maxTokens int
	// afterCurrent, when set (tests), runs between reading a subscriber's
	// current state and sending it.
	afterCurrent atomic.Pointer[func()]
}

// fanoutWriteTimeout bounds a write of an update, a feed's complete or a
// keepalive ping to one socket (its outbox's writer, wsout.go): a socket
// that misses it is closed.
const fanoutWriteTimeout = 2 * time.Second

// eligible reports whether the fast path serves a subscribe payload, from
// its text alone (before anything runs, so gqlgen gets the rest
// untouched). It runs before validation, on a stranger's text: the parse
// is bounded by maxTokens (max-query-tokens, as gqlgen's) and the walk by
// maxEligibleNodes.
func eligible(query, operationName string, maxTokens int) bool {
	if !strings.Contains(query, "photoStats") {
		return false
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
	if err != nil {
		return false
	}
	var op *ast.OperationDefinition
	for _, o := range doc.Operations {
		if len(doc.Operations) == 1 || o.Name == operationName {
			op = o
		}
	}
	if op == nil || op.Operation != ast.Subscription || len(op.SelectionSet) != 1 || len(op.Directives) > 0 {
		return false
	}
	f, ok := op.SelectionSet[0].(*ast.Field)
	if !ok || f.Name != "photoStats" || len(f.Directives) > 0 {
		return false
	}
	w := viewerWalk{doc: doc, fragments: map[fragmentAt]bool{}}
	return w.free(f.SelectionSet, false, 0)
}

// photoFieldsShared are the fields of PhotoStats.photo an update may
// carry on the fast path: the same for every viewer who may see the photo
// (each member's visibility is checked on every update).
var photoFieldsShared = map[string]bool{"id": true, "voteCount": true, "__typename": true}

// maxEligibleNodes bounds the selections eligible looks at: far more than
// any real photoStats document has; past it, the document goes to gqlgen.
const maxEligibleNodes = 1000

// fragmentAt is a fragment spread in a position: inside `photo` or not.
type fragmentAt struct {
	name    string
	inPhoto bool
}

// viewerWalk reports whether a selection under PhotoStats reads nothing
// that depends on who asks: of `photo`, only photoFieldsShared. Fragments
// are followed, each once per position (its answer is remembered, so
// spreads that fan out cannot make the walk exponential; a cycle, which
// validation would refuse, counts as not free), and the walk gives up
// (not free) past maxEligibleNodes selections or a depth of 32.
type viewerWalk struct {
	doc       *ast.QueryDocument
	fragments map[fragmentAt]bool
	nodes     int
}

func (w *viewerWalk) free(set ast.SelectionSet, inPhoto bool, depth int) bool {
	if depth > 32 {
		return false
	}
	for _, sel := range set {
		if w.nodes++; w.nodes > maxEligibleNodes {
			return false
		}
		switch sel := sel.(type) {
		case *ast.Field:
			switch {
			case inPhoto && !photoFieldsShared[sel.Name]:
				return false
			case !inPhoto && sel.Name == "photo":
				if !w.free(sel.SelectionSet, true, depth+1) {
					return false
				}
			case !w.free(sel.SelectionSet, inPhoto, depth+1):
				return false
			}
		case *ast.InlineFragment:
			if !w.free(sel.SelectionSet, inPhoto, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			at := fragmentAt{sel.Name, inPhoto}
			ok, seen := w.fragments[at]
			if !seen {
				w.fragments[at] = false // while it is walked: a cycle is not free
				def := w.doc.Fragments.ForName(sel.Name)
				ok = def != nil && w.free(def.SelectionSet, inPhoto, depth+1)
				w.fragments[at] = ok
			}
			if !ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// renderViewer is who a feed renders updates as: one who may see any
// photo, so that `photo { id voteCount }` renders for private and hidden
// photos too; who gets the update is each member's own check.
var renderViewer = &identity.Viewer{Role: identity.RoleModerator}

// fastSub is one subscription on the fast path.
type fastSub struct {
	cancel context.CancelFunc
	member *live.Member
}

// follower is the live.Follower of one subscribe: Follow joins the
// photo's feed before the resolver reads the current state, so an update
// committed meanwhile waits in the member (the newest only) until Start.
type follower struct {
	join    func(photo uuid.UUID, keep func(*judging.Snapshot) bool) *live.Member
	member  *live.Member
	keep    func(*judging.Snapshot) bool
	current int64
	sent    bool
}

func (f *follower) Follow(photo uuid.UUID, keep func(*judging.Snapshot) bool) {
	if f.member != nil { // once per subscribe
		return
	}
	f.keep = keep
	f.member = f.join(photo, keep)
}
func (f *follower) Current(version int64) { f.current, f.sent = version, true }

// subscribe serves m (a subscribe message tws passed) if the fast path
// takes it, and reports whether it did.
func (lf *liveFast) subscribe(c *gorillaConn, m *clientMessage) bool {
	var params graphql.RawParams
	if json.Unmarshal(m.payload, &params) != nil || !eligible(params.Query, params.OperationName, lf.maxTokens) {
		return false
	}
	connCtx := c.state.connContext()
	if connCtx == nil {
		return false
	}
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	ctx, cancel := context.WithCancel(graphql.StartOperationTrace(connCtx))
	rc, errs := lf.full.CreateOperationContext(ctx, &params)
	if errs != nil {
		c.refuseOperation(lf.full, ctx, rc, m.internal, errs)
		cancel()
		return true
	}
	key := rc.OperationName + "\x00" + rc.RawQuery + "\x00" + variablesKey(rc.Variables)
	render := lf.renderer(rc.RawQuery, rc.OperationName, rc.Variables)
	client := m.id
	internal := m.internal
	sub := &fastSub{cancel: cancel}
	end := func() { // the viewer may no longer see the photo
		c.endFast(internal, true)
	}
	send := func(ev *live.Event) { // under the member's lock: never ends it here
		if ctx.Err() != nil { // the credential ended: the socket is closing
			return
		}
		pm := ev.Frame(client, func() any {
			pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, nextFrame(client, ev.Payload))
			return pm
		}).(*websocket.PreparedMessage)
		if pm != nil {
			c.postNext(internal, pm) // never waits: the socket's writer takes it (wsout.go)
		}
	}
	f := &follower{join: func(photo uuid.UUID, keep func(*judging.Snapshot) bool) *live.Member {
		return lf.feeds.Join(photo, key, render, keep, send, end)
	}}
	responses, dctx := lf.full.DispatchOperation(live.WithFollower(ctx, f), rc)
	resp := responses(dctx)
	if hook := lf.afterCurrent.Load(); hook != nil {
		(*hook)()
	}
	if resp == nil || len(resp.Errors) > 0 || !f.sent || f.keep == nil {
		// Refused, failed or ended at once: as gqlgen would, the
		// response (if any), then complete.
		if f.member != nil {
			f.member.Leave()
		}
		if resp != nil {
			b, _ := json.Marshal(resp)
			c.sendOp(m.internal, "next", b)
		}
		c.sendOp(m.internal, "complete", nil)
		cancel()
		return true
	}
	sub.member = f.member
	if !c.addFast(internal, sub) { // the socket closed meanwhile
		sub.member.Leave()
		cancel()
		return true
	}
	b, _ := json.Marshal(resp)
	c.sendOp(internal, "next", b)
	if !sub.member.Start(f.current) { // the photo was hidden meanwhile
		c.endFast(internal, true)
	}
	return true
}

// refuseOperation answers an operation the executor refused, as gqlgen's
// transport does: a protocol error (a document that does not parse or
// validate, over the price) as error, anything else as next and complete.
func (c *gorillaConn) refuseOperation(exec *executor.Executor, ctx context.Context, rc *graphql.OperationContext, id string, errs gqlerror.List) {
	resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
	if errcode.GetErrorKind(errs) == errcode.KindProtocol {
		b, _ := json.Marshal(resp.Errors)
		c.sendOp(id, "error", b)
		return
	}
	b, _ := json.Marshal(&graphql.Response{Errors: errs})
	c.sendOp(id, "next", b)
	c.sendOp(id, "complete", nil)
}

// renderer renders updates of one document and variables for a feed, on
// the bare executor (the subscribers were admitted and charged when they
// subscribed), once per update.
func (lf *liveFast) renderer(query, operationName string, vars map[string]any) live.Render {
	var (
		once sync.Once
		rc   *graphql.OperationContext
		err  error
	)
	return func(ctx context.Context, snap *judging.Snapshot) ([]byte, error) {
		once.Do(func() {
			now := graphql.Now()
			var errs gqlerror.List
			rc, errs = lf.bare.CreateOperationContext(graphql.StartOperationTrace(ctx),
				&graphql.RawParams{Query: query, OperationName: operationName, Variables: vars, ReadTime: graphql.TraceTiming{Start: now, End: now}})
			if len(errs) > 0 {
				err = errs
			}
		})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(live.WithRendering(graphql.StartOperationTrace(identity.NewContext(ctx, renderViewer)), snap))
		defer cancel()
		responses, ctx := lf.bare.DispatchOperation(ctx, rc)
		resp := responses(ctx)
		if resp == nil {
			return nil, errNoResponse
		}
		return json.Marshal(resp)
	}
}

type renderError string

func (e renderError) Error() string { return string(e) }

const errNoResponse = renderError("rendering an update gave no response")

// variablesKey is the variables as canonical JSON (encoding/json sorts
// map keys).
func variablesKey(vars map[string]any) string {
	b, _ := json.Marshal(vars)
	return string(b)
}

// nextFrame is the graphql-transport-ws "next" message for the operation
// id with payload, as writeMessage would marshal it.
func nextFrame(id string, payload []byte) []byte {
	idJSON, _ := json.Marshal(id)
	b := make([]byte, 0, len(idJSON)+len(payload)+32)
	b = append(b, `{"id":`...)
	b = append(b, idJSON...)
	b = append(b, `,"type":"next","payload":`...)
	b = append(b, payload...)
	return append(b, '}')
}

// sendOp writes a message of an operation, mapped to the client's id; not
// if the client completed the operation already.
func (c *gorillaConn) sendOp(internal, typ string, payload json.RawMessage) {
	m := &wireMessage{ID: internal, Type: typ, Payload: payload}
	if c.tws.send(m) {
		c.writeMessage(m)
	}
}

// addFast records a fast-path subscription of the socket, unless the
// socket has closed.
func (c *gorillaConn) addFast(internal string, s *fastSub) bool {
	c.fastMu.Lock()
	defer c.fastMu.Unlock()
	if c.fastClosed {
		return false
	}
	if c.fast == nil {
		c.fast = map[string]*fastSub{}
	}
	c.fast[internal] = s
	return true
}

// endFast ends a fast-path subscription: it leaves its feed and releases
// its places (admission, the socket's operations); complete tells the
// client (when the server ended it). It reports whether there was one.
func (c *gorillaConn) endFast(internal string, complete bool) bool {
	c.fastMu.Lock()
	s := c.fast[internal]
	delete(c.fast, internal)
	c.fastMu.Unlock()
	if s == nil {
		return false
	}
	s.member.Leave()
	s.cancel()
	c.dropOp(internal)
	if m := (&wireMessage{ID: internal, Type: "complete"}); complete && c.tws.send(m) {
		b, _ := json.Marshal(m)
		c.postComplete(internal, b) // never waits: a feed may be ending it
	}
	return true
}

// endAllFast ends the socket's fast-path subscriptions when it closes.
func (c *gorillaConn) endAllFast() {
	c.fastMu.Lock()
	c.fastClosed = true
	subs := c.fast
	c.fast = nil
	c.fastMu.Unlock()
	for _, s := range subs {
		s.member.Leave()
		s.cancel()
	}
}
