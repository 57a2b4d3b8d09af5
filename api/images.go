package api

import (
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/photos"
)

// serveImage serves a photo's image or thumbnail at /images/<key>.
//
// A key under the private prefix (a private or hidden photo's) is served
// only with a valid signature, ?exp=<unix>&sig=<base64url> and nothing
// else (photos.CheckSignature, constant time), until exp, with
// "Cache-Control: private, max-age=<seconds left>". Without one, or with a
// bad or expired one, it answers 404 like a key that never existed, to
// its owner too (the owner gets signed URLs from the API). A valid
// signature needs no database: the photo's row was checked when the URL
// was handed out, and a photo deleted or moved since has no blob left at
// the key, so the store's 404 answers.
//
// A public key is served when its photo's image may be fetched
// (photos.CanFetchImage: authz's one rule, the row through the cache),
// with "Cache-Control: public, max-age=<public-image-max-age>"; 404
// otherwise, for a deleted photo's or a key its photo moved away from.
// With images in S3 no instance serves public images: /images/<key>
// answers 301 to the image base URL (the bucket or a CDN), which keeps
// old links working; signed URLs are the store's own (presigned), and
// FaceStat's only when the store cannot presign (then it serves them from
// the store as on local disk).
func (s *Server) serveImage(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !blob.ValidKey(key) {
		imageNotFound(w, r)
		return
	}
	if photos.IsPrivateKey(key) {
		q := r.URL.Query()
		if len(q) != 2 || len(q["exp"]) != 1 || len(q["sig"]) != 1 {
			imageNotFound(w, r)
			return
		}
		left, ok := s.photos.CheckSignature(key, q.Get("exp"), q.Get("sig"))
		if !ok {
			imageNotFound(w, r)
			return
		}
		s.sendBlob(w, r, key, "private, max-age="+strconv.Itoa(int(left/time.Second)))
		return
	}
	ok, personal, err := s.photos.CanFetchImage(r.Context(), key, func() *identity.Viewer { return s.cookieViewer(r) })
	if err != nil {
		logger(r.Context()).ErrorContext(r.Context(), "checking an image's photo", "key", key, "err", err)
		http.Error(w, "image unavailable", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		imageNotFound(w, r)
		return
	}
	cacheControl := "public, max-age=" + strconv.Itoa(int(s.cfg.PublicImageMaxAge/time.Second))
	if personal {
		// An answer that depended on who asked is theirs alone. (Only a
		// photo whose images have not moved to its class's keys yet.)
		cacheControl = "private, no-store"
		w.Header().Set("Vary", "Cookie")
	}
	if s.cfg.S3() {
		w.Header().Set("Cache-Control", cacheControl)
		http.Redirect(w, r, s.cfg.ImageBaseURL+"/"+key, http.StatusMovedPermanently)
		return
	}
	s.sendBlob(w, r, key, cacheControl)
}

// sendBlob answers with the blob at key (404 when there is none).
func (s *Server) sendBlob(w http.ResponseWriter, r *http.Request, key, cacheControl string) {
	f, info, err := s.blobs.Open(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) {
		imageNotFound(w, r)
		return
	}
	if err != nil {
		logger(r.Context()).ErrorContext(r.Context(), "opening blob", "key", key, "err", err)
		http.Error(w, "image unavailable", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", `"`+path.Base(strings.TrimSuffix(key, path.Ext(key)))+`"`)
	http.ServeContent(w, r, "", info.ModTime, f)
}

// imageNotFound is the one answer for every image that is not served.
func imageNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	http.NotFound(w, r)
}

// noStore marks every GraphQL response "Cache-Control: private, no-store":
// answers are the viewer's, and any may carry a private image's signed URL
// (Photo.imageUrl), which no shared cache may keep. GET queries included.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-store")
		next.ServeHTTP(w, r)
	})
}
