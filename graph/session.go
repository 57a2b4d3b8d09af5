package graph

import (
	"context"
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

// issue hands a session to the client, also as the HttpOnly cookie when
// the client asked for one.
func issue(ctx context.Context, s *identity.Session, cookie *bool) sessionResult {
	if cookie != nil && *cookie {
		identity.CookiesFromContext(ctx).SetSession(s.Token, s.ExpiresAt)
	}
	return sessionResult{token: s.Token, refresh: s.RefreshToken, expires: s.ExpiresAt, viewer: s.Viewer}
}

// limitByIP applies rule to the client's IP address.
func (r *Resolver) limitByIP(ctx context.Context, rule ratelimit.Rule) error {
	return ratelimit.Check(ctx, r.Limiter, rule, ratelimit.ClientIP(ctx))
}
