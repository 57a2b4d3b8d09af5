package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/clientaddr"
)

// Check counts one event of rule for key and returns RATE_LIMITED (with the
// retry time) when it is refused. A failing limiter refuses the event with
// UNAVAILABLE: a limit never fails open. (Fallback keeps limits counted on
// this instance while Redis fails, so that this is rare.)
func Check(ctx context.Context, l Limiter, rule Rule, key string) error {
	if l == nil || rule.Disabled() {
		return nil
	}
	return decided(l.Allow(ctx, rule, key))
}

// decided is Check's answer to a limiter's decision.
func decided(d Decision, err error) error {
	if err != nil {
		return unavailable(err)
	}
	if d.Allowed {
		return nil
	}
	retry := retryTime(d.RetryAfter)
	return &facestat.Error{Code: facestat.RateLimited, RetryAfter: retry,
		Message: fmt.Sprintf("too many requests; try again in %d s", int(retry.Seconds()))}
}

// retryTime is d rounded up to whole seconds, at least one: a client that
// waits the advertised time is let in, and never told "retry in 0 s".
func retryTime(d time.Duration) time.Duration {
	return max((d + time.Second - 1).Truncate(time.Second), time.Second)
}

// unavailable is the refusal of an event no limiter could count.
func unavailable(err error) *facestat.Error {
	return &facestat.Error{Code: facestat.Unavailable, RetryAfter: time.Second,
		Message: "the rate limiter does not answer; try again in 1 s", Err: err}
}

// CheckClientIP is Check keyed by the client address of ctx, grouped as
// clientaddr.Group groups addresses.
func CheckClientIP(ctx context.Context, l Limiter, rule Rule) error {
	return Check(ctx, l, rule, clientaddr.Group(clientaddr.From(ctx)))
}
