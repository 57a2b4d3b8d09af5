package integration_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/frontpage"
)

var frontData = regexp.MustCompile(`<script id="facestat-data" type="application/json">(.*?)</script>`)

// TestFrontPage: / is generated in the background with the recent public
// photos inlined as markup and JSON; serving it costs no statement, and a
// client holding the current version gets 304.
func TestFrontPage(t *testing.T) {
	var n atomic.Int64
	count := app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &n} })
	e := startEnv(t, "", nil, count)
	owner := e.account(t, "front_owner")
	public := liveUpload(t, e, owner, true)
	private := liveUpload(t, e, owner, false)
	if err := e.App.Front.Render(context.Background()); err != nil {
		t.Fatal(err)
	}
	quiesce(&n)
	n.Store(0)
	res, body := get(t, e.URL+"/")
	if res.StatusCode != http.StatusOK || n.Load() != 0 {
		t.Fatalf("GET /: %d, %d statements", res.StatusCode, n.Load())
	}
	m := frontData.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no inlined data in %s", body)
	}
	var data frontpage.Data
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Recent) != 1 || data.Recent[0].ID != public || data.Recent[0].Owner.Handle != "front_owner" {
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
}
