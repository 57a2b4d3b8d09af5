// Package identity knows who is calling: accounts with argon2id passwords
// and hashed, expiring session tokens, and anonymous judges with signed
// tokens that cost nothing until their first vote. The Viewer travels in the
// request context under a private key.
package identity

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Role is an account's role.
type Role string

// Roles, from least to most powerful.
const (
	RoleUser      Role = "user"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// Viewer is the identity behind a request.
type Viewer struct {
	// ID is the judge's id: the account's user id, or the anonymous judge's
	// id from its token (the user row of that id exists once it has voted).
	ID        uuid.UUID
	Anonymous bool
	Role      Role      // RoleUser for anonymous judges
	SessionID int       // the account session; 0 for anonymous judges
	ExpiresAt time.Time // when the credential that proved this identity expires
	// Key is the API key the request came with (header X-Api-Key), or
	// nil. Alone (ViaKey) it is the viewer: its owner, within its scopes.
	// With a session token it only names the application (its budget).
	Key *KeyGrant `json:"-"`

	tokenHash string // the session token's hash, to forget it on sign-out
}

// Scope is what an API key may do (authz.MutationRule says which
// mutations need which).
type Scope string

// Scopes of API keys.
const (
	ScopeRead  Scope = "read"  // public data, the owner's photos and stats
	ScopeWrite Scope = "write" // and votes, skips, uploads, visibility, reports
)

// KeyGrant is the API key that authenticated a request.
type KeyGrant struct {
	ID     int
	Owner  uuid.UUID
	Scopes []Scope
}

// Has reports whether the key has scope sc.
func (k *KeyGrant) Has(sc Scope) bool {
	for _, s := range k.Scopes {
		if s == sc {
			return true
		}
	}
	return false
}

// ViaKey reports whether the viewer was proved by an API key alone (no
// session token): it then acts as the key's owner within the key's
// scopes, and never manages the account.
func (v *Viewer) ViaKey() bool { return v != nil && v.Key != nil && v.SessionID == 0 && !v.Anonymous }

// IsModerator reports whether the viewer may moderate (moderators and admins).
func (v *Viewer) IsModerator() bool {
	return v != nil && !v.Anonymous && (v.Role == RoleModerator || v.Role == RoleAdmin)
}

// IsAccount reports whether the viewer is signed in to an account.
func (v *Viewer) IsAccount() bool { return v != nil && !v.Anonymous }

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of ctx, or nil when the request has none.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// Cookies keeps a browser's session in HttpOnly cookies, out of reach of
// page scripts. The HTTP layer puts one in the context; resolvers use it
// when a client asks for a cookie session.
type Cookies interface {
	// SetSession sets the session cookie (and, when refresh is not empty,
	// the refresh cookie) on the response.
	SetSession(token string, expires time.Time, refresh string, refreshExpires time.Time)
	// ClearSession expires every session cookie.
	ClearSession()
	// RefreshToken returns the refresh cookie the request carried, or "".
	RefreshToken() string
	// SetDevice sets the device cookie (see Session.DeviceToken), which
	// signing out leaves in place.
	SetDevice(token string, expires time.Time)
	// DeviceToken returns the device cookie the request carried, or ""
	// (also for one too long to be a device token).
	DeviceToken() string
}

type cookiesKey struct{}

// WithCookies returns ctx carrying c.
func WithCookies(ctx context.Context, c Cookies) context.Context {
	return context.WithValue(ctx, cookiesKey{}, c)
}

// CookiesFromContext returns the request's cookie setter, or one that does
// nothing when the request came by a transport without cookies.
func CookiesFromContext(ctx context.Context) Cookies {
	if c, ok := ctx.Value(cookiesKey{}).(Cookies); ok {
		return c
	}
	return noCookies{}
}

type noCookies struct{}

func (noCookies) SetSession(string, time.Time, string, time.Time) {}
func (noCookies) ClearSession()                                   {}
func (noCookies) RefreshToken() string                            { return "" }
func (noCookies) SetDevice(string, time.Time)                     {}
func (noCookies) DeviceToken() string                             { return "" }
