package graph

import (
	"context"
	"time"

	"github.com/facestat/facestat/identity"
)

// sessionResult is what every sign-in style payload carries.
type sessionResult struct {
	token, refresh string
	expires        time.Time
	viewer         *identity.Viewer
	device         *string // the device token, when the session came with one and is not a cookie session
}

// issue hands a session to the client. When the client asked for a cookie
// session, the tokens (and the device token, if any) go only into HttpOnly
// cookies and the payload's token fields are empty, so no page script ever
// holds them.
func issue(ctx context.Context, s *identity.Session, cookie *bool) sessionResult {
	if cookie != nil && *cookie {
		jar := identity.CookiesFromContext(ctx)
		jar.SetSession(s.Token, s.ExpiresAt, s.RefreshToken, s.RefreshExpiresAt)
		if s.DeviceToken != "" {
			jar.SetDevice(s.DeviceToken, s.DeviceExpiresAt)
		}
		return sessionResult{expires: s.ExpiresAt, viewer: s.Viewer}
	}
	out := sessionResult{token: s.Token, refresh: s.RefreshToken, expires: s.ExpiresAt, viewer: s.Viewer}
	if s.DeviceToken != "" {
		out.device = &s.DeviceToken
	}
	return out
}

// deviceToken is the device token a sign-in presents: the argument when
// given, else the device cookie.
func deviceToken(ctx context.Context, arg *string) string {
	if arg != nil {
		return *arg
	}
	return identity.CookiesFromContext(ctx).DeviceToken()
}
