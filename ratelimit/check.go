package ratelimit

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/facestat/facestat"
)

// Check counts one event of rule for key and returns RATE_LIMITED (with the
// retry time) when it is refused. A failing limiter refuses the event with
// UNAVAILABLE: a limit never fails open. (Fallback keeps limits counted on
// this instance while Redis fails, so that this is rare.)
func Check(ctx context.Context, l Limiter, rule Rule, key string) error {
	if l == nil || rule.Disabled() {
		return nil
	}
	d, err := l.Allow(ctx, rule, key)
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

// CheckClientIP is Check keyed by the client address of ctx (see IPKey).
func CheckClientIP(ctx context.Context, l Limiter, rule Rule) error {
	return Check(ctx, l, rule, IPKey(ClientIP(ctx)))
}

// IPKey is the key a per-address rule counts ip under: the whole IPv4
// address, or the IPv6 /64 (one host usually holds a whole /64, so counting
// single IPv6 addresses would give it billions of budgets). An IPv4-mapped
// IPv6 address counts as its IPv4 address; anything that is not an address
// is its own key.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

type clientIPKey struct{}

// WithClientIP returns ctx carrying the client's IP address, as the HTTP
// layer determined it (X-Forwarded-For only behind trusted proxies).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP returns the client IP of ctx, or "" when unknown.
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
