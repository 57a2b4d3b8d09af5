package api

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/ratelimit"
)

// budget is the GraphQL extension that charges each operation to the cost
// budgets of who sent it (ratelimit.Budgets: the client address, the
// anonymous judge or the account, and later the API key).
//
// The operation is charged its requested cost, the price the cost model
// gave its document (extension.GetComplexityStats), before anything runs,
// and refused with THROTTLED (429, Retry-After) when a budget is short.
// Once it has run it is refunded down to its actual cost: the price of
// the fields it actually resolved, each field of each list item once,
// every field priced as the cost model prices it alone (its complexity
// function with no children: a page costs its own price, its items
// their fields). A page of three photos asked for with first: 100 is
// charged for a hundred and refunded the ninety-seven it did not fill; a
// branch a resolver cut short (null, an error) is refunded too. Actual
// cost never exceeds the requested one. A subscription is charged at
// subscribe time and not refunded: its events are the hub's work, bounded
// by the live-update rate, not the client's.
//
// Clients see their budget (issue 15): every charged response carries
// extensions.cost { requestedQueryCost actualQueryCost throttleStatus {
// maximumAvailable currentlyAvailable restoreRate policy shared } } for
// the tightest bucket that applied (the one refusing, when THROTTLED),
// and an HTTP response the RateLimit-Policy and RateLimit headers
// (apikeys.go).
type budget struct {
	budgets *ratelimit.Budgets
	es      graphql.ExecutableSchema // set by Validate
	// prices memoizes the price of fields without arguments, by
	// fieldName{object, field}: it depends on nothing else, and every
	// field of every response is priced.
	prices sync.Map
}

type fieldName struct{ object, field string }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.FieldInterceptor
} = (*budget)(nil)

func (*budget) ExtensionName() string { return "Budget" }

// Validate keeps the schema, whose complexity functions price each field
// actually resolved.
func (b *budget) Validate(es graphql.ExecutableSchema) error {
	b.es = es
	return nil
}

// meter adds up the actual cost of one operation as its fields resolve
// (concurrently).
type meter struct{ cost atomic.Int64 }

type meterKey struct{}

func (b *budget) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return next(ctx)
	}
	price := 1
	if s := extension.GetComplexityStats(ctx); s != nil {
		price = s.Complexity
	}
	charge, err := b.budgets.Charge(ctx, payer(ctx), price)
	if err != nil {
		resp := &graphql.Response{Errors: gqlerror.List{presentError(ctx, err)}}
		if st, ok := charge.Status(0); ok {
			resp.Extensions = map[string]any{"cost": costExtension(price, 0, st)}
			setRateLimitHeaders(ctx, st)
		}
		return graphql.OneShot(resp)
	}
	if oc.Operation.Operation == ast.Subscription {
		if st, ok := charge.Status(price); ok {
			setRateLimitHeaders(ctx, st)
		}
		return next(ctx)
	}
	m := &meter{}
	h := next(context.WithValue(ctx, meterKey{}, m))
	settled := false
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		// Once, after the response: a transport may ask for more (the
		// WebSocket transport asks until it gets nil), and a second refund
		// would give back what other requests spent. (The handler is
		// called from one goroutine at a time.)
		if !settled {
			settled = true
			// At least a unit: every request counts, even one that
			// resolved nothing priced (only __typename).
			actual := max(int(m.cost.Load()), 1)
			charge.Settle(context.WithoutCancel(ctx), actual)
			if st, ok := charge.Status(actual); ok && resp != nil {
				if resp.Extensions == nil {
					resp.Extensions = map[string]any{}
				}
				resp.Extensions["cost"] = costExtension(price, actual, st)
				setRateLimitHeaders(ctx, st)
			}
		}
		return resp
	}
}

// InterceptField adds the field's own price to its operation's meter.
func (b *budget) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	b.meter(ctx)
	return next(ctx)
}

// meter adds the price of ctx's field to its operation's meter.
func (b *budget) meter(ctx context.Context) {
	if m, ok := ctx.Value(meterKey{}).(*meter); ok {
		m.cost.Add(int64(b.price(ctx, graphql.GetFieldContext(ctx))))
	}
}

// price is what the cost model charges for fc's field alone, without its
// children: its complexity function with a child cost of 0, or 1.
func (b *budget) price(ctx context.Context, fc *graphql.FieldContext) int {
	if len(fc.Field.Arguments) == 0 {
		name := fieldName{fc.Object, fc.Field.Name}
		if p, ok := b.prices.Load(name); ok {
			return p.(int)
		}
		p := b.priceWith(ctx, fc, func() map[string]any { return nil })
		b.prices.Store(name, p)
		return p
	}
	return b.priceWith(ctx, fc, func() map[string]any { return fc.Field.ArgumentMap(graphql.GetOperationContext(ctx).Variables) })
}

func (b *budget) priceWith(ctx context.Context, fc *graphql.FieldContext, args func() map[string]any) int {
	if p, ok := complexity(ctx, b.es, fc.Object, fc.Field.Name, 0, args); ok && p >= 1 {
		return p
	}
	return 1
}

// payer is who the operation of ctx is charged to: its client address and
// its judge (anonymous) or account. A request with a valid API key is
// charged to the key instead of the address (a third-party server acts
// for many users from one address): a key alone to the key only, a key
// with a session token to the key and the token's judge or account.
func payer(ctx context.Context) ratelimit.Payer {
	p := ratelimit.Payer{IP: clientaddr.From(ctx)}
	v := identity.FromContext(ctx)
	if v != nil && v.Key != nil {
		p = ratelimit.Payer{APIKey: strconv.Itoa(v.Key.ID)}
		if v.ViaKey() {
			return p
		}
	}
	switch {
	case v == nil:
	case v.Anonymous:
		p.Session = v.ID.String()
	default:
		p.Account = v.ID.String()
	}
	return p
}
