package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/frontend"
	"github.com/facestat/facestat/frontpage"
	"github.com/facestat/facestat/precompressed/precompressedtest"
)

var frontData = regexp.MustCompile(`<script id="facestat-data" type="application/json">(.*?)</script>`)

// TestFrontPage: / is generated in the background with the recent public
// photos inlined as markup and JSON; serving it costs no statement, and a
// client holding the current version gets 304.
func TestFrontPage(t *testing.T) {
	var c statementCounter
	count := app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &c} })
	e := startEnv(t, "", nil, count)
	owner := e.account(t, "front_owner")
	public := liveUpload(t, e, owner, true)
	private := liveUpload(t, e, owner, false)
	if err := e.App.Front.Render(context.Background()); err != nil {
		t.Fatal(err)
	}
	quiesce(&c.all)
	c.start("") // the front page takes a short cut past request ids: count everything
	res, body := get(t, e.URL+"/")
	if res.StatusCode != http.StatusOK || c.n.Load() != 0 {
		t.Fatalf("GET /: %d, %d statements", res.StatusCode, c.n.Load())
	}
	m := frontData.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no inlined data in %s", body)
	}
	var data frontpage.Data
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Recent) != 1 || data.Recent[0].ID != public || data.Recent[0].PostedBy.Handle != "front_owner" {
		t.Fatalf("recent photos: %+v (private %s must not be listed)", data.Recent, private)
	}
	if !regexp.MustCompile(`<img src="[^"]+/thumb/`).Match(body) {
		t.Fatal("no thumbnail markup")
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified || res.Header.Get("ETag") == "" {
		t.Fatalf("conditional GET: %d (ETag %q)", again.StatusCode, res.Header.Get("ETag"))
	}

	// Every encoding, as browsers and others ask: the same page, compressed
	// once per rendering, an ETag each, 304s and HEAD; still no statement.
	page := e.App.Front.Current()
	if page == nil {
		t.Fatal("no current rendering")
	}
	_, gz := precompressedtest.Fetch(t, http.MethodGet, e.URL+"/", map[string]string{"Accept-Encoding": "gzip"})
	if !bytes.Equal(precompressedtest.Decode(t, "gzip", gz), page.Body) {
		t.Fatal("the page served is not the current rendering")
	}
	tags := precompressedtest.CheckRepresentations(t, e.URL+"/", page.Body, precompressedtest.Options{
		Header: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": frontpage.CacheControl, "X-Content-Type-Options": "nosniff"},
		ETag:   page.ETag,
	})
	if c.n.Load() != 0 {
		t.Fatalf("serving the front page ran %d statements", c.n.Load())
	}

	// Rendering again with nothing changed keeps the page, its ETags and so
	// the clients' 304s; a new photo makes a new page.
	if err := e.App.Front.Render(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.App.Front.Current() != page {
		t.Fatal("an unchanged rendering replaced the page")
	}
	newer := liveUpload(t, e, owner, true)
	if err := e.App.Front.Render(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := e.App.Front.Current()
	if next == page || next.ETag == page.ETag || !strings.Contains(string(next.Body), newer) {
		t.Fatalf("a new photo did not make a new page (ETag %s, was %s)", next.ETag, page.ETag)
	}
	res, _ = precompressedtest.Fetch(t, http.MethodGet, e.URL+"/", map[string]string{"Accept-Encoding": "br", "If-None-Match": tags["br"]})
	if res.StatusCode != 200 || res.Header.Get("ETag") != strings.TrimSuffix(next.ETag, `"`)+`-br"` {
		t.Fatalf("the old page's ETag after a new rendering: %d %v", res.StatusCode, res.Header)
	}
}

// TestWebAppPrecompressed: the embedded app's index.html (app routes) and
// hashed assets come compressed, decode to the embedded files, and carry
// their cache lifetimes, an ETag per encoding (304 for it) and nosniff
// (precompressedtest.CheckRepresentations); images keep theirs (TestPhoto
// checks them).
func TestWebAppPrecompressed(t *testing.T) {
	e := startEnv(t, "", nil)
	dist := frontend.Dist()
	shell, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"/judge": shell}
	assets, _ := fs.Glob(dist, "assets/*.js")
	if len(assets) > 0 { // a build with the app (make frontend), not the placeholder
		b, err := fs.ReadFile(dist, assets[0])
		if err != nil {
			t.Fatal(err)
		}
		files["/"+assets[0]] = b
	}
	for p, want := range files {
		cache := "no-cache"
		if strings.HasPrefix(p, "/assets/") {
			cache = "public, max-age=31536000, immutable"
		}
		precompressedtest.CheckRepresentations(t, e.URL+p, want, precompressedtest.Options{
			Header: map[string]string{"Cache-Control": cache, "X-Content-Type-Options": "nosniff"},
		})
	}
}

// TestFrontPageDropsAChangedPhoto: a photo the front page shows that is
// made private, or deleted, leaves the page at once (the renderer is told
// of the change and renders again), not at the next interval, which is an
// hour here: its thumbnail would 404, and a private photo must not stay
// listed.
func TestFrontPageDropsAChangedPhoto(t *testing.T) {
	e := startEnv(t, "", nil)
	owner := e.account(t, "front_changes")
	kept := liveUpload(t, e, owner, true)
	private := liveUpload(t, e, owner, true)
	deleted := liveUpload(t, e, owner, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); e.App.Front.Run(ctx, time.Hour) }()
	defer func() { cancel(); <-done }()

	listed := func(id string) bool {
		p := e.App.Front.Current()
		return p != nil && strings.Contains(string(p.Body), id)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s (the rendering interval is an hour)", what)
			}
		}
	}
	waitFor("the first rendering lists the three photos", func() bool { return listed(kept) && listed(private) && listed(deleted) })

	e.gql(t, owner, `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: false}) { photo { id } } }`, map[string]any{"id": private}, &struct{}{})
	waitFor("the photo made private leaves the page", func() bool { return !listed(private) })
	e.gql(t, owner, `mutation($id: ID!) { deletePhoto(input: {photoId: $id}) { deletedPhotoId } }`, map[string]any{"id": deleted}, &struct{}{})
	waitFor("the deleted photo leaves the page", func() bool { return !listed(deleted) })
	if !listed(kept) {
		t.Fatal("the photo that did not change left the page")
	}
	res, body := get(t, e.URL+"/")
	if res.StatusCode != http.StatusOK || strings.Contains(string(body), private) || strings.Contains(string(body), deleted) || !strings.Contains(string(body), kept) {
		t.Fatalf("GET / after the changes: %d, lists the private %v, the deleted %v, the kept %v", res.StatusCode,
			strings.Contains(string(body), private), strings.Contains(string(body), deleted), strings.Contains(string(body), kept))
	}
}
