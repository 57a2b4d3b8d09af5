package api

import (
	"context"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// budgeted is an executor charging every operation to the budget of the
// address ip: 1000 units, refilled a unit in 86 s (not during a test),
// of which spent are gone already.
type budgeted struct {
	t       *testing.T
	ctx     context.Context
	exec    *executor.Executor
	budgets *ratelimit.Budgets
	payer   ratelimit.Payer
}

func newBudgeted(t *testing.T, ip string, spent int) *budgeted {
	b := &budgeted{t: t, ctx: clientaddr.With(context.Background(), ip), exec: executor.New(pricedSchema(t)),
		budgets: &ratelimit.Budgets{Limiter: inmem.NewLimiter(10),
			IP: ratelimit.Rule{Name: "budget_ip", Limit: 1000, Per: 24 * time.Hour}},
		payer: ratelimit.Payer{IP: ip}}
	b.exec.Use(&costLimit{Limit: 1000})
	b.exec.Use(&budget{budgets: b.budgets})
	if _, err := b.budgets.Charge(b.ctx, b.payer, spent); err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs query, asking its handler for responses until it answers nil,
// as the WebSocket transport does.
func (b *budgeted) run(query string) {
	b.t.Helper()
	ctx := graphql.StartOperationTrace(b.ctx)
	rc, errs := b.exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query})
	if errs != nil {
		b.t.Fatal(errs)
	}
	responses, ctx := b.exec.DispatchOperation(ctx, rc)
	for r := responses(ctx); r != nil; r = responses(ctx) {
		if len(r.Errors) > 0 {
			b.t.Fatal(r.Errors)
		}
	}
}

// left checks that exactly n units are left.
func (b *budgeted) left(n int, why string) {
	b.t.Helper()
	if _, err := b.budgets.Charge(b.ctx, b.payer, n+1); err == nil {
		b.t.Fatalf("more than %d units left: %s", n, why)
	}
	if _, err := b.budgets.Charge(b.ctx, b.payer, n); n > 0 && err != nil {
		b.t.Fatalf("the %d units left: %v", n, err)
	}
}

// TestBudgetSettledOnce: an operation is refunded once, however often its
// transport asks its handler for responses (the WebSocket transport asks
// until it answers nil, HTTP once): a refund made twice would give back
// what other requests spent, and a client on a socket would never run out
// of budget.
func TestBudgetSettledOnce(t *testing.T) {
	b := newBudgeted(t, "192.0.2.1", 500)
	for range 3 {
		// Priced 3, resolves nothing priced: charged 3, refunded 2 (a
		// request costs a unit at least).
		b.run(`{ __typename a: __typename }`)
	}
	b.left(497, "an operation was refunded more than it was charged")
}

// TestBudgetEveryOperationCosts: an operation that resolves nothing priced
// (only __typename) still costs a unit once refunded: every request counts,
// so none can be sent without end for free.
func TestBudgetEveryOperationCosts(t *testing.T) {
	b := newBudgeted(t, "192.0.2.2", 990)
	for range 10 {
		b.run(`{ __typename }`)
	}
	b.left(0, "ten operations of __typename cost nothing")
}

// TestBudgetMeterPricesArgFreeFields: the meter charges a field it
// resolves at its own price; castVote, which has arguments, is charged a
// mutation from argFree without its answers being decoded (answers gqlgen
// could not decode would make its complexity function fail, and the
// meter charge 1).
func TestBudgetMeterPricesArgFreeFields(t *testing.T) {
	es := pricedSchema(t)
	b := &budget{}
	if err := b.Validate(es); err != nil {
		t.Fatal(err)
	}
	field := func(query string, vars map[string]any) (context.Context, *graphql.FieldContext) {
		t.Helper()
		doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, nil)
		if errs != nil {
			t.Fatal(errs)
		}
		op := doc.Operations[0]
		f := op.SelectionSet[0].(*ast.Field)
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Doc: doc, Operation: op, Variables: vars})
		return ctx, &graphql.FieldContext{Object: f.ObjectDefinition.Name, Field: graphql.CollectedField{Field: f}}
	}
	ctx, fc := field(castVoteWidth, undecodableAnswers)
	if got := b.price(ctx, fc); got != priceMutation {
		t.Errorf("the meter charges castVote %d, want a mutation's %d", got, priceMutation)
	}
}
