package integration_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/relay"
)

// exportPayload is exportMyData's answer.
type exportPayload struct {
	URL       string
	Ready     bool
	ExpiresAt time.Time
}

const exportMutation = `mutation { exportMyData { url ready expiresAt } }`

// exportMyData asks for token's data export.
func (e *env) exportMyData(t *testing.T, token string) exportPayload {
	t.Helper()
	var out struct{ ExportMyData exportPayload }
	e.gql(t, token, exportMutation, nil, &out)
	return out.ExportMyData
}

// fetchExport GETs an export link with token as a bearer token ("" for
// none), or in the session cookie when cookie is set.
func fetchExport(t *testing.T, u, token string, cookie bool) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	switch {
	case token == "":
	case cookie:
		req.AddCookie(&http.Cookie{Name: "fs_session", Value: token})
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// awaitExport polls an export link as its owner, as the web app does,
// until it answers 200, and returns the ZIP. Every answer before is 202
// with Retry-After.
func awaitExport(t *testing.T, u, token string) []byte {
	t.Helper()
	var zipped []byte
	waitFor(t, "the export", func() bool {
		res, body := fetchExport(t, u, token, false)
		switch res.StatusCode {
		case http.StatusOK:
			zipped = body
			return true
		case http.StatusAccepted:
			if res.Header.Get("Retry-After") == "" {
				t.Fatal("202 without Retry-After")
			}
			return false
		}
		t.Fatalf("export link: %d %s", res.StatusCode, body)
		return false
	})
	return zipped
}

// wantNoExport checks an answer that must tell nothing: 404, kept by no
// cache.
func wantNoExport(t *testing.T, what string, res *http.Response, body []byte) {
	t.Helper()
	if res.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "NOT_FOUND") {
		t.Errorf("%s: %d %s, want 404 NOT_FOUND", what, res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("%s: Cache-Control %q", what, cc)
	}
}

// unzip returns the files of a ZIP by name.
func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// exportedAccount is what the test reads of account.json.
type exportedAccount struct {
	Profile struct {
		ID, Handle, Email, Role string
		CreatedAt               time.Time `json:"created_at"`
		Karma                   *int64
	}
	Consents []struct {
		PhotoID        string `json:"photo_id"`
		ShowsMe        bool   `json:"shows_me"`
		Adult          bool
		AcceptsJudging bool `json:"accepts_judging"`
	}
	Sessions []map[string]any
	Reports  []map[string]any
}

// TestExportMyData: the ZIP holds account.json (profile, consents,
// sessions without tokens), each photo's image and statistics, and the
// votes cast; asking again returns the same export; the link answers 202
// while building, 200 with the ZIP to the owner's bearer token and
// cookie, and 404 to everyone else, always private, no-store; after its
// expiry it answers 404, and the sweeper deletes the row and the file.
func TestExportMyData(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "exporter")
		c := &clock{} // the exports' clock, moved on to expire them
		e.App.Account.Now = c.Now
		other := e.account(t, "bystander")
		consent := map[string]bool{"showsMe": true, "adult": true, "acceptsJudging": true}
		var ids []string
		var images [][]byte
		for i, public := range []bool{true, false} {
			var up struct {
				UploadPhoto struct{ Photo struct{ ID, ImageURL string } }
			}
			e.uploadConsenting(t, request{Token: owner}, "me.jpg", jpegOf(t, 150+i), public, consent).decode(t, &up)
			ids = append(ids, up.UploadPhoto.Photo.ID)
			res, body := fetchWithToken(t, up.UploadPhoto.Photo.ImageURL, owner)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("image: %d", res.StatusCode)
			}
			images = append(images, body)
		}
		theirs := e.uploadOne(t, other, 170)
		e.voteFrom(t, owner, "10.0.0.1", theirs, answers(30, 7, true, "friendly"))
		e.voteFrom(t, other, "10.0.1.1", ids[0], answers(25, 6, false, "calm"))

		first := e.exportMyData(t, owner)
		if !strings.HasPrefix(first.URL, e.URL+"/exports/") || time.Until(first.ExpiresAt) < 50*time.Minute || time.Until(first.ExpiresAt) > 61*time.Minute {
			t.Fatalf("exportMyData = %+v", first)
		}
		t.Run("AgainReturnsTheSameExport", func(t *testing.T) {
			if again := e.exportMyData(t, owner); again.URL != first.URL {
				t.Fatalf("a second request started another export: %s, then %s", first.URL, again.URL)
			}
		})

		zipped := awaitExport(t, first.URL, owner)
		res, _ := fetchExport(t, first.URL, owner, false)
		if res.Header.Get("Cache-Control") != "private, no-store" || res.Header.Get("Content-Type") != "application/zip" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
			t.Errorf("the ZIP's headers: %v", res.Header)
		}
		files := unzip(t, zipped)

		t.Run("AccountJSON", func(t *testing.T) {
			var acc exportedAccount
			if err := json.Unmarshal(files["account.json"], &acc); err != nil {
				t.Fatalf("account.json: %v\n%s", err, files["account.json"])
			}
			if acc.Profile.Handle != "exporter" || acc.Profile.Email != "exporter@example.com" || acc.Profile.Role != "user" ||
				acc.Profile.Karma == nil || acc.Profile.CreatedAt.IsZero() || acc.Profile.ID != e.judgeUUID(t, owner).String() {
				t.Errorf("profile: %+v", acc.Profile)
			}
			if len(acc.Consents) != 2 || !acc.Consents[0].ShowsMe || !acc.Consents[0].Adult || !acc.Consents[0].AcceptsJudging {
				t.Errorf("consents: %+v", acc.Consents)
			}
			if len(acc.Sessions) != 1 {
				t.Errorf("sessions: %+v", acc.Sessions)
			}
			for _, s := range acc.Sessions {
				for k := range s {
					if strings.Contains(k, "token") || strings.Contains(k, "hash") {
						t.Errorf("a session carries %q", k)
					}
				}
			}
			if acc.Reports == nil {
				t.Error("reports: null, want a list")
			}
		})
		t.Run("Photos", func(t *testing.T) {
			for i, id := range ids {
				pid := photoUUID(t, id)
				if !bytes.Equal(files["photos/"+pid+".jpg"], images[i]) {
					t.Errorf("photo %d: the ZIP's image differs from the served one (%d bytes, want %d)", i, len(files["photos/"+pid+".jpg"]), len(images[i]))
				}
				var p struct {
					ID         string
					VoteCount  int `json:"vote_count"`
					Statistics []struct {
						Question string
						Count    int
						Words    []struct{ W string }
					}
				}
				if err := json.Unmarshal(files["photos/"+pid+".json"], &p); err != nil {
					t.Fatalf("photo %d: %v", i, err)
				}
				want := []int{1, 0}[i]
				if p.ID != pid || p.VoteCount != want || len(p.Statistics) == 0 {
					t.Errorf("photo %d: %+v", i, p)
				}
				for _, q := range p.Statistics {
					if q.Question == "attractive" && q.Count != want {
						t.Errorf("photo %d: attractive counted %d, want %d", i, q.Count, want)
					}
				}
			}
		})
		t.Run("VotesJSON", func(t *testing.T) {
			var votes []struct {
				PhotoID string `json:"photo_id"`
				Answers []struct {
					Question string
					Number   *int
					Word     *string
				}
			}
			if err := json.Unmarshal(files["votes.json"], &votes); err != nil {
				t.Fatalf("votes.json: %v\n%s", err, files["votes.json"])
			}
			if len(votes) != 1 || votes[0].PhotoID != photoUUID(t, theirs) || len(votes[0].Answers) != 4 {
				t.Fatalf("votes: %+v", votes)
			}
		})

		t.Run("RefusesAnyoneElse", func(t *testing.T) {
			anon := e.anonymous(t)
			for what, try := range map[string]func() (*http.Response, []byte){
				"no session":               func() (*http.Response, []byte) { return fetchExport(t, first.URL, "", false) },
				"another account":          func() (*http.Response, []byte) { return fetchExport(t, first.URL, other, false) },
				"another account's cookie": func() (*http.Response, []byte) { return fetchExport(t, first.URL, other, true) },
				"an anonymous judge":       func() (*http.Response, []byte) { return fetchExport(t, first.URL, anon, false) },
				"a bad token":              func() (*http.Response, []byte) { return fetchExport(t, first.URL, "fsa_forged", false) },
			} {
				res, body := try()
				wantNoExport(t, what, res, body)
			}
		})
		t.Run("OwnersCookie", func(t *testing.T) {
			res, body := fetchExport(t, first.URL, owner, true)
			if res.StatusCode != http.StatusOK || !bytes.Equal(body, zipped) {
				t.Fatalf("with the session cookie: %d", res.StatusCode)
			}
		})
		t.Run("NotAnImage", func(t *testing.T) {
			id := strings.TrimPrefix(first.URL, e.URL+"/exports/")
			res, _ := get(t, e.URL+"/images/private/exports/"+id+".zip")
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("the export's file through /images/: %d", res.StatusCode)
			}
		})
		t.Run("BuildingAnswers202", func(t *testing.T) {
			// A row still building (its builder elsewhere): the owner is
			// told to come back, anyone else learns nothing.
			building := e.App.DB.Client.DataExport.Create().SetUserID(e.judgeUUID(t, owner)).
				SetExpiresAt(time.Now().Add(time.Hour)).SaveX(t.Context())
			u := e.URL + "/exports/" + building.ID.String()
			res, _ := fetchExport(t, u, owner, false)
			if res.StatusCode != http.StatusAccepted || res.Header.Get("Retry-After") == "" || res.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("building: %d %v", res.StatusCode, res.Header)
			}
			res, body := fetchExport(t, u, other, false)
			wantNoExport(t, "building, to another account", res, body)
			e.App.DB.Client.DataExport.DeleteOneID(building.ID).ExecX(t.Context())
		})
		t.Run("ExpiresAndIsSwept", func(t *testing.T) {
			c.Advance(2 * time.Hour)
			res, body := fetchExport(t, first.URL, owner, false)
			wantNoExport(t, "after its expiry", res, body)
			if n, err := e.App.Account.Sweep(t.Context()); err != nil || n != 1 {
				t.Fatalf("Sweep = %d, %v", n, err)
			}
			if n := e.App.DB.Client.DataExport.Query().CountX(t.Context()); n != 0 {
				t.Errorf("%d export rows left", n)
			}
			for _, b := range e.snapshot(t).Blobs {
				if strings.HasSuffix(b, ".zip") {
					t.Errorf("export file left: %s", filepath.ToSlash(b))
				}
			}
		})
	})
}

// fetchWithToken GETs u with token as a bearer token and the session
// cookie (images read the cookie).
func fetchWithToken(t *testing.T, u, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.AddCookie(&http.Cookie{Name: "fs_session", Value: token})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// photoUUID is the uuid inside a Photo's global id.
func photoUUID(t *testing.T, id string) string {
	t.Helper()
	u, err := relay.ParseTypedID(id, "Photo", "id")
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// jpegOf is a small JPEG, distinct for each width.
func jpegOf(t *testing.T, width int) []byte {
	t.Helper()
	return imagetest.JPEGWithMetadata(width, 160, 1, imagetest.TopLeft)
}
