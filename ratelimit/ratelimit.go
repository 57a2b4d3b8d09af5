// Package ratelimit defines the rate-limiting contract shared by its
// implementations (an in-process one in package inmem, a shared one on
// Redis in package redis, and Fallback, which counts on the shared one and
// on the in-process one while it fails), the rate limits by action
// (Policy), and the cost budgets of GraphQL requests (Budgets).
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrInvalidRule is returned (wrapped; test with errors.Is) by
// Limiter.Allow for a rule that Rule.Validate rejects.
var ErrInvalidRule = errors.New("ratelimit: invalid rule")

// ErrInvalidN is returned (wrapped) by Limiter.AllowN for an n outside
// 1..rule.Limit: fewer than one token is no event, and more than the burst
// could never be allowed.
var ErrInvalidN = errors.New("ratelimit: n out of 1..rule.Limit")

// ValidN returns nil if n tokens can be taken under r at once (1 <= n <=
// r.Limit, or r disabled), and an error wrapping ErrInvalidN otherwise.
func ValidN(r Rule, n int) error {
	if r.Disabled() || n >= 1 && n <= r.Limit {
		return nil
	}
	return fmt.Errorf("%w: %d tokens of %q (limit %d)", ErrInvalidN, n, r.Name, r.Limit)
}

// Rule is a token bucket: Limit events per Per, with a burst of Limit.
//
// A full bucket allows Limit events at once; it then refills continuously at
// Limit/Per events per unit of time, up to Limit again. Name identifies the
// rule: buckets are kept per (Name, key), so two rules must not share a
// Name, and a Rule's Limit and Per should not change while its buckets live
// (implementations apply the new values to existing buckets from then on).
type Rule struct {
	// Name identifies the rule, e.g. "login" or "upload".
	Name string
	// Limit is the number of events allowed per Per, and the burst size.
	// Limit <= 0 disables the rule (see Disabled).
	Limit int
	// Per is the period Limit events are spread over; it must be positive
	// unless the rule is disabled.
	Per time.Duration
}

// Disabled reports rule.Limit <= 0 (a disabled rule always allows).
func (r Rule) Disabled() bool { return r.Limit <= 0 }

// Validate returns nil if r is disabled or has a positive Per, and an error
// wrapping ErrInvalidRule otherwise.
func (r Rule) Validate() error {
	if r.Disabled() || r.Per > 0 {
		return nil
	}
	return fmt.Errorf("%w: %q: %d per %v", ErrInvalidRule, r.Name, r.Limit, r.Per)
}

// Decision is the outcome of Limiter.Allow and Limiter.AllowN.
type Decision struct {
	// Allowed reports whether the event may proceed; if so it was counted.
	Allowed bool
	// RetryAfter is 0 when Allowed, and > 0 when refused: how long from now
	// until the bucket holds what was asked for again (if nothing else is
	// counted against it meanwhile).
	RetryAfter time.Duration
	// Remaining is how many whole tokens the bucket holds after this
	// decision (after the event when allowed), for clients to see.
	Remaining int
	// Local is true when the bucket is this instance's own (the
	// in-process limiter, also while a shared one fails), false when all
	// instances share it.
	Local bool
}

// Limiter decides whether events are allowed under rules.
//
// Implementations are safe for concurrent use by multiple goroutines.
type Limiter interface {
	// Allow counts one event against the bucket of (rule.Name, key) and
	// reports whether it is allowed. A refused event is not counted. A
	// disabled rule always allows, without touching any bucket. Allow
	// returns an error (and a zero Decision, which refuses) if rule is
	// invalid (see Rule.Validate), if ctx is done, or if the backend fails;
	// callers choose whether to fail open or closed.
	Allow(ctx context.Context, rule Rule, key string) (Decision, error)
	// AllowN is Allow for n tokens at once (a request's cost): all n are
	// taken, or none. n must be in 1..rule.Limit (see ValidN); otherwise
	// AllowN returns an error wrapping ErrInvalidN.
	AllowN(ctx context.Context, rule Rule, key string, n int) (Decision, error)
	// Refund gives n tokens taken by AllowN back to the bucket of
	// (rule.Name, key), never filling it beyond its burst: a request
	// charged its price up front returns what it did not use. n <= 0 and a
	// disabled rule refund nothing. Errors are those of Allow.
	Refund(ctx context.Context, rule Rule, key string, n int) error
}
