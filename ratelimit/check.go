package ratelimit

import (
	"context"
	"fmt"
	"net/netip"
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
