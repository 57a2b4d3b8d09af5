package integration_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/redis/redistest"
)

// TestImageAccessFollowsChanges: what serving a photo's image needs is
// cached apart from its row (cache.PhotoAccessKey), and every change of
// who may see the photo drops it with the row, at once: a public photo's
// image, granted to a stranger (twice, the second time from the cache), is
// refused right after the photo is made private, hidden by reports or
// deleted, before its blobs move. On both embedded stores and on Redis
// with its near cache.
func TestImageAccessFollowsChanges(t *testing.T) {
	check := func(t *testing.T, e *env) {
		ctx := t.Context()
		stranger := func() *identity.Viewer { return nil }
		granted := func(key string) bool {
			t.Helper()
			ok, _, err := e.App.Photos.CanFetchImage(ctx, key, stranger)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		for i, c := range []struct {
			name   string
			change func(owner, id string)
		}{
			{"made private", func(owner, id string) { e.setVisibility(t, owner, id, false) }},
			{"hidden by reports", func(_, id string) {
				err := entx.WithTx(ctx, e.App.DB.Client, func(tx *ent.Tx) error {
					p, err := tx.Photo.Get(ctx, mustUUID(t, id))
					if err != nil {
						return err
					}
					_, err = e.App.Photos.ApplyReport(ctx, tx, p, photos.ReportEffect{Counted: true, Hide: true}, time.Now())
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}},
			{"deleted", func(owner, id string) {
				e.gql(t, owner, `mutation($id: ID!) { deletePhoto(input: {photoId: $id}) { deletedPhotoId } }`, map[string]any{"id": id}, &struct{}{})
			}},
		} {
			owner := e.account(t, "access_owner_"+string(rune('a'+i)))
			var up struct {
				UploadPhoto struct{ Photo struct{ ID string } }
			}
			e.upload(t, owner, "p.jpg", imagetest.JPEGWithMetadata(150+i, 160, 1, imagetest.TopLeft), true).decode(t, &up)
			id := up.UploadPhoto.Photo.ID
			p, err := e.App.DB.Photo.Get(ctx, mustUUID(t, id))
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{p.ImageKey, p.ThumbKey, p.ImageKey} {
				if !granted(key) {
					t.Fatalf("%s: a public photo's image %s refused before the change", c.name, key)
				}
			}
			c.change(owner, id)
			for _, key := range []string{p.ImageKey, p.ThumbKey} {
				if granted(key) {
					t.Errorf("%s: its old image %s still granted to a stranger", c.name, key)
				}
			}
		}
	}
	t.Run("Embedded", func(t *testing.T) { backends(t, hostileSettings, check) })
	t.Run("Redis", func(t *testing.T) {
		check(t, startEnv(t, "", withSettings(hostileSettings, map[string]string{
			"FACESTAT_REDIS_URL": redistest.Start(t), "FACESTAT_REDIS_PREFIX": liveRedisPrefix(), "FACESTAT_NEAR_CACHE_TTL": "1m"})))
	})
}

// dropCachedPhoto drops what the cache holds of photo id (its row and what
// serving its images needs), as package photos does after a change the
// test made in the database by hand.
func (e *env) dropCachedPhoto(t *testing.T, id uuid.UUID) {
	t.Helper()
	if err := e.App.Cache.Delete(t.Context(), cache.PhotoKey(id), cache.PhotoAccessKey(id)); err != nil {
		t.Fatal(err)
	}
}
