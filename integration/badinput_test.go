package integration_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/imageproc/imagetest"
)

// TestBadInput sends each kind of bad input and checks that it gets its
// documented code and leaves every table and the image folder unchanged.
func TestBadInput(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		token := e.account(t, "uploader")
		for i := 0; i < 2; i++ { // one photo short of the quota of 3
			e.upload(t, token, "ok.jpg", imagetest.JPEGWithMetadata(160, 160, 1, imagetest.TopLeft), false).decode(t, &struct{}{})
		}
		var anon struct{ StartAnonymousSession struct{ Token string } }
		e.gql(t, "", `mutation { startAnonymousSession { token } }`, nil, &anon)

		cases := []struct {
			name         string
			send         func(t *testing.T) *response
			status       int
			code, reason string
			field        string
		}{
			{"TextFileNamedJPG", func(t *testing.T) *response {
				return e.upload(t, token, "face.jpg", []byte("this is not an image, just text\n"), false)
			}, 200, "BAD_USER_INPUT", "NOT_AN_IMAGE", "input.file"},
			{"TruncatedJPEG", func(t *testing.T) *response {
				return e.upload(t, token, "face.jpg", imagetest.TruncatedJPEG(), false)
			}, 200, "BAD_USER_INPUT", "NOT_AN_IMAGE", "input.file"},
			{"PNGBomb", func(t *testing.T) *response {
				return e.upload(t, token, "face.png", imagetest.PNGBomb(20000, 20000), false)
			}, 200, "BAD_USER_INPUT", "IMAGE_TOO_LARGE", "input.file"},
			{"TinyImage", func(t *testing.T) *response {
				// 8 x 8: a picture, but too small to show a face.
				return e.upload(t, token, "face.jpg", imagetest.JPEGWithMetadata(8, 8, 1, imagetest.TopLeft), false)
			}, 200, "BAD_USER_INPUT", "IMAGE_TOO_SMALL", "input.file"},
			{"ThinImage", func(t *testing.T) *response {
				// Wide enough, one pixel short of the shortest side.
				return e.upload(t, token, "face.jpg", imagetest.JPEGWithMetadata(1000, 127, 1, imagetest.TopLeft), false)
			}, 200, "BAD_USER_INPUT", "IMAGE_TOO_SMALL", "input.file"},
			{"UploadOverLimit", func(t *testing.T) *response {
				return e.upload(t, token, "face.jpg", bytes.Repeat([]byte{0xff}, int(e.App.Config.MaxUploadBytes)+100<<10), false)
			}, 413, "BAD_USER_INPUT", "FILE_TOO_LARGE", "input.file"},
			{"FileOverLimit", func(t *testing.T) *response {
				// Within the multipart allowance, over the file limit.
				return e.upload(t, token, "face.jpg", bytes.Repeat([]byte{0xff}, int(e.App.Config.MaxUploadBytes)+1), false)
			}, 200, "BAD_USER_INPUT", "FILE_TOO_LARGE", "input.file"},
			{"BodyOverLimit", func(t *testing.T) *response {
				return e.do(t, request{Query: `{ viewer { id } }` + strings.Repeat(" ", int(e.App.Config.MaxBodyBytes))})
			}, 413, "BAD_USER_INPUT", "BODY_TOO_LARGE", ""},
			{"AnonymousUpload", func(t *testing.T) *response {
				return e.upload(t, anon.StartAnonymousSession.Token, "face.jpg", imagetest.JPEGWithMetadata(160, 160, 1, imagetest.TopLeft), false)
			}, 401, "UNAUTHENTICATED", "", ""},
			{"MalformedToken", func(t *testing.T) *response {
				return e.do(t, request{Token: "fsa_not-a-real-token", Query: `{ viewer { id } }`})
			}, 401, "UNAUTHENTICATED", "TOKEN_INVALID", ""},
			{"ForgedAnonymousToken", func(t *testing.T) *response {
				forged := anon.StartAnonymousSession.Token[:len(anon.StartAnonymousSession.Token)-2] + "AA"
				return e.do(t, request{Token: forged, Query: `{ viewer { id } }`})
			}, 401, "UNAUTHENTICATED", "TOKEN_INVALID", ""},
			{"NotBearer", func(t *testing.T) *response {
				return e.do(t, request{Header: http.Header{"Authorization": {"Basic Zm9vOmJhcg=="}}, Query: `{ viewer { id } }`})
			}, 401, "UNAUTHENTICATED", "TOKEN_INVALID", ""},
			{"TooDeep", func(t *testing.T) *response {
				q := `{ photos(first: 1) { nodes { owner { photos(first: 1) { nodes { owner { photos(first: 1) { nodes { owner {
					photos(first: 1) { nodes { owner { handle } } } } } } } } } } } } }`
				return e.do(t, request{Query: q})
			}, 200, "GRAPHQL_VALIDATION_FAILED", "DEPTH_LIMIT_EXCEEDED", ""},
			{"FirstTooLarge", func(t *testing.T) *response {
				return e.do(t, request{Query: `{ photos(first: 1000) { nodes { id } } }`})
			}, 200, "BAD_USER_INPUT", "OUT_OF_RANGE", "first"},
			{"ParseError", func(t *testing.T) *response {
				return e.do(t, request{Query: `{ photos(first: `})
			}, 200, "GRAPHQL_PARSE_FAILED", "", ""},
			{"StringForFile", func(t *testing.T) *response {
				return e.do(t, request{Token: token, Query: uploadMutation, Vars: map[string]any{"file": "not a file"}})
			}, 200, "BAD_USER_INPUT", "INVALID", "input.file"},
			{"TooComplex", func(t *testing.T) *response {
				// 100 photos of 100 owners' 100 photos each: far past the complexity limit.
				return e.do(t, request{Query: `{ photos(first: 100) { nodes { id owner { photos(first: 100) { nodes { id imageUrl width height } } } } } }`})
			}, 200, "COMPLEXITY_LIMIT_EXCEEDED", "", ""},
			{"UnsupportedContentType", func(t *testing.T) *response {
				hr, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(`query={viewer{id}}`))
				hr.Header.Set("Content-Type", "text/plain")
				return e.send(t, hr, request{})
			}, 400, "GRAPHQL_PARSE_FAILED", "", ""},
			{"MultipartWithoutOperations", func(t *testing.T) *response {
				hr, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--x--\r\n"))
				hr.Header.Set("Content-Type", "multipart/form-data; boundary=x")
				return e.send(t, hr, request{Token: token})
			}, 422, "GRAPHQL_PARSE_FAILED", "", ""}, // a malformed upload: gqlgen's multipart transport, unchanged
			{"BadID", func(t *testing.T) *response {
				return e.do(t, request{Token: token, Query: `mutation { deletePhoto(input: {photoId: "nope"}) { deletedPhotoId } }`})
			}, 200, "BAD_USER_INPUT", "INVALID", "input.photoId"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.snapshot(t)
				r := c.send(t)
				if r.Status != c.status || r.code() != c.code || (c.reason != "" && r.ext("reason") != c.reason) ||
					(c.field != "" && r.ext("field") != c.field) {
					t.Errorf("got status %d errors %+v; want %d %s %s %s", r.Status, r.Errors, c.status, c.code, c.reason, c.field)
				}
				if after := e.snapshot(t); after.String() != before.String() {
					t.Errorf("state changed:\n before %v\n after  %v", before, after)
				}
			})
		}

		t.Run("QuotaReached", func(t *testing.T) {
			e.upload(t, token, "third.jpg", imagetest.JPEGWithMetadata(164, 148, 1, imagetest.TopLeft), false).decode(t, &struct{}{})
			before := e.snapshot(t)
			r := e.upload(t, token, "fourth.jpg", imagetest.JPEGWithMetadata(148, 164, 1, imagetest.TopLeft), false)
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "QUOTA_REACHED" {
				t.Fatalf("got %+v", r.Errors)
			}
			if after := e.snapshot(t); after.String() != before.String() {
				t.Errorf("state changed:\n before %v\n after  %v", before, after)
			}
		})

		t.Run("ExpiredToken", func(t *testing.T) {
			before := e.snapshot(t)
			e.Clock.Advance(e.App.Config.AccessTokenTTL + time.Minute)
			r := e.do(t, request{Token: token, Query: `{ viewer { id } }`})
			if r.Status != 401 || r.code() != "UNAUTHENTICATED" || r.ext("reason") != "TOKEN_EXPIRED" {
				t.Fatalf("got %d %+v", r.Status, r.Errors)
			}
			if after := e.snapshot(t); after.String() != before.String() {
				t.Errorf("state changed:\n before %v\n after  %v", before, after)
			}
		})
	})
}
