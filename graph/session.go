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
// or the IPv6 /64 (see ratelimit.IPKey).
func (r *Resolver) limitByIP(ctx context.Context, rule ratelimit.Rule) error {
	return ratelimit.CheckClientIP(ctx, r.Limiter, rule)
}

// limitVote applies the vote limits to judge v before anything of its vote
// is looked at (a viewer-less call is refused UNAUTHENTICATED by judging).
// Per judge first: a judge refused for its own pace does not use up the
// budget of everyone sharing its address (a school, an office). A vote the
// judge's own budget allows but its address refuses has spent one of the
// judge's (Limiter has no refund); that happens only when the whole address
// is over its far larger budget.
func (r *Resolver) limitVote(ctx context.Context, v *identity.Viewer) error {
	if v == nil {
		return nil
	}
	if err := ratelimit.Check(ctx, r.Limiter, r.Limits.RateVote, v.ID.String()); err != nil {
		return err
	}
	return r.limitByIP(ctx, r.Limits.RateVoteIP)
}
