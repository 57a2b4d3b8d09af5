package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"

	"github.com/facestat/facestat/clientaddr"
)

// operatorsOnly serves next (/metrics, /status) to operators only
// (isOperator) and answers everyone else 403, with no hint of what the
// page holds. Operators' answers are not stored by shared caches.
func (s *Server) operatorsOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !s.isOperator(r) {
			http.Error(w, "operators only (see operator-cidrs and operator-token)", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isOperator reports whether r comes from an operator: it carries the
// operator token (Authorization: Bearer), or its client address is in
// operator-cidrs. The address counts only when it is the client's own: a
// request forwarded by a peer that is not a trusted proxy (X-Forwarded-For
// from anyone else, or Forwarded or X-Real-IP, which clientaddr does not
// read) may come from anyone behind a local reverse proxy, so it needs
// the token; so does one a trusted proxy forwarded without naming a client
// outside the trusted proxies (a junk last hop), whose client address is
// then the proxy's own.
func (s *Server) isOperator(r *http.Request) bool {
	if s.hasOperatorToken(r) {
		return true
	}
	if forwarded(r, "Forwarded") || forwarded(r, "X-Real-Ip") {
		return false
	}
	if forwarded(r, "X-Forwarded-For") && !s.clients.PeerTrusted(r) {
		return false
	}
	ip, err := netip.ParseAddr(clientaddr.From(r.Context()))
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	if forwarded(r, "X-Forwarded-For") && s.clients.IsTrusted(ip) {
		return false
	}
	for _, p := range s.cfg.OperatorCIDRs {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// hasOperatorToken reports whether r carries the operator token as a
// bearer token. The token is compared by its SHA-256 (all the config
// keeps), in constant time.
func (s *Server) hasOperatorToken(r *http.Request) bool {
	want := s.cfg.OperatorTokenHash
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if want == nil || !ok {
		return false
	}
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// forwarded reports whether r carries the forwarding header key at all:
// any line, even an empty one (Header.Get reads only the first line, and a
// proxy such as HAProxy adds its own line after an empty one the client
// sent).
func forwarded(r *http.Request, key string) bool { return len(r.Header.Values(key)) > 0 }
