package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/facestat/facestat"
)

// Check counts one event of rule for key and returns RATE_LIMITED (with the
// retry time) when it is refused. A failing limiter lets the event through:
// a broken limiter must not take the service down with it.
func Check(ctx context.Context, l Limiter, rule Rule, key string) error {
	if l == nil || rule.Disabled() {
		return nil
	}
	d, err := l.Allow(ctx, rule, key)
	if err != nil || d.Allowed {
		return nil
	}
	// Round up: a client that waits the advertised time is let in.
	retry := max((d.RetryAfter + time.Second - 1).Truncate(time.Second), time.Second)
	return &facestat.Error{Code: facestat.RateLimited, RetryAfter: retry,
		Message: fmt.Sprintf("too many requests; try again in %d s", int(retry.Seconds()))}
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
