package api

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/facestat/facestat/config"
)

// contentSecurityPolicy is the Content-Security-Policy of the web app's
// pages: the app (index.html, on every app route), the front page made from
// it, and GraphiQL (graphiql.html). Everything they run, style and load
// comes from this origin; nothing runs inline:
//   - script-src 'self': Vite emits only module scripts from /assets/, and
//     the front page's inlined data is a JSON script element, which no
//     browser executes;
//   - style-src 'self': the app and GraphiQL load their styles from
//     /assets/ (the style attributes React and CodeMirror set go through the
//     CSSOM, which CSP does not restrict). The pages of a build without the
//     app (frontend/placeholder*.html) carry a small <style>, allowed by its
//     hash, not by 'unsafe-inline';
//   - img-src and connect-src add what the pages reach beyond their own
//     origin: images under the image base URL (a CDN or bucket), data: and
//     blob: URLs (the favicon, GraphiQL's icons, an upload's preview, which
//     is the page's own file: reading it back is allowed too, as test
//     drivers do when they hand the page a file), and the WebSocket of
//     /graphql at the public URL (a page reached under another name
//     connects to its own origin, which 'self' covers);
//   - font-src data:: GraphiQL's fonts are inlined in its CSS;
//   - frame-ancestors 'none' (as X-Frame-Options: DENY), no plugins, no
//     <base>, forms post only here.
//
// pages are the HTML files of webapp whose inline <style> elements are
// allowed by hash; a missing one is skipped.
func contentSecurityPolicy(cfg *config.Config, webapp fs.FS, pages ...string) string {
	style := []string{"'self'"}
	if webapp != nil {
		for _, name := range pages {
			if b, err := fs.ReadFile(webapp, name); err == nil {
				style = append(style, styleHashes(b)...)
			}
		}
	}
	img := []string{"'self'", "data:", "blob:"}
	if o := urlOrigin(cfg.ImageBaseURL); o != "" {
		img = append(img, o)
	}
	connect := []string{"'self'", "blob:"}
	if o := urlOrigin(cfg.PublicURL); o != "" {
		connect = append(connect, "ws"+strings.TrimPrefix(o, "http")) // http→ws, https→wss
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src " + strings.Join(style, " "),
		"img-src " + strings.Join(img, " "),
		"font-src 'self' data:",
		"connect-src " + strings.Join(connect, " "),
		"object-src 'none'",
		"base-uri 'self'",
		"frame-ancestors 'none'",
		"form-action 'self'",
	}, "; ")
}

// busyCSP is the busy page's policy (api/busy.html): nothing to load or
// run, its one inline <style> allowed by hash.
var busyCSP = []string{"default-src 'none'; style-src " + strings.Join(styleHashes(busyPage), " ") +
	"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}

// styleHashes are the hash sources ('sha256-...') of page's inline <style>
// elements.
func styleHashes(page []byte) []string {
	var out []string
	for _, m := range inlineStyle.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return out
}

// inlineStyle matches a <style> element's content (the bytes a hash source
// is computed over).
var inlineStyle = regexp.MustCompile(`(?is)<style[^>]*>(.*?)</style>`)

// urlOrigin is the scheme://host[:port] of an absolute http(s) URL, or "".
func urlOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// withCSP serves next with the web app's Content-Security-Policy (set as a
// shared value: no allocation per request). The busy page, which next may
// serve instead, sets its own (busyCSP).
func (s *Server) withCSP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Security-Policy"] = s.csp
		next.ServeHTTP(w, r)
	})
}
