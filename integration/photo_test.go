package integration_test

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/precompressed/precompressedtest"
)

type photoData struct {
	ID, ImageURL, ThumbnailURL string
	Width, Height              int
	IsPublic                   bool
	Owner                      struct{ Handle string }
}

func TestPhotoLifecycle(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		before := e.snapshot(t)
		owner := e.account(t, "owner")
		other := e.account(t, "other")

		// Stored 600x400 with the marker top-left; EXIF orientation 6 says
		// "rotate 90° clockwise to display", so upright it is 400x600 with
		// the marker top-right.
		src := imagetest.JPEGWithMetadata(600, 400, 6, imagetest.TopLeft)
		if !imagetest.HasMetadata(src) {
			t.Fatal("the fixture carries no metadata")
		}
		var up struct{ UploadPhoto struct{ Photo photoData } }
		e.upload(t, owner, "me.jpg", src, false).decode(t, &up)
		p := up.UploadPhoto.Photo
		if p.Width != 400 || p.Height != 600 || p.IsPublic || p.Owner.Handle != "owner" {
			t.Fatalf("uploaded photo: %+v", p)
		}

		t.Run("ImageUprightWithoutMetadata", func(t *testing.T) {
			res, body := get(t, p.ImageURL)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("image: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			// A private photo: signed, kept by the browser only (issue 14).
			if cc := res.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") {
				t.Fatalf("Cache-Control %q", cc)
			}
			if imagetest.HasMetadata(body) {
				t.Fatal("the stored image still carries metadata")
			}
			for _, marker := range []string{"Exif", "GPS", "xmp", "http://ns.adobe.com"} {
				if bytes.Contains(body, []byte(marker)) {
					t.Fatalf("the stored image contains %q", marker)
				}
			}
			img, err := jpeg.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 400 || b.Dy() != 600 {
				t.Fatalf("stored image is %v", b)
			}
			if !imagetest.IsRed(img, imagetest.TopRight) {
				t.Fatalf("marker not top-right; corners: TL %v TR %v BL %v BR %v",
					imagetest.CornerColour(img, imagetest.TopLeft), imagetest.CornerColour(img, imagetest.TopRight),
					imagetest.CornerColour(img, imagetest.BottomLeft), imagetest.CornerColour(img, imagetest.BottomRight))
			}
			for _, c := range []imagetest.Corner{imagetest.TopLeft, imagetest.BottomLeft, imagetest.BottomRight} {
				if imagetest.IsRed(img, c) {
					t.Fatalf("a marker in corner %v too", c)
				}
			}
		})
		t.Run("ImageHeadAndRevalidation", func(t *testing.T) {
			res, body := get(t, p.ImageURL)
			etag := res.Header.Get("ETag")
			if res.StatusCode != http.StatusOK || etag == "" {
				t.Fatalf("image: %d, ETag %q", res.StatusCode, etag)
			}
			head, headBody := precompressedtest.Fetch(t, http.MethodHead, p.ImageURL, nil)
			if head.StatusCode != http.StatusOK || len(headBody) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(body)) ||
				head.Header.Get("ETag") != etag {
				t.Errorf("HEAD: %d, %d bytes, Content-Length %q, ETag %q", head.StatusCode, len(headBody), head.Header.Get("Content-Length"), head.Header.Get("ETag"))
			}
			again, againBody := precompressedtest.Fetch(t, http.MethodGet, p.ImageURL, map[string]string{"If-None-Match": etag})
			if again.StatusCode != http.StatusNotModified || len(againBody) != 0 {
				t.Errorf("GET with If-None-Match: %d, %d bytes; want 304", again.StatusCode, len(againBody))
			}
		})
		t.Run("Thumbnail", func(t *testing.T) {
			res, body := get(t, p.ThumbnailURL)
			if res.StatusCode != http.StatusOK || p.ThumbnailURL == p.ImageURL {
				t.Fatalf("thumbnail: %d %s", res.StatusCode, p.ThumbnailURL)
			}
			img, err := jpeg.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); max(b.Dx(), b.Dy()) > e.App.Config.ThumbSide || b.Dx() >= b.Dy() {
				t.Fatalf("thumbnail is %v", b)
			}
		})

		const photoQuery = `query($id: ID!) { photo(id: $id) { id isPublic } }`
		var seen struct{ Photo *photoData }
		t.Run("PrivateHiddenFromOthers", func(t *testing.T) {
			e.gql(t, other, photoQuery, map[string]any{"id": p.ID}, &seen)
			if seen.Photo != nil {
				t.Fatal("another account sees a private photo")
			}
			var list struct{ Photos struct{ Nodes []photoData } }
			e.gql(t, "", `{ photos(first: 10) { nodes { id } } }`, nil, &list)
			if len(list.Photos.Nodes) != 0 {
				t.Fatalf("a private photo is listed: %+v", list.Photos.Nodes)
			}
		})
		t.Run("ErrOthersCannotChangeVisibility", func(t *testing.T) {
			r := e.do(t, request{Token: other, Query: `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: true}) { photo { id } } }`,
				Vars: map[string]any{"id": p.ID}})
			if r.code() != "NOT_FOUND" {
				t.Fatalf("got %+v", r.Errors)
			}
		})

		var vis struct{ SetPhotoVisibility struct{ Photo photoData } }
		e.gql(t, owner, `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: true}) { photo { id isPublic } } }`,
			map[string]any{"id": p.ID}, &vis)
		if !vis.SetPhotoVisibility.Photo.IsPublic {
			t.Fatal("photo still private")
		}
		t.Run("PublicListedAndVisible", func(t *testing.T) {
			var list struct {
				Photos struct {
					Edges    []struct{ Cursor string }
					Nodes    []photoData
					PageInfo struct{ HasNextPage bool }
				}
			}
			e.gql(t, "", `{ photos(first: 10) { edges { cursor } nodes { id isPublic } pageInfo { hasNextPage } } }`, nil, &list)
			if len(list.Photos.Nodes) != 1 || list.Photos.Nodes[0].ID != p.ID || list.Photos.PageInfo.HasNextPage {
				t.Fatalf("public list: %+v", list.Photos)
			}
			e.gql(t, other, photoQuery, map[string]any{"id": p.ID}, &seen)
			if seen.Photo == nil || !seen.Photo.IsPublic {
				t.Fatal("another account cannot see a public photo")
			}
		})
		t.Run("ErrOthersCannotDelete", func(t *testing.T) {
			r := e.do(t, request{Token: other, Query: `mutation($id: ID!) { deletePhoto(input: {photoId: $id}) { deletedPhotoId } }`,
				Vars: map[string]any{"id": p.ID}})
			if r.code() != "FORBIDDEN" {
				t.Fatalf("got %+v", r.Errors)
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
			if res, _ := get(t, u); res.StatusCode != http.StatusNotFound {
				t.Fatalf("%s after delete: %d", u, res.StatusCode)
			}
		}
		e.gql(t, owner, photoQuery, map[string]any{"id": p.ID}, &seen)
		if seen.Photo != nil {
			t.Fatal("a deleted photo is still found")
		}
		after := e.snapshot(t)
		// Two accounts and their sessions were added; the photo left nothing.
		before.Rows["users"] += 2
		before.Rows["sessions"] += 2
		if after.String() != before.String() {
			t.Fatalf("delete left something behind:\n before %v\n after  %v", before, after)
		}
	})
}

func TestPhotoFormats(t *testing.T) {
	// The WebP fixture is 128 x 64 (imagetest): below the default shortest
	// side, which is not what this test is about.
	backends(t, map[string]string{"FACESTAT_MIN_IMAGE_SIDE": "64"}, func(t *testing.T, e *env) {
		owner := e.account(t, "formats")
		for name, data := range map[string][]byte{
			"PNG":  imagetest.PNG(300, 200),
			"WebP": imagetest.WebPWithMetadata(1, false),
		} {
			t.Run(name, func(t *testing.T) {
				var up struct{ UploadPhoto struct{ Photo photoData } }
				// The name and the part's type lie; the bytes decide.
				e.upload(t, owner, "photo.gif", data, true).decode(t, &up)
				res, body := get(t, up.UploadPhoto.Photo.ImageURL)
				if res.StatusCode != http.StatusOK {
					t.Fatal(res.Status)
				}
				if _, err := jpeg.Decode(bytes.NewReader(body)); err != nil {
					t.Fatalf("stored %s is not a JPEG: %v", name, err)
				}
			})
		}
	})
}

func TestPagination(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		var uploaded []string
		for _, handle := range []string{"pager1", "pager2"} {
			token := e.account(t, handle)
			for i := 0; i < 3; i++ {
				var up struct{ UploadPhoto struct{ Photo photoData } }
				e.upload(t, token, "p.jpg", imagetest.JPEGWithMetadata(140+i, 140, 1, imagetest.TopLeft), true).decode(t, &up)
				uploaded = append(uploaded, up.UploadPhoto.Photo.ID)
			}
		}
		const q = `query($after: String, $dir: OrderDirection!) {
			photos(first: 2, after: $after, orderBy: {field: CREATED_AT, direction: $dir}) {
				nodes { id } pageInfo { hasNextPage endCursor } } }`
		for _, dir := range []string{"ASC", "DESC"} {
			t.Run(dir, func(t *testing.T) {
				var got []string
				var after any
				for page := 0; page < 10; page++ {
					var out struct {
						Photos struct {
							Nodes    []photoData
							PageInfo struct {
								HasNextPage bool
								EndCursor   string
							}
						}
					}
					e.gql(t, "", q, map[string]any{"after": after, "dir": dir}, &out)
					for _, n := range out.Photos.Nodes {
						got = append(got, n.ID)
					}
					if !out.Photos.PageInfo.HasNextPage {
						break
					}
					after = out.Photos.PageInfo.EndCursor
				}
				want := append([]string(nil), uploaded...)
				if dir == "DESC" {
					slices.Reverse(want)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("paged %s:\n got  %v\n want %v", dir, got, want)
				}
			})
		}
	})
}
