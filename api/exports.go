package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/facestat/facestat/account"
	"github.com/facestat/facestat/identity"
)

// Exports opens data exports for download (account.Service).
type Exports interface {
	Open(ctx context.Context, v *identity.Viewer, id uuid.UUID) (*account.Download, error)
}

// serveExport serves GET /exports/{id}, a data export (exportMyData), to
// the session of the account it belongs to, by bearer token or session
// cookie: 202 with Retry-After while it is built, 200 with the ZIP as an
// attachment once ready, 409 CONFLICT (reason EXPORT_TOO_LARGE or
// EXPORT_FAILED) when its build failed. To anyone else, and without a
// session, and once it has expired: 404, as for an id that never existed,
// so the link tells nothing. Nothing here may be kept by any cache.
func (s *Server) serveExport(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("Vary", "Authorization, Cookie")
	raw := r.PathValue("id")
	id, err := uuid.Parse(raw)
	v := s.requestViewer(r)
	if err != nil || id.String() != raw || v == nil || s.exports == nil {
		writeError(w, account.ErrNoExport)
		return
	}
	d, err := s.exports.Open(r.Context(), v, id)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	switch {
	case d.Building:
		h.Set("Retry-After", "2")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"state":"building"}` + "\n"))
	case d.Failed != nil:
		writeError(w, d.Failed)
	default:
		defer d.File.Close()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", `attachment; filename="facestat-export-`+d.Export.CreatedAt.UTC().Format("2006-01-02")+`.zip"`)
		http.ServeContent(w, r, "", d.Info.ModTime, d.File)
	}
}

// requestViewer returns who the request's bearer token, or else its
// session cookie, proves; nil for neither or an invalid one.
func (s *Server) requestViewer(r *http.Request) *identity.Viewer {
	h := r.Header.Get("Authorization")
	if h == "" {
		return s.cookieViewer(r)
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil
	}
	v, err := s.identity.Authenticate(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return nil
	}
	return v
}
