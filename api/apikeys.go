package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/ratelimit"
)

// API keys (issue 15): header X-Api-Key (x-api-key in a WebSocket's
// connection_init payload). Alone, the key is the viewer: its owner within
// its scopes (authz.CanCallMutation). With a session token the token's
// viewer acts and the key names the application: its budget, not the
// address's, pays (see payer).
const apiKeyHeader = "X-Api-Key"

// maxAPIKeyHeader is the longest X-Api-Key read; a longer one is refused
// as malformed without a lookup.
const maxAPIKeyHeader = 256

// keyFromRequest authenticates the request's X-Api-Key header, if any:
// nil, nil without one; UNAUTHENTICATED for one malformed, unknown or
// revoked.
func (s *Server) keyFromRequest(ctx context.Context, r *http.Request) (*identity.KeyGrant, error) {
	vals, ok := r.Header[http.CanonicalHeaderKey(apiKeyHeader)]
	if !ok {
		return nil, nil
	}
	key := ""
	if len(vals) == 1 {
		key = strings.TrimSpace(vals[0])
	}
	if len(key) > maxAPIKeyHeader || key == "" {
		return nil, &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonTokenInvalid, Message: "the API key is not valid"}
	}
	return s.identity.AuthenticateKey(ctx, key)
}

// requestHasAPIKey reports whether a valid API key authenticated the
// request (trusted-documents mode lets such requests send any document).
func requestHasAPIKey(r *http.Request) bool {
	v := identity.FromContext(r.Context())
	return v != nil && v.Key != nil
}

// keyScope is the GraphQL extension that applies authz.CanCallMutation to
// every root field of a mutation: a key alone calls only what its scopes
// allow, and never manages the account.
type keyScope struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = keyScope{}

func (keyScope) ExtensionName() string                   { return "KeyScope" }
func (keyScope) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField refuses a root mutation field the viewer's key may not
// call.
func (keyScope) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && fc.Object == "Mutation" && fc.Parent != nil && fc.Parent.Parent == nil {
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
			if err := authz.CanCallMutation(identity.FromContext(ctx), fc.Field.Name); err != nil {
				return nil, err
			}
		}
	}
	return next(ctx)
}

// fieldHooks is the one field interceptor of the GraphQL server: the
// budget's meter (budget.InterceptField, when budgets are on) and then
// keyScope. Each interceptor costs an allocation per field resolved, so
// they are one.
type fieldHooks struct{ budget *budget }

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = fieldHooks{}

func (fieldHooks) ExtensionName() string { return "FieldHooks" }

// Validate lets the budget keep the schema it prices fields with.
func (h fieldHooks) Validate(es graphql.ExecutableSchema) error {
	if h.budget != nil {
		return h.budget.Validate(es)
	}
	return nil
}

func (h fieldHooks) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if h.budget != nil {
		h.budget.meter(ctx)
	}
	return keyScope{}.InterceptField(ctx, next)
}

// budgetOperations is budget as an operation interceptor alone (its field
// interceptor runs in fieldHooks).
type budgetOperations struct{ b *budget }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = budgetOperations{}

func (o budgetOperations) ExtensionName() string                      { return o.b.ExtensionName() }
func (o budgetOperations) Validate(es graphql.ExecutableSchema) error { return o.b.Validate(es) }
func (o budgetOperations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return o.b.InterceptOperation(ctx, next)
}

// wsKey authenticates the x-api-key of a WebSocket's connection_init
// payload, if any, onto v (the viewer of the payload's authorization, or
// nil): alone it becomes the viewer, with a token it names the
// application. A socket of a key alone closes within the session-watch
// interval once the key is revoked.
func (s *Server) wsKey(ctx context.Context, payload transport.InitPayload, v *identity.Viewer) (context.Context, *identity.Viewer, error) {
	raw, ok := payload["x-api-key"]
	if !ok {
		return ctx, v, nil
	}
	key, _ := raw.(string)
	if key == "" || len(key) > maxAPIKeyHeader {
		return ctx, v, &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonTokenInvalid, Message: "the API key is not valid"}
	}
	g, err := s.identity.AuthenticateKey(ctx, key)
	if err != nil {
		return ctx, v, err
	}
	if v == nil {
		v = identity.ViewerOfKey(g)
	} else {
		cp := *v
		cp.Key = g
		v = &cp
	}
	if v.ViaKey() {
		ctx = s.watchKey(ctx, g.ID)
	}
	return ctx, v, nil
}

// watchKey returns ctx, cancelled with cause errCredentialEnded once the key id is no longer live
// (revoked, its account banned or deleted), checked every session-watch
// interval.
func (s *Server) watchKey(ctx context.Context, id int) context.Context {
	ctx, cancelCause := context.WithCancelCause(ctx)
	cancel := func() { cancelCause(errCredentialEnded) } // 4403 on graphql-transport-ws
	every := s.sessions.interval
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				live, err := s.identity.KeyLive(ctx, id)
				if err == nil && !live {
					cancel()
					return
				}
			}
		}
	}()
	return transport.AppendCloseReason(ctx, "the API key was revoked")
}

// costSink carries the response's headers to the budget extension, which
// sets the RateLimit headers once the operation is settled. Nil for
// WebSocket upgrades (their operations have no headers of their own).
type costSink struct {
	mu  sync.Mutex
	h   http.Header
	set bool
}

type costSinkKey struct{}

func withCostSink(ctx context.Context, w http.ResponseWriter, r *http.Request) context.Context {
	if r.Header.Get("Upgrade") != "" {
		return ctx
	}
	return context.WithValue(ctx, costSinkKey{}, &costSink{h: w.Header()})
}

// RateLimitDraft is the version of the IETF draft whose fields the
// responses carry.
const RateLimitDraft = "draft-ietf-httpapi-ratelimit-headers-10"

// setRateLimitHeaders writes RateLimit-Policy and RateLimit (structured
// fields, RateLimitDraft) for st, once per response: the policy named
// after the bucket ("ip", "session", "account", "api_key"), its quota q
// in cost units over window w seconds, what remains r and the seconds t
// until the bucket is full again; facestat-local=?1 when the figures are
// this instance's own (Redis absent or down).
func setRateLimitHeaders(ctx context.Context, st ratelimit.Status) {
	sink, _ := ctx.Value(costSinkKey{}).(*costSink)
	if sink == nil {
		return
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.set {
		return
	}
	sink.set = true
	name := policyName(st.Name)
	local := ""
	if st.Local {
		local = ";facestat-local=?1"
	}
	sink.h.Set("RateLimit-Policy", fmt.Sprintf("%q;q=%d;w=%d%s", name, st.Limit, int(math.Ceil(st.Per.Seconds())), local))
	sink.h.Set("RateLimit", fmt.Sprintf("%q;r=%d;t=%d", name, st.Remaining, refillSeconds(st)))
}

// policyName is a budget rule's name as clients see it.
func policyName(rule string) string { return strings.TrimPrefix(rule, "budget_") }

// refillSeconds is how long until st's bucket is full again.
func refillSeconds(st ratelimit.Status) int {
	if st.Limit <= 0 || st.Remaining >= st.Limit {
		return 0
	}
	return int(math.Ceil(float64(st.Limit-st.Remaining) * st.Per.Seconds() / float64(st.Limit)))
}

// costExtension is extensions.cost (Shopify's names) for an operation
// that was requested at price and actually cost actual, its budget now
// st.
func costExtension(price, actual int, st ratelimit.Status) costExt {
	rate := 0.0
	if st.Per > 0 {
		rate = float64(st.Limit) / st.Per.Seconds()
	}
	return costExt{RequestedQueryCost: price, ActualQueryCost: actual, ThrottleStatus: throttleStatus{
		MaximumAvailable: st.Limit, CurrentlyAvailable: st.Remaining, RestoreRate: rate,
		Policy: policyName(st.Name), Shared: !st.Local}}
}

// costExt is extensions.cost. Structs, not maps: every GraphQL answer
// carries one, and encoding/json writes a struct without sorting keys or
// boxing values. The fields are in the order the maps they replaced
// were written in (their keys sorted), so the bytes are the same.
type costExt struct {
	ActualQueryCost    int            `json:"actualQueryCost"`
	RequestedQueryCost int            `json:"requestedQueryCost"`
	ThrottleStatus     throttleStatus `json:"throttleStatus"`
}

type throttleStatus struct {
	CurrentlyAvailable int     `json:"currentlyAvailable"`
	MaximumAvailable   int     `json:"maximumAvailable"`
	Policy             string  `json:"policy"`
	RestoreRate        float64 `json:"restoreRate"`
	Shared             bool    `json:"shared"`
}
