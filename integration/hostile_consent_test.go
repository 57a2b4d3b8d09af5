package integration_test

import (
	"testing"
	"time"

	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/relay"
)

// TestHostileUploadWithoutConsent: an upload's consent is stored with its time; without
// FACESTAT_CONSENT_REQUIRED_FROM an upload without consent is still
// accepted (older clients), and once that time has passed an upload
// without all three consents is refused with CONSENT_REQUIRED on
// input.consent, storing nothing.
func TestHostileUploadWithoutConsent(t *testing.T) {
	all := map[string]bool{"showsMe": true, "adult": true, "acceptsJudging": true}
	partial := map[string]bool{"showsMe": true, "adult": false, "acceptsJudging": true}
	jpeg := func(i int) []byte { return imagetest.JPEGWithMetadata(150+i, 150, 1, imagetest.TopLeft) }
	stored := func(t *testing.T, e *env, r *response) (shows, adult, accepts bool, at *time.Time) {
		t.Helper()
		var out struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		r.decode(t, &out)
		_, id, _ := relay.ParseID(out.UploadPhoto.Photo.ID)
		p, err := e.App.DB.Photo.Query().Where(photo.ID(id)).Only(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return p.ConsentShowsMe, p.ConsentAdult, p.ConsentAcceptsJudging, p.ConsentedAt
	}

	t.Run("Optional", func(t *testing.T) {
		backends(t, map[string]string{"FACESTAT_PHOTO_QUOTA": "10"}, func(t *testing.T, e *env) {
			owner := e.account(t, "consents")
			before := time.Now().Add(-time.Second)
			s, a, j, at := stored(t, e, e.uploadConsenting(t, request{Token: owner}, "a.jpg", jpeg(0), false, all))
			if !s || !a || !j || at == nil || at.Before(before) {
				t.Errorf("with consent: stored %v %v %v at %v", s, a, j, at)
			}
			s, a, j, at = stored(t, e, e.uploadConsenting(t, request{Token: owner}, "b.jpg", jpeg(1), false, nil))
			if s || a || j || at != nil {
				t.Errorf("without consent (not required): stored %v %v %v at %v, want nothing", s, a, j, at)
			}
		})
	})
	t.Run("Required", func(t *testing.T) {
		settings := map[string]string{"FACESTAT_PHOTO_QUOTA": "10", "FACESTAT_CONSENT_REQUIRED_FROM": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}
		backends(t, settings, func(t *testing.T, e *env) {
			owner := e.account(t, "required")
			for name, consent := range map[string]map[string]bool{"none": nil, "partial": partial} {
				before := e.snapshot(t)
				r := e.uploadConsenting(t, request{Token: owner}, "c.jpg", jpeg(2), false, consent)
				if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "CONSENT_REQUIRED" || r.ext("field") != "input.consent" {
					t.Errorf("%s: %+v, want BAD_USER_INPUT, CONSENT_REQUIRED on input.consent", name, r.Errors)
				}
				if after := e.snapshot(t); after.String() != before.String() {
					t.Errorf("%s: a refused upload left %v (before: %v)", name, after, before)
				}
			}
			if s, a, j, at := stored(t, e, e.uploadConsenting(t, request{Token: owner}, "d.jpg", jpeg(3), false, all)); !s || !a || !j || at == nil {
				t.Errorf("with consent: stored %v %v %v at %v", s, a, j, at)
			}
		})
	})
}
