package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

func TestBudgets(t *testing.T) {
	ctx := context.Background()
	newBudgets := func() *ratelimit.Budgets {
		return &ratelimit.Budgets{Limiter: inmem.NewLimiter(100),
			IP:      ratelimit.Rule{Name: "budget_ip", Limit: 1000, Per: time.Minute},
			Session: ratelimit.Rule{Name: "budget_session", Limit: 300, Per: time.Minute},
			Account: ratelimit.Rule{Name: "budget_account", Limit: 500, Per: time.Minute},
		}
	}
	throttled := func(t *testing.T, err error) *facestat.Error {
		t.Helper()
		var fe *facestat.Error
		if !errors.As(err, &fe) || fe.Code != facestat.Throttled || fe.RetryAfter < time.Second {
			t.Fatalf("%#v, want THROTTLED with a retry time", err)
		}
		return fe
	}
	judge := ratelimit.Payer{IP: "192.0.2.1", Session: "judge-1"}
	t.Run("OKRefundedToActual", func(t *testing.T) {
		b := newBudgets()
		// Charged 100 up front; used 20: 80 come back.
		for range 10 {
			c, err := b.Charge(ctx, judge, 100)
			if err != nil {
				t.Fatal(err)
			}
			c.Settle(ctx, 20)
		}
		// 300 - 10×20 = 100 left in the judge's bucket: 200 is short.
		fe := throttled(t, func() error { _, err := b.Charge(ctx, judge, 200); return err }())
		if fe.RetryAfter != 20*time.Second { // 100 units at 5 per second
			t.Errorf("RetryAfter %v, want 20s", fe.RetryAfter)
		}
		if _, err := b.Charge(ctx, judge, 100); err != nil {
			t.Fatalf("what is left refused: %v", err)
		}
	})
	t.Run("OKRefusalTakesNothing", func(t *testing.T) {
		b := newBudgets()
		if _, err := b.Charge(ctx, judge, 300); err != nil {
			t.Fatal(err)
		}
		// The judge's bucket is empty: refused, and the address's bucket
		// gets back what it was charged for the refused request.
		for range 5 {
			throttled(t, func() error { _, err := b.Charge(ctx, judge, 300); return err }())
		}
		for _, other := range []string{"judge-2", "judge-3"} {
			if _, err := b.Charge(ctx, ratelimit.Payer{IP: judge.IP, Session: other}, 300); err != nil {
				t.Fatalf("another judge on the address, %s: %v", other, err)
			}
		}
		// 1000 - 3×300 = 100 left on the address.
		throttled(t, func() error {
			_, err := b.Charge(ctx, ratelimit.Payer{IP: judge.IP, Session: "judge-4"}, 300)
			return err
		}())
	})
	t.Run("OKBucketsApart", func(t *testing.T) {
		b := newBudgets()
		if _, err := b.Charge(ctx, ratelimit.Payer{IP: "2001:db8::1", Account: "a"}, 500); err != nil {
			t.Fatal(err)
		}
		// The same /64, another account: the address has 500 left.
		if _, err := b.Charge(ctx, ratelimit.Payer{IP: "2001:db8::2", Account: "b"}, 500); err != nil {
			t.Fatal(err)
		}
		throttled(t, func() error { _, err := b.Charge(ctx, ratelimit.Payer{IP: "2001:db8::3"}, 1); return err }())
		if _, err := b.Charge(ctx, ratelimit.Payer{IP: "2001:db8:0:1::1"}, 1000); err != nil {
			t.Fatalf("another /64: %v", err)
		}
	})
	t.Run("OKClamped", func(t *testing.T) {
		b := newBudgets()
		// Dearer than the judge's whole bucket: it takes the whole bucket.
		c, err := b.Charge(ctx, judge, 400)
		if err != nil {
			t.Fatal(err)
		}
		c.Settle(ctx, 400)
		throttled(t, func() error { _, err := b.Charge(ctx, judge, 1); return err }())
	})
	t.Run("OKDisabledOrNil", func(t *testing.T) {
		var nilBudgets *ratelimit.Budgets
		c, err := nilBudgets.Charge(ctx, judge, 1e9)
		if err != nil || c != nil {
			t.Fatalf("nil Budgets: %v, %v", c, err)
		}
		c.Settle(ctx, 0)
		b := &ratelimit.Budgets{Limiter: inmem.NewLimiter(1)}
		for range 100 {
			if _, err := b.Charge(ctx, judge, 1e9); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("ErrLimiterFails", func(t *testing.T) {
		b := &ratelimit.Budgets{Limiter: &fakeLimiter{err: errors.New("down")}, IP: newBudgets().IP}
		var fe *facestat.Error
		if _, err := b.Charge(ctx, judge, 1); !errors.As(err, &fe) || fe.Code != facestat.Unavailable {
			t.Fatalf("a failing limiter: %#v, want UNAVAILABLE", err)
		}
	})
}
