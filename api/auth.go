package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
)

// The browser app's session: an HttpOnly cookie holding the token, and a
// readable CSRF cookie the app echoes in the X-CSRF-Token header on every
// request that changes something (double-submit).
const (
	sessionCookie = "fs_session"
	refreshCookie = "fs_refresh" // sent only to /graphql
	csrfCookie    = "fs_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// deviceCookie holds the device token (see identity.Session.DeviceToken):
// HttpOnly, sent only to /graphql and only from the app's own site, and
// kept across sign-outs, so that the browser's later sign-ins are judged on
// its own budget.
const deviceCookie = "fs_device"

// authenticate puts the caller's identity in the request context. A bearer
// token that is malformed, unknown or expired is refused with 401
// UNAUTHENTICATED. A bad session cookie is cleared and the request goes on
// without identity. A cookie-authenticated request that is not GET/HEAD
// must carry the CSRF token, or it is refused with 403 FORBIDDEN.
//
// An X-Api-Key header (apikeys.go) that is malformed, unknown or revoked
// is refused with 401 UNAUTHENTICATED too. A valid one alone makes its
// owner the viewer, within its scopes; with a bearer token it names the
// application of the token's viewer. Either way the session cookie is not
// read: a key-authenticated request is never a cookie request (no CSRF).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), originKey{}, r.Header.Get("Origin"))
		jar := &cookieJar{w: w, r: r, secure: s.cfg.SecureCookies()}
		ctx = identity.WithCookies(ctx, jar)
		ctx = identity.WithUserAgent(ctx, r.UserAgent()) // kept with a session signing in starts
		ctx = withCostSink(ctx, w, r)
		key, err := s.keyFromRequest(ctx, r)
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		if s.hasOperatorToken(r) {
			// The operator token is no session: it makes the request an
			// operator's (isOperator), with no viewer but a key's.
			if key != nil {
				ctx = identity.NewContext(ctx, identity.ViewerOfKey(key))
			}
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				writeError(w, &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonTokenInvalid,
					Message: `the Authorization header must be "Bearer <token>"`})
				return
			}
			v, err := s.identity.Authenticate(ctx, strings.TrimSpace(token))
			if err != nil {
				s.refuse(w, r, err)
				return
			}
			v.Key = key // the application's key, or nil
			next.ServeHTTP(w, r.WithContext(identity.NewContext(ctx, v)))
			return
		}
		if key != nil {
			next.ServeHTTP(w, r.WithContext(identity.NewContext(ctx, identity.ViewerOfKey(key))))
			return
		}
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		v, err := s.identity.Authenticate(ctx, c.Value)
		ctx = context.WithValue(ctx, viaCookieKey{}, true)
		if err != nil {
			if facestat.ErrorCode(err) != facestat.Unauthenticated {
				s.refuse(w, r, err)
				return
			}
			jar.ClearSession()
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !validCSRF(r) {
			writeError(w, &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonCSRF,
				Message: "the " + csrfHeader + " header must repeat the " + csrfCookie + " cookie"})
			return
		}
		next.ServeHTTP(w, r.WithContext(identity.NewContext(ctx, v)))
	})
}

type (
	viaCookieKey struct{}
	originKey    struct{}
)

// viaCookie reports whether the request's identity came from the session
// cookie (which a browser sends from any site).
func viaCookie(ctx context.Context) bool { b, _ := ctx.Value(viaCookieKey{}).(bool); return b }

// originOf returns the request's Origin header.
func originOf(ctx context.Context) string { o, _ := ctx.Value(originKey{}).(string); return o }

// refuse writes err: domain errors (wrapped ones included, such as the
// database's DATABASE_DOWN) as themselves, anything else logged and shown
// as UNAVAILABLE.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if fe := domainError(err); fe != nil {
		writeError(w, fe)
		return
	}
	logger(r.Context()).ErrorContext(r.Context(), "request failed", "err", err)
	writeError(w, &facestat.Error{Code: facestat.Unavailable, Message: "the service is busy; try again shortly", RetryAfter: 2 * time.Second})
}

func validCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	h := r.Header.Get(csrfHeader)
	return err == nil && len(c.Value) >= 16 && subtle.ConstantTimeCompare([]byte(c.Value), []byte(h)) == 1
}

// cookieJar sets the session cookies on one response.
type cookieJar struct {
	w      http.ResponseWriter
	r      *http.Request
	secure bool
}

// SetSession implements identity.Cookies.
func (j *cookieJar) SetSession(token string, expires time.Time, refresh string, refreshExpires time.Time) {
	b := make([]byte, 24)
	rand.Read(b)
	http.SetCookie(j.w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteLaxMode})
	if refresh != "" {
		http.SetCookie(j.w, &http.Cookie{Name: refreshCookie, Value: refresh, Path: "/graphql", Expires: refreshExpires,
			HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteStrictMode})
	}
	// The CSRF cookie outlives the session so that a refresh can still
	// carry it.
	csrfExpires := expires
	if refreshExpires.After(expires) {
		csrfExpires = refreshExpires
	}
	http.SetCookie(j.w, &http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		Expires: csrfExpires, Secure: j.secure, SameSite: http.SameSiteStrictMode})
}

// ClearSession implements identity.Cookies.
func (j *cookieJar) ClearSession() {
	for _, c := range []struct{ name, path string }{{sessionCookie, "/"}, {refreshCookie, "/graphql"}, {csrfCookie, "/"}} {
		http.SetCookie(j.w, &http.Cookie{Name: c.name, Value: "", Path: c.path, MaxAge: -1,
			HttpOnly: c.name != csrfCookie, Secure: j.secure, SameSite: http.SameSiteLaxMode})
	}
}

// SetDevice implements identity.Cookies.
func (j *cookieJar) SetDevice(token string, expires time.Time) {
	http.SetCookie(j.w, &http.Cookie{Name: deviceCookie, Value: token, Path: "/graphql", Expires: expires,
		MaxAge: int(time.Until(expires).Seconds()), HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteStrictMode})
}

// DeviceToken implements identity.Cookies. A cookie too long to be a
// device token counts as none.
func (j *cookieJar) DeviceToken() string {
	if c, err := j.r.Cookie(deviceCookie); err == nil && len(c.Value) <= maxDeviceCookie {
		return c.Value
	}
	return ""
}

// maxDeviceCookie is the longest device cookie read; identity refuses
// longer device tokens.
const maxDeviceCookie = 256

// RefreshToken implements identity.Cookies.
func (j *cookieJar) RefreshToken() string {
	if c, err := j.r.Cookie(refreshCookie); err == nil {
		return c.Value
	}
	return ""
}
