package graph

import (
	"context"
	"net/netip"
	"time"

	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/ratelimit"
)

// sessionResult is what every sign-in style payload carries.
type sessionResult struct {
	token, refresh string
	expires        time.Time
	viewer         *identity.Viewer
}

// issue hands a session to the client. When the client asked for a cookie
// session, the tokens go only into HttpOnly cookies and the payload's token
// fields are empty, so no page script ever holds them.
func issue(ctx context.Context, s *identity.Session, cookie *bool) sessionResult {
	if cookie != nil && *cookie {
		identity.CookiesFromContext(ctx).SetSession(s.Token, s.ExpiresAt, s.RefreshToken, s.RefreshExpiresAt)
		return sessionResult{expires: s.ExpiresAt, viewer: s.Viewer}
	}
	return sessionResult{token: s.Token, refresh: s.RefreshToken, expires: s.ExpiresAt, viewer: s.Viewer}
}

// limitByIP applies rule to the client's address: the whole IPv4 address,
// or the IPv6 /64 (one host usually holds a whole /64).
func (r *Resolver) limitByIP(ctx context.Context, rule ratelimit.Rule) error {
	key := ratelimit.ClientIP(ctx)
	if a, err := netip.ParseAddr(key); err == nil {
		if a = a.Unmap(); a.Is6() {
			key = netip.PrefixFrom(a, 64).Masked().String()
		} else {
			key = a.String()
		}
	}
	return ratelimit.Check(ctx, r.Limiter, rule, key)
}
