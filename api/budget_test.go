package api

import (
	"context"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// TestBudgetSettledOnce: an operation is refunded once, however often its
// transport asks its handler for responses (the WebSocket transport asks
// until it answers nil, HTTP once): a refund made twice would give back
// what other requests spent, and a client on a socket would never run out
// of budget.
func TestBudgetSettledOnce(t *testing.T) {
	const ip = "192.0.2.1"
	budgets := &ratelimit.Budgets{Limiter: inmem.NewLimiter(10),
		IP: ratelimit.Rule{Name: "budget_ip", Limit: 1000, Per: 24 * time.Hour}} // refills a unit in 86 s: not during the test
	exec := executor.New(pricedSchema(t))
	exec.Use(&costLimit{Limit: 1000})
	exec.Use(&budget{budgets: budgets})
	ctx := ratelimit.WithClientIP(context.Background(), ip)
	// Spent elsewhere: 500 of the address's 1000.
	if _, err := budgets.Charge(ctx, ratelimit.Payer{IP: ip}, 500); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		// Priced 3, resolves nothing priced: charged 3, refunded 2 (a
		// request costs a unit at least).
		octx := graphql.StartOperationTrace(ctx)
		rc, errs := exec.CreateOperationContext(octx, &graphql.RawParams{Query: `{ __typename a: __typename }`})
		if errs != nil {
			t.Fatal(errs)
		}
		responses, octx := exec.DispatchOperation(octx, rc)
		for responses(octx) != nil { // as the WebSocket transport reads them
		}
	}
	if _, err := budgets.Charge(ctx, ratelimit.Payer{IP: ip}, 498); err == nil {
		t.Fatal("the address holds more than the 497 it had left: an operation was refunded more than it was charged")
	}
	if _, err := budgets.Charge(ctx, ratelimit.Payer{IP: ip}, 497); err != nil {
		t.Fatalf("the 497 left: %v", err)
	}
}

// TestBudgetEveryOperationCosts: an operation that resolves nothing priced
// (only __typename) still costs a unit once refunded: every request counts,
// so none can be sent without end for free.
func TestBudgetEveryOperationCosts(t *testing.T) {
	const ip = "192.0.2.2"
	budgets := &ratelimit.Budgets{Limiter: inmem.NewLimiter(10),
		IP: ratelimit.Rule{Name: "budget_ip", Limit: 1000, Per: 24 * time.Hour}}
	exec := executor.New(pricedSchema(t))
	exec.Use(&costLimit{Limit: 1000})
	exec.Use(&budget{budgets: budgets})
	ctx := ratelimit.WithClientIP(context.Background(), ip)
	if _, err := budgets.Charge(ctx, ratelimit.Payer{IP: ip}, 990); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		octx := graphql.StartOperationTrace(ctx)
		rc, errs := exec.CreateOperationContext(octx, &graphql.RawParams{Query: `{ __typename }`})
		if errs != nil {
			t.Fatal(errs)
		}
		responses, octx := exec.DispatchOperation(octx, rc)
		if r := responses(octx); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
	}
	if _, err := budgets.Charge(ctx, ratelimit.Payer{IP: ip}, 1); err == nil {
		t.Fatal("ten operations of __typename cost nothing: the budget they used is still there")
	}
}
