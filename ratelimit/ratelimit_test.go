package ratelimit_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/ratelimit"
)

func TestRule(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, r := range []ratelimit.Rule{
			{Name: "a", Limit: 5, Per: time.Minute},
			{Name: "off", Limit: 0},
			{Name: "neg", Limit: -1, Per: -time.Second},
		} {
			if err := r.Validate(); err != nil {
				t.Errorf("%+v: Validate() = %v", r, err)
			}
		}
		if !(ratelimit.Rule{Limit: 0}).Disabled() || !(ratelimit.Rule{Limit: -3}).Disabled() {
			t.Error("Limit <= 0 not disabled")
		}
		if (ratelimit.Rule{Limit: 1, Per: time.Second}).Disabled() {
			t.Error("Limit 1 disabled")
		}
	})
	t.Run("ErrInvalidRule", func(t *testing.T) {
		for _, r := range []ratelimit.Rule{
			{Name: "zero", Limit: 5},
			{Name: "neg", Limit: 1, Per: -time.Second},
		} {
			if err := r.Validate(); !errors.Is(err, ratelimit.ErrInvalidRule) {
				t.Errorf("%+v: Validate() = %v, want ErrInvalidRule", r, err)
			}
		}
	})
}

// fakeLimiter answers every Allow with its decision and error, and records
// the keys it was asked about.
type fakeLimiter struct {
	d    ratelimit.Decision
	err  error
	keys []string
}

func (f *fakeLimiter) Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error) {
	return f.AllowN(ctx, rule, key, 1)
}

func (f *fakeLimiter) AllowN(_ context.Context, _ ratelimit.Rule, key string, _ int) (ratelimit.Decision, error) {
	f.keys = append(f.keys, key)
	return f.d, f.err
}

func (f *fakeLimiter) Refund(context.Context, ratelimit.Rule, string, int) error { return f.err }

func TestCheck(t *testing.T) {
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "r", Limit: 1, Per: time.Minute}
	t.Run("OKAllowed", func(t *testing.T) {
		if err := ratelimit.Check(ctx, &fakeLimiter{d: ratelimit.Decision{Allowed: true}}, rule, "k"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OKDisabledOrNoLimiter", func(t *testing.T) {
		f := &fakeLimiter{}
		if err := ratelimit.Check(ctx, f, ratelimit.Rule{Name: "off"}, "k"); err != nil || len(f.keys) != 0 {
			t.Fatalf("disabled rule: %v, limiter asked %v", err, f.keys)
		}
		if err := ratelimit.Check(ctx, nil, rule, "k"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrLimiterFails", func(t *testing.T) {
		// Never fail open: a limiter that cannot count refuses.
		err := ratelimit.Check(ctx, &fakeLimiter{err: errors.New("down")}, rule, "k")
		var fe *facestat.Error
		if !errors.As(err, &fe) || fe.Code != facestat.Unavailable || fe.RetryAfter != time.Second {
			t.Fatalf("a failing limiter: %#v, want UNAVAILABLE retrying after 1s", err)
		}
	})
	t.Run("ErrRateLimited", func(t *testing.T) {
		for retry, want := range map[time.Duration]time.Duration{
			time.Millisecond:        time.Second, // never "retry in 0 s"
			time.Second:             time.Second,
			1500 * time.Millisecond: 2 * time.Second, // rounded up
			30 * time.Second:        30 * time.Second,
		} {
			err := ratelimit.Check(ctx, &fakeLimiter{d: ratelimit.Decision{RetryAfter: retry}}, rule, "k")
			var fe *facestat.Error
			if !errors.As(err, &fe) || fe.Code != facestat.RateLimited || fe.RetryAfter != want {
				t.Errorf("refused with RetryAfter %v: %#v, want RATE_LIMITED retrying after %v", retry, err, want)
			}
		}
	})
}

func TestCheckClientIP(t *testing.T) {
	f := &fakeLimiter{d: ratelimit.Decision{Allowed: true}}
	rule := ratelimit.Rule{Name: "r", Limit: 1, Per: time.Minute}
	for _, ip := range []string{"192.0.2.7", "2001:db8::1", ""} {
		if err := ratelimit.CheckClientIP(clientaddr.With(context.Background(), ip), f, rule); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"192.0.2.7", "2001:db8::/64", ""}; !slices.Equal(f.keys, want) {
		t.Fatalf("keys %q, want %q", f.keys, want)
	}
}
