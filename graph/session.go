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
