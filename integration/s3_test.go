package integration_test

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/blob/s3blob/s3test"
	"github.com/facestat/facestat/imageproc/imagetest"
)

// s3Settings point FaceStat at the fake S3 server at endpoint.
func s3Settings(endpoint string, more map[string]string) map[string]string {
	m := map[string]string{
		"FACESTAT_S3_ENDPOINT":   endpoint,
		"FACESTAT_S3_BUCKET":     "facestat-images",
		"FACESTAT_S3_SECURE":     "false",
		"FACESTAT_S3_ACCESS_KEY": "test-access",
		"FACESTAT_S3_SECRET_KEY": "test-secret",
		"FACESTAT_S3_TIMEOUT":    "5s",
	}
	for k, v := range more {
		m[k] = v
	}
	return m
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestS3Images runs the photo life cycle with images in S3 (a fake S3
// server running as a process of its own): the API hands out the bucket's
// URLs, the bucket serves the bytes with the right headers, FaceStat serves
// none itself, and deleting the photo deletes its objects.
func TestS3Images(t *testing.T) {
	srv := s3test.StartServer(t)
	// Both backends share the bucket (created by whichever starts first)
	// under a prefix.
	base := "http://" + srv.Endpoint + "/facestat-images/site"
	settings := s3Settings(srv.Endpoint, map[string]string{"FACESTAT_S3_PREFIX": "site", "FACESTAT_S3_CREATE_BUCKET": "true"})
	backends(t, settings, func(t *testing.T, e *env) {
		owner := e.account(t, "s3owner")
		var up struct{ UploadPhoto struct{ Photo photoData } }
		// Public: its URLs are the bucket's own (a private photo's are
		// presigned: TestS3PrivateImages).
		e.upload(t, owner, "me.jpg", imagetest.JPEGWithMetadata(600, 400, 1, imagetest.TopLeft), true).decode(t, &up)
		p := up.UploadPhoto.Photo

		// The URLs the API gives, after the upload and when asked again.
		var got struct{ Photo photoData }
		e.gql(t, owner, `query($id: ID!) { photo(id: $id) { id imageUrl thumbnailUrl } }`, map[string]any{"id": p.ID}, &got)
		if got.Photo.ImageURL != p.ImageURL || got.Photo.ThumbnailURL != p.ThumbnailURL {
			t.Fatalf("photo(id:) gives %+v, the upload gave %+v", got.Photo, p)
		}
		for _, u := range []string{p.ImageURL, p.ThumbnailURL} {
			if !strings.HasPrefix(u, base+"/") {
				t.Fatalf("image URL %s is not in the bucket (%s)", u, base)
			}
		}
		if p.ImageURL == p.ThumbnailURL {
			t.Fatal("the image and the thumbnail share a URL")
		}

		t.Run("ServedByS3", func(t *testing.T) {
			for name, u := range map[string]string{"image": p.ImageURL, "thumbnail": p.ThumbnailURL} {
				res, body := get(t, u)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: GET %s: %d %s", name, u, res.StatusCode, body)
				}
				if ct := res.Header.Get("Content-Type"); ct != "image/jpeg" {
					t.Errorf("%s: Content-Type %q", name, ct)
				}
				if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=86400" { // public-image-max-age
					t.Errorf("%s: Cache-Control %q", name, cc)
				}
				img, err := jpeg.Decode(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: not a JPEG: %v", name, err)
				}
				b := img.Bounds()
				if name == "image" && (b.Dx() != 600 || b.Dy() != 400) {
					t.Errorf("image is %v, want 600x400", b)
				}
				if name == "thumbnail" && max(b.Dx(), b.Dy()) > e.App.Config.ThumbSide {
					t.Errorf("thumbnail is %v, larger than %d", b, e.App.Config.ThumbSide)
				}
			}
		})
		t.Run("NotServedByFaceStat", func(t *testing.T) {
			// Nothing on local disk, and /images/<key> points at the bucket.
			if s := e.snapshot(t); len(s.Blobs) != 0 {
				t.Errorf("blobs on local disk: %v", s.Blobs)
			}
			key := strings.TrimPrefix(p.ImageURL, base+"/")
			res, err := noRedirects.Get(e.URL + "/images/" + key)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != p.ImageURL {
				t.Fatalf("/images/%s: %d, Location %q; want 301 to %s", key, res.StatusCode, res.Header.Get("Location"), p.ImageURL)
			}
			if bytes.HasPrefix(body, []byte{0xff, 0xd8}) || strings.HasPrefix(res.Header.Get("Content-Type"), "image/") {
				t.Error("FaceStat sent image bytes along with the redirect")
			}
			// Following the redirect lands on the image.
			if res, _ := get(t, e.URL+"/images/"+key); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("following the redirect: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
		})

		var del struct {
			DeletePhoto struct{ DeletedPhotoID string }
		}
		e.gql(t, owner, `mutation($id: ID!) { deletePhoto(input: {photoId: $id}) { deletedPhotoId } }`, map[string]any{"id": p.ID}, &del)
		if del.DeletePhoto.DeletedPhotoID != p.ID {
			t.Fatalf("deleted %q", del.DeletePhoto.DeletedPhotoID)
		}
		for _, u := range []string{p.ImageURL, p.ThumbnailURL} {
			if res, body := get(t, u); res.StatusCode != http.StatusNotFound || !bytes.Contains(body, []byte("NoSuchKey")) {
				t.Errorf("%s after delete: %d %s; want 404 NoSuchKey", u, res.StatusCode, body)
			}
		}
	})
}

// TestS3StartRefused runs `facestat serve` against S3 it cannot use: it
// exits at start-up, saying why, instead of listening.
func TestS3StartRefused(t *testing.T) {
	srv := s3test.StartServer(t)
	gone := s3test.StartServer(t)
	gone.Kill()
	for name, tc := range map[string]struct {
		settings map[string]string
		want     []string
	}{
		"Unreachable":   {s3Settings(gone.Endpoint, nil), []string{"cannot reach", gone.Endpoint}},
		"BucketMissing": {s3Settings(srv.Endpoint, nil), []string{"bucket does not exist", "facestat-images", "FACESTAT_S3_CREATE_BUCKET"}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, facestatBinary(t), "serve")
			cmd.Env = append(os.Environ(), "FACESTAT_ADDR=127.0.0.1:0", "FACESTAT_DATA_DIR="+t.TempDir())
			for k, v := range tc.settings {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			start := time.Now()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || ctx.Err() != nil {
				t.Fatalf("facestat serve: %v after %v, want a non-zero exit\n%s", err, time.Since(start), out)
			}
			if runningRE.Match(out) {
				t.Errorf("facestat listened before failing:\n%s", out)
			}
			for _, w := range tc.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
	// The refused start created no bucket.
	res, body := get(t, "http://"+srv.Endpoint+"/")
	if res.StatusCode != http.StatusOK || bytes.Contains(body, []byte("<Name>")) {
		t.Errorf("bucket list after refused starts: %d %s", res.StatusCode, body)
	}
}
