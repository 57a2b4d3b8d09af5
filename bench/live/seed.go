package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

// api calls FaceStat's GraphQL endpoint over keep-alive HTTP.
type api struct{ *benchkit.Client }

func newAPI(base string, conns int) *api {
	return &api{benchkit.NewClient(base, conns, 30*time.Second)}
}

// mustCall is Call for the set-up, where any error is fatal.
func (a *api) mustCall(token, query string, vars map[string]any, out any) error {
	data, code, msg := a.Call(token, query, vars)
	if code != "" {
		return fmt.Errorf("%s: %s", code, msg)
	}
	return json.Unmarshal(data, out)
}

// anonymousSessions starts n anonymous judges and returns their tokens.
func (a *api) anonymousSessions(ctx context.Context, n int) ([]string, error) {
	tokens := make([]string, n)
	// At most admit-sign-ins (8 by default) at once: more are refused.
	err := forEach(ctx, n, min(8, max(n, 1)), func(i int) error {
		var out struct{ StartAnonymousSession struct{ Token string } }
		err := a.mustCall("", `mutation { startAnonymousSession { token } }`, nil, &out)
		if err == nil && out.StartAnonymousSession.Token == "" {
			err = fmt.Errorf("empty token")
		}
		if err != nil {
			return fmt.Errorf("startAnonymousSession: %w", err)
		}
		tokens[i] = out.StartAnonymousSession.Token
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tokens, nil
}

// forEach calls f(i) for i in 0..n-1 from workers goroutines, until ctx is
// done, and returns the first error f returned (the others still run), or
// ctx's error.
func forEach(ctx context.Context, n, workers int, f func(i int) error) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return cmp.Or(firstErr, ctx.Err())
}

const uploadMutation = `mutation($file: Upload!, $public: Boolean) {
  uploadPhoto(input: {file: $file, public: $public}) { photo { id isPublic } }
}`

// seedPhotos signs up a few accounts and uploads n public photos (small
// generated JPEGs) through the GraphQL multipart request, and returns the
// photos' global ids.
func (a *api) seedPhotos(ctx context.Context, n int) ([]string, error) {
	owners := min(max(1, (n+49)/50), 8)
	tokens := make([]string, owners)
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	for i := range owners {
		handle := fmt.Sprintf("live_owner%d_%s", i, suffix)
		var out struct{ SignUp struct{ Token string } }
		err := a.mustCall("", `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
			map[string]any{"in": map[string]any{"handle": handle, "email": handle + "@example.com", "password": "correct horse battery staple"}}, &out)
		if err != nil {
			return nil, fmt.Errorf("signUp: %w", err)
		}
		tokens[i] = out.SignUp.Token
	}
	ids := make([]string, n)
	err := forEach(ctx, n, 4, func(i int) error {
		id, err := a.upload(tokens[i%owners], syntheticFace(i))
		if err != nil {
			return fmt.Errorf("uploadPhoto %d: %w", i, err)
		}
		ids[i] = id
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

func (a *api) upload(token string, jpg []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": uploadMutation, "variables": map[string]any{"file": nil, "public": true}})
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", `{"0":["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", "face.jpg")
	fw.Write(jpg)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	data, code, msg := a.Do(req, token)
	if code != "" {
		return "", fmt.Errorf("%s: %s", code, msg)
	}
	var out struct {
		UploadPhoto struct {
			Photo struct {
				ID       string
				IsPublic bool
			}
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return "", err
	}
	if out.UploadPhoto.Photo.ID == "" || !out.UploadPhoto.Photo.IsPublic {
		return "", fmt.Errorf("unexpected answer %s", data)
	}
	return out.UploadPhoto.Photo.ID, nil
}

// syntheticFace draws a small, plain face (an oval, two eyes, a mouth) in
// colours that vary with i, as a JPEG: not a real person.
func syntheticFace(i int) []byte {
	const w, h = 240, 300
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{uint8(40 + i*37%160), uint8(60 + i*53%150), uint8(80 + i*71%140), 255}
	skin := color.RGBA{uint8(150 + i*13%100), uint8(110 + i*17%90), uint8(80 + i*19%80), 255}
	dark := color.RGBA{30, 25, 20, 255}
	in := func(x, y, cx, cy, rx, ry float64) bool {
		dx, dy := (x-cx)/rx, (y-cy)/ry
		return dx*dx+dy*dy <= 1
	}
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			c := bg
			if in(fx, fy, 120, 150, 80, 110) {
				c = skin
			}
			if in(fx, fy, 90, 125, 12, 8) || in(fx, fy, 150, 125, 12, 8) || in(fx, fy, 120, 205, 30, 8) {
				c = dark
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}
