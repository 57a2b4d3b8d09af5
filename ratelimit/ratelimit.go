// Package ratelimit defines the rate-limiting contract shared by its
// implementations (an in-process one in package inmem; shared ones may
// follow).
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

// Decision is the outcome of Limiter.Allow.
type Decision struct {
	// Allowed reports whether the event may proceed; if so it was counted.
	Allowed bool
	// RetryAfter is 0 when Allowed, and > 0 when refused: how long from now
	// until the next event would be allowed (if no other event is counted
	// against the same bucket meanwhile).
	RetryAfter time.Duration
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
}
