package integration_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/s3blob/s3test"
	"github.com/facestat/facestat/ent/photo"
)

// uploadImage uploads the n-th test face for token and returns its id.
func (e *env) uploadImage(t *testing.T, token string, n int, public bool) string {
	t.Helper()
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.upload(t, token, "face.jpg", faceJPEG(n), public).decode(t, &up)
	return up.UploadPhoto.Photo.ID
}

// setVisibility makes the photo public or private and returns the URLs
// the answer carries.
func (e *env) setVisibility(t *testing.T, token, id string, public bool) (string, string) {
	t.Helper()
	var out struct {
		SetPhotoVisibility struct {
			Photo struct{ ImageURL, ThumbnailURL string }
		}
	}
	e.gql(t, token, `mutation($id: ID!, $p: Boolean!) { setPhotoVisibility(input: {photoId: $id, public: $p}) { photo { imageUrl thumbnailUrl } } }`,
		map[string]any{"id": id, "p": public}, &out)
	return out.SetPhotoVisibility.Photo.ImageURL, out.SetPhotoVisibility.Photo.ThumbnailURL
}

var privateMaxAge = regexp.MustCompile(`^private, max-age=(\d+)$`)

// checkSigned checks that u is FaceStat's signed URL of a private key
// (under prefix) that serves the image privately for at most ttl, and
// that its bare key answers 404, to the owner too.
func (e *env) checkSigned(t *testing.T, u, prefix, owner string, ttl time.Duration) {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	if !strings.HasPrefix(pu.Path, "/images/"+prefix) || len(q) != 2 || q.Get("exp") == "" || q.Get("sig") == "" {
		t.Fatalf("%s is not a signed URL under /images/%s", u, prefix)
	}
	res, body := get(t, u)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" || len(body) == 0 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, res.Header.Get("Content-Type"))
	}
	m := privateMaxAge.FindStringSubmatch(res.Header.Get("Cache-Control"))
	if m == nil {
		t.Fatalf("GET %s: Cache-Control %q, want private, max-age=N", u, res.Header.Get("Cache-Control"))
	}
	if n, _ := strconv.Atoi(m[1]); n <= 0 || time.Duration(n)*time.Second > ttl {
		t.Errorf("GET %s: max-age %d, want in (0, %s]", u, n, ttl)
	}
	bare, _, _ := strings.Cut(u, "?")
	for _, token := range []string{"", owner} {
		if res := e.fetchWithSession(t, bare, token); res.StatusCode != http.StatusNotFound || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s without its signature (session %t): %d %q, want 404 no-store", bare, token != "", res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
}

// moveBlob moves the blob at from to to, behind FaceStat's back.
func (e *env) moveBlob(t *testing.T, from, to string) {
	t.Helper()
	ctx := context.Background()
	f, info, err := e.App.Blobs.Open(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Blobs.Put(ctx, to, data, info.ContentType); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Blobs.Delete(ctx, from); err != nil {
		t.Fatal(err)
	}
}

// blobFiles lists the blob files on disk, as keys.
func (e *env) blobFiles(t *testing.T) []string {
	t.Helper()
	var keys []string
	root := filepath.Join(e.DataDir, "blobs")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// wantGone checks that every URL answers 404.
func wantGone(t *testing.T, why string, urls ...string) {
	t.Helper()
	for _, u := range urls {
		if res, _ := get(t, u); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: GET %s: %d, want 404", why, u, res.StatusCode)
		}
	}
}

// TestPrivateImages: a private photo's images answer only through signed
// URLs, with Cache-Control: private, until they expire (by the test
// clock); their bare keys answer 404, to the owner too; making the photo
// public moves them to new public keys (the signed URLs stop working),
// making it private again moves them back under the private prefix (the
// public URL stops working at the origin), hiding moves them again, and
// deleting it leaves every URL 404. GraphQL answers are never stored.
func TestPrivateImages(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		ctx := context.Background()
		ttl := e.App.Config.SignedURLTTL
		owner := e.account(t, "pimowner")
		id := e.uploadImage(t, owner, 0, false)
		raw := mustUUID(t, id).String() // as in keys
		img, thumb := e.imageURLs(t, owner, id)
		e.checkSigned(t, img, "private/img/"+raw+"/v0/", owner, ttl)
		e.checkSigned(t, thumb, "private/thumb/"+raw+"/v0/", owner, ttl)

		t.Run("OnDiskUnderThePrivatePrefix", func(t *testing.T) {
			row, err := e.App.DB.Client.Photo.Get(ctx, mustUUID(t, id))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{row.ImageKey, row.ThumbKey} {
				if !strings.HasPrefix(k, blob.PrivatePrefix) {
					t.Errorf("key %s is not under %s", k, blob.PrivatePrefix)
				}
				if _, err := os.Stat(filepath.Join(e.DataDir, "blobs", filepath.FromSlash(k))); err != nil {
					t.Errorf("blob %s: %v", k, err)
				}
			}
		})
		t.Run("SameURLWithinAStep", func(t *testing.T) {
			// Expiries are rounded to a minute: asked again at once, the
			// API gives the same URL (or, across a step's edge, the next).
			again, _ := e.imageURLs(t, owner, id)
			if again != img {
				if third, _ := e.imageURLs(t, owner, id); third != again {
					t.Fatalf("three asks, three URLs: %s, %s, %s", img, again, third)
				}
			}
		})
		t.Run("GraphQLNeverStored", func(t *testing.T) {
			r := e.do(t, request{Token: owner, Query: `query($id: ID!) { photo(id: $id) { imageUrl } }`, Vars: map[string]any{"id": id}})
			if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("POST /graphql carrying a signed URL: Cache-Control %q", cc)
			}
			q := url.Values{"query": {`query($id: ID!) { photo(id: $id) { imageUrl } }`}, "variables": {`{"id":"` + id + `"}`}}
			req, _ := http.NewRequest(http.MethodGet, e.URL+"/graphql?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+owner)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "private, no-store" {
				t.Errorf("GET /graphql: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
			}
		})

		// Expired: the URL stops working; the API hands out a new one.
		e.Clock.Advance(ttl + time.Second)
		wantGone(t, "after its expiry", img, thumb)
		img, thumb = e.imageURLs(t, owner, id)
		e.checkSigned(t, img, "private/img/"+raw+"/v0/", owner, ttl)

		// Public: new stable keys, cached a day; the signed URLs stop.
		pub, pubThumb := e.setVisibility(t, owner, id, true)
		for _, u := range []string{pub, pubThumb} {
			if strings.Contains(u, "?") || !strings.Contains(u, "/images/") || strings.Contains(u, "private") || !strings.Contains(u, "/"+raw+"/v1/") {
				t.Fatalf("public photo's URL %s", u)
			}
			res, _ := get(t, u)
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=86400" {
				t.Fatalf("GET %s: %d %q, want 200 public, max-age=86400", u, res.StatusCode, res.Header.Get("Cache-Control"))
			}
		}
		if again, _ := e.imageURLs(t, "", id); again != pub {
			t.Errorf("a stranger gets %s, the owner %s", again, pub)
		}
		wantGone(t, "signed URL after the photo turned public", img, thumb)

		// Private again: new private keys; the public URL stops at the origin.
		img, thumb = e.setVisibility(t, owner, id, false)
		e.checkSigned(t, img, "private/img/"+raw+"/v2/", owner, ttl)
		e.checkSigned(t, thumb, "private/thumb/"+raw+"/v2/", owner, ttl)
		for _, token := range []string{"", owner} {
			for _, u := range []string{pub, pubThumb} {
				if res := e.fetchWithSession(t, u, token); res.StatusCode != http.StatusNotFound {
					t.Errorf("public URL %s after the photo turned private (session %t): %d", u, token != "", res.StatusCode)
				}
			}
		}

		// Hidden (as moderation does): moved again, so signed URLs
		// strangers were given stop; the owner gets new ones.
		uid := mustUUID(t, id)
		if err := e.App.DB.Client.Photo.UpdateOneID(uid).SetStatus(photo.StatusHidden).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Photos.SyncImageKeys(ctx, uid); err != nil {
			t.Fatal(err)
		}
		wantGone(t, "signed URL after the photo was hidden", img, thumb)
		img, thumb = e.imageURLs(t, owner, id)
		e.checkSigned(t, img, "private/hidden/img/"+raw+"/v3/", owner, ttl)
		if err := e.App.Photos.SyncImageKeys(ctx, uid); err != nil { // in place: nothing to do
			t.Fatal(err)
		}
		if again, _ := e.imageURLs(t, owner, id); !strings.Contains(again, "/v3/") {
			t.Errorf("a second sync moved the images again: %s", again)
		}

		// Deleted: every URL answers 404, and no blob is left.
		e.gql(t, owner, `mutation($id: ID!) { deletePhoto(input: {photoId: $id}) { deletedPhotoId } }`, map[string]any{"id": id}, &struct{}{})
		wantGone(t, "after the photo was deleted", img, thumb, pub, pubThumb)
		if s := e.snapshot(t); len(s.Blobs) != 0 {
			t.Errorf("blobs left: %v", s.Blobs)
		}
	})
}

// TestPrivateImagesMigration: a photo made private before issue 14 has
// its images under public, unversioned keys; the sweep (run at start-up
// and periodically) moves them under the private prefix at version 1, so
// the old URL answers 404 and the API's signed one works; a second sweep
// has nothing to do.
func TestPrivateImagesMigration(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		ctx := context.Background()
		owner := e.account(t, "pimold")
		id := e.uploadImage(t, owner, 1, true)
		uid := mustUUID(t, id)
		raw := uid.String()
		row, err := e.App.DB.Client.Photo.Get(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		// The old way: img/<id>/<hh>/<sha256>.jpg, private.
		var legacy []string
		for _, k := range []string{row.ImageKey, row.ThumbKey} {
			old := strings.Replace(k, "/v0/", "/", 1)
			e.moveBlob(t, k, old)
			legacy = append(legacy, old)
		}
		if err := e.App.DB.Client.Photo.UpdateOneID(uid).SetImageKey(legacy[0]).SetThumbKey(legacy[1]).SetIsPublic(false).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		e.dropCachedPhoto(t, uid)
		oldURLs := []string{e.URL + "/images/" + legacy[0], e.URL + "/images/" + legacy[1]}
		if got, _ := e.imageURLs(t, owner, id); got != oldURLs[0] {
			t.Fatalf("before the migration the API gives %s, want %s", got, oldURLs[0])
		}
		for _, u := range oldURLs {
			if res, _ := get(t, u); res.StatusCode != http.StatusOK {
				t.Fatalf("before the migration GET %s: %d", u, res.StatusCode)
			}
		}

		// Three instances' sweeps and a mutation's sync at once: on
		// PostgreSQL one sweep holds the lock and the others skip; on
		// either, concurrent moves of one photo agree on one result.
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 3 {
			wg.Go(func() {
				_, err := e.App.Photos.SweepImageKeys(ctx)
				errs <- err
			})
		}
		wg.Go(func() { errs <- e.App.Photos.SyncImageKeys(ctx, uid) })
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		wantGone(t, "the old URL after the migration", oldURLs...)
		img, thumb := e.imageURLs(t, owner, id)
		e.checkSigned(t, img, "private/img/"+raw+"/v1/", owner, e.App.Config.SignedURLTTL)
		e.checkSigned(t, thumb, "private/thumb/"+raw+"/v1/", owner, e.App.Config.SignedURLTTL)
		for _, k := range legacy {
			if _, err := os.Stat(filepath.Join(e.DataDir, "blobs", filepath.FromSlash(k))); !os.IsNotExist(err) {
				t.Errorf("legacy blob %s still on disk: %v", k, err)
			}
		}
		if n, err := e.App.Photos.SweepImageKeys(ctx); err != nil || n != 0 {
			t.Fatalf("second sweep: %d photos, %v; want 0", n, err)
		}
		// Exactly the two moved blobs are left: no copy of a lost race.
		want := []string{strings.TrimPrefix(img[:strings.Index(img, "?")], e.URL+"/images/"),
			strings.TrimPrefix(thumb[:strings.Index(thumb, "?")], e.URL+"/images/")}
		if got := e.blobFiles(t); len(got) != 2 || !slices.Contains(got, want[0]) || !slices.Contains(got, want[1]) {
			t.Errorf("blobs after the migration: %v, want %v", got, want)
		}
	})
}

// TestS3PrivateImages: with images in S3 (the fake S3 server, which
// refuses anonymous reads under private/ as the production bucket policy
// does), a private photo's URLs are presigned and answer with
// Cache-Control: private until they expire; the object cannot be read at
// its bucket URL without a signature; making the photo public moves it to
// a public key (the presigned URL stops working), private again moves it
// back (the public bucket URL stops working); deleting it leaves 404s.
func TestS3PrivateImages(t *testing.T) {
	t.Parallel()
	srv := s3test.StartServer(t)
	base := "http://" + srv.Endpoint + "/facestat-images/pim"
	settings := s3Settings(srv.Endpoint, map[string]string{"FACESTAT_S3_PREFIX": "pim", "FACESTAT_S3_CREATE_BUCKET": "true",
		"FACESTAT_SIGNED_URL_TTL": "10s"})
	backends(t, settings, func(t *testing.T, e *env) {
		owner := e.account(t, "s3pim")
		id := e.uploadImage(t, owner, 2, false)
		raw := mustUUID(t, id).String()
		img, thumb := e.imageURLs(t, owner, id)
		presigned := func(u, prefix string) {
			t.Helper()
			if !strings.HasPrefix(u, base+"/"+prefix) || !strings.Contains(u, "X-Amz-Signature=") {
				t.Fatalf("%s is not a presigned URL under %s/%s", u, base, prefix)
			}
			res, _ := get(t, u)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" || res.Header.Get("Cache-Control") != "private" || res.Header.Get("Expires") == "" {
				t.Fatalf("GET %s: %d %s, Cache-Control %q, Expires %q", u, res.StatusCode, res.Header.Get("Content-Type"),
					res.Header.Get("Cache-Control"), res.Header.Get("Expires"))
			}
			bare, _, _ := strings.Cut(u, "?")
			if res, body := get(t, bare); res.StatusCode != http.StatusForbidden {
				t.Fatalf("GET %s without a signature: %d %s, want 403", bare, res.StatusCode, body)
			}
			key := strings.TrimPrefix(bare, base+"/")
			if res := e.fetchWithSession(t, e.URL+"/images/"+key, owner); res.StatusCode != http.StatusNotFound {
				t.Fatalf("FaceStat's /images/%s without a signature: %d, want 404", key, res.StatusCode)
			}
		}
		presigned(img, "private/img/"+raw+"/v0/")
		presigned(thumb, "private/thumb/"+raw+"/v0/")

		pub, pubThumb := e.setVisibility(t, owner, id, true)
		for _, u := range []string{pub, pubThumb} {
			if !strings.HasPrefix(u, base+"/") || strings.Contains(u, "?") || strings.Contains(u, "private") {
				t.Fatalf("public photo's URL %s", u)
			}
			res, _ := get(t, u)
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=86400" {
				t.Fatalf("GET %s: %d, Cache-Control %q", u, res.StatusCode, res.Header.Get("Cache-Control"))
			}
		}
		wantGone(t, "presigned URL after the photo turned public", img, thumb)

		img, _ = e.setVisibility(t, owner, id, false)
		presigned(img, "private/img/"+raw+"/v2/")
		issued := time.Now()
		wantGone(t, "public bucket URL after the photo turned private", pub, pubThumb)

		// The presigned URL stops working after its expiry (10s: the
		// store's clock, not the test's).
		time.Sleep(time.Until(issued.Add(11 * time.Second)))
		if res, body := get(t, img); res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "expired") {
			t.Errorf("presigned URL after its expiry: %d %s, want 403 expired", res.StatusCode, body)
		}

		img, thumb = e.imageURLs(t, owner, id)
		e.gql(t, owner, `mutation($id: ID!) { deletePhoto(input: {photoId: $id}) { deletedPhotoId } }`, map[string]any{"id": id}, &struct{}{})
		wantGone(t, "after the photo was deleted", img, thumb)
	})
}

// TestPrivateImagesInterruptedMove: a move that a crash cut short after
// copying the images and deleting the old ones, before the row named the
// new keys, is finished from the copies: by the sweep, or, when the owner
// turned the photo back meanwhile (the row's keys in its class again, their
// blobs gone), by the mutation's own sync; the copies of the abandoned
// direction go.
func TestPrivateImagesInterruptedMove(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		ctx := context.Background()
		owner := e.account(t, "pimcrash")
		for _, flipBack := range []bool{false, true} {
			id := e.uploadImage(t, owner, map[bool]int{false: 3, true: 4}[flipBack], false)
			uid := mustUUID(t, id)
			row, err := e.App.DB.Client.Photo.Get(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			// The move toward public got as far as step 2: copies at
			// public v1 keys, the private v0 objects deleted.
			var copies []string
			for _, k := range []string{row.ImageKey, row.ThumbKey} {
				pub := strings.Replace(strings.TrimPrefix(k, blob.PrivatePrefix), "/v0/", "/v1/", 1)
				e.moveBlob(t, k, pub)
				copies = append(copies, pub)
			}
			// The row says public: the mutation committed.
			if err := e.App.DB.Client.Photo.UpdateOneID(uid).SetIsPublic(true).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			e.dropCachedPhoto(t, uid)
			var img, thumb string
			if flipBack {
				// The owner changes their mind before any sweep ran: the
				// row is private again with its private v0 keys, whose
				// blobs are gone; the mutation's sync notices and moves
				// the copies to private v1.
				img, thumb = e.setVisibility(t, owner, id, false)
			} else {
				if n, err := e.App.Photos.SweepImageKeys(ctx); err != nil || n != 1 {
					t.Fatalf("sweep: %d photos, %v; want 1", n, err)
				}
				img, thumb = e.imageURLs(t, owner, id)
			}
			if flipBack {
				e.checkSigned(t, img, "private/img/"+uid.String()+"/v1/", owner, e.App.Config.SignedURLTTL)
				e.checkSigned(t, thumb, "private/thumb/"+uid.String()+"/v1/", owner, e.App.Config.SignedURLTTL)
				for _, k := range copies {
					if _, err := os.Stat(filepath.Join(e.DataDir, "blobs", filepath.FromSlash(k))); !os.IsNotExist(err) {
						t.Errorf("the abandoned public copy %s is still there: %v", k, err)
					}
				}
			} else {
				for _, u := range []string{img, thumb} {
					if res, _ := get(t, u); res.StatusCode != http.StatusOK || !strings.Contains(u, "/"+uid.String()+"/v1/") || strings.Contains(u, "private") {
						t.Errorf("after the sweep: %s answers %d", u, res.StatusCode)
					}
				}
			}
		}
	})
}
