// Package frontpage generates FaceStat's front page in the background:
// the web app's HTML shell with the recent and top public photos inlined,
// as markup and as JSON the app takes over. Requests get bytes from
// memory: loading the front page costs no query and no API call, which is
// what keeps it up when a Yahoo front-page link sends everyone at once.
package frontpage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/precompressed"
	"github.com/facestat/facestat/relay"
)

// Size is how many photos each list shows.
const Size = 12

// TopQuestion is the question the front page's top list ranks by.
const TopQuestion = "attractive"

// Photo is a photo as the page inlines it (and the app reads it).
type Photo struct {
	ID           string `json:"id"`
	ImageURL     string `json:"imageUrl"`
	ThumbnailURL string `json:"thumbnailUrl"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	VoteCount    int    `json:"voteCount"`
	// PostedBy is who posted it (the page lists public photos only, whose
	// owner anyone may know: authz's Owner).
	PostedBy struct {
		Handle string `json:"handle"`
	} `json:"postedBy"`
}

// Data is the JSON the page carries in <script id="facestat-data">.
// GeneratedAt is when its content was generated: a rendering that finds
// the same photos, counts included, keeps the page being served.
type Data struct {
	Recent      []Photo   `json:"recent"`
	Top         []Photo   `json:"top"`
	GeneratedAt time.Time `json:"generatedAt"`
}

// Page is one rendering, immutable once made: the HTML and its gzip and
// brotli encodings, compressed once when the page is rendered.
type Page struct {
	Body []byte // the HTML, uncompressed
	ETag string // the uncompressed representation's; the others add -gz or -br

	res         *precompressed.Resource
	generatedAt time.Time
	listed      map[uuid.UUID]bool // the photos the page shows
}

// CacheControl is the front page's Cache-Control. The page is rendered
// every few seconds and a 304 costs next to nothing here, so:
//   - browsers (max-age=0) revalidate on every visit, with If-None-Match;
//   - shared caches, a CDN in front of a spike, may serve it for 5 s
//     (s-maxage, the default rendering interval) without asking: one
//     request per edge every 5 s instead of one per visitor, for a page at
//     most one interval older than ours;
//   - stale-while-revalidate lets a cache answer with the copy it has while
//     it fetches the next one, for 10 s more, so that expiry does not queue
//     every visitor behind one fetch (browsers that honour it show a page
//     at most as old as a shared cache would);
//   - public: the page is the same for everyone, whoever asks (no cookie
//     or token changes it).
//
// Vary: Accept-Encoding keeps the encodings apart in every cache.
const CacheControl = "public, max-age=0, s-maxage=5, stale-while-revalidate=10"

// newPage compresses body, generated at, and makes the page of it.
func newPage(body []byte, at time.Time) *Page {
	res := precompressed.New(body, precompressed.Options{ContentType: "text/html; charset=utf-8", CacheControl: CacheControl})
	return &Page{Body: body, ETag: res.ETag(precompressed.Identity), res: res, generatedAt: at}
}

// Encoded is the page's body in encoding e (nil when that encoding would
// not be smaller than the page), and its ETag.
func (p *Page) Encoded(e precompressed.Encoding) ([]byte, string) {
	return p.res.Body(e), p.res.ETag(e)
}

// Current is the page being served, nil before the first rendering.
func (r *Renderer) Current() *Page { return r.page.Load() }

// Renderer keeps the current page.
type Renderer struct {
	Photos   *photos.Service
	Identity *identity.Service // the photos' owners' handles
	Judging  *judging.Service
	WebApp   fs.FS // the built app; its index.html is the shell
	Log      *slog.Logger

	page     atomic.Pointer[Page]
	wakeOnce sync.Once
	wake     chan struct{} // a rendering wanted now (PhotoChanged)
}

// PhotoChanged implements photos.ChangeObserver: a photo the page shows
// that is deleted, made private or taken down leaves the page at once (Run
// renders now) rather than at the next interval, since its thumbnail would
// 404 and a photo no longer public must not stay listed. Other instances'
// pages follow at their next rendering (front-page-interval), and shared
// caches within the page's s-maxage (CacheControl).
func (r *Renderer) PhotoChanged(ctx context.Context, c photos.Change) {
	if p := r.page.Load(); c.Photo == nil || p == nil || !p.listed[c.Photo.ID] {
		return
	}
	select {
	case r.wakeup() <- struct{}{}:
	default: // a rendering is wanted already
	}
}

func (r *Renderer) wakeup() chan struct{} {
	r.wakeOnce.Do(func() { r.wake = make(chan struct{}, 1) })
	return r.wake
}

// Render builds the page from the database and makes it current.
func (r *Renderer) Render(ctx context.Context) error {
	shell, err := fs.ReadFile(r.WebApp, "index.html")
	if err != nil {
		return fmt.Errorf("frontpage: shell: %w", err)
	}
	recent, _, err := r.Photos.List(ctx, nil, relay.Page{N: Size}, photos.Listing{})
	if err != nil {
		return fmt.Errorf("frontpage: recent: %w", err)
	}
	var top []*ent.Photo
	if q, ok := r.Judging.Survey.ByKey(TopQuestion); ok {
		ranked := r.Judging.Standings.Top(q.ID)
		ids := make([]uuid.UUID, 0, Size)
		for _, rk := range ranked[:min(len(ranked), 2*Size)] { // some may have gone private since
			ids = append(ids, rk.Photo)
		}
		byID, err := r.Photos.Fresh(ctx, ids)
		if err != nil {
			return fmt.Errorf("frontpage: top: %w", err)
		}
		for _, id := range ids {
			if p := byID[id]; p != nil && authz.Listed(photos.FactsOf(p)) && len(top) < Size {
				top = append(top, p)
			}
		}
	}
	shown := append(append([]*ent.Photo{}, recent...), top...)
	handles, err := r.handles(ctx, shown)
	if err != nil {
		return err
	}
	data := Data{Recent: r.convert(recent, handles), Top: r.convert(top, handles)}
	// Nothing changed since the page being served: keep it, its ETag and
	// so the clients' 304s, and save compressing it again.
	if prev := r.page.Load(); prev != nil {
		data.GeneratedAt = prev.generatedAt
		if same, err := build(shell, data); err == nil && bytes.Equal(same, prev.Body) {
			return nil
		}
	}
	data.GeneratedAt = time.Now().UTC()
	body, err := build(shell, data)
	if err != nil {
		return err
	}
	// Compressing costs about 70-80 ms of CPU for a page of 24 photos
	// (18 KB: brotli 11 makes 2.8 KB of it, gzip -9 3.4 KB; brotli is nearly
	// all the time, BenchmarkNewPage), once per rendering that changed
	// something, at most 1.6 % of a core at the 5 s interval; never per
	// request. (Brotli 10 would take 28 ms for 17 bytes more.) It leaves
	// about 3.9 MB of garbage, 37 MB before brotli's window fit the body
	// (precompressed.brotliWindow): on an instance holding thousands of
	// live sockets, each rendering was an eighth of what it allocated.
	t0 := time.Now()
	p := newPage(body, data.GeneratedAt)
	p.listed = make(map[uuid.UUID]bool, len(shown))
	for _, ph := range shown {
		p.listed[ph.ID] = true
	}
	r.page.Store(p)
	if r.Log != nil {
		r.Log.Debug("front page rendered", "bytes", len(body), "gzip_bytes", len(p.res.Body(precompressed.Gzip)),
			"br_bytes", len(p.res.Body(precompressed.Brotli)), "compress_ms", time.Since(t0).Milliseconds())
	}
	return nil
}

func (r *Renderer) handles(ctx context.Context, list []*ent.Photo) (map[uuid.UUID]string, error) {
	ids := make([]uuid.UUID, 0, len(list))
	for _, p := range list {
		ids = append(ids, p.OwnerID)
	}
	users, err := r.Identity.Users(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("frontpage: owners: %w", err)
	}
	out := map[uuid.UUID]string{}
	for _, u := range users {
		if u.Handle != nil {
			out[u.ID] = *u.Handle
		}
	}
	return out, nil
}

func (r *Renderer) convert(list []*ent.Photo, handles map[uuid.UUID]string) []Photo {
	out := make([]Photo, 0, len(list))
	for _, p := range list {
		ph := Photo{ID: relay.ID("Photo", p.ID), ImageURL: r.Photos.URL(p.ImageKey), ThumbnailURL: r.Photos.URL(p.ThumbKey),
			Width: p.Width, Height: p.Height, VoteCount: p.VoteCount}
		ph.PostedBy.Handle = handles[p.OwnerID]
		out = append(out, ph)
	}
	return out
}

var markup = template.Must(template.New("front").Parse(`<main class="prerendered">
<h1>FaceStat</h1>
<p>How do you come across? Strangers guess your age and say whether you look trustworthy, intelligent, happy.</p>
<p><a href="/judge">Judge now</a> · <a href="/upload">Upload yours</a></p>
{{if .Top}}<h2>Top photos</h2><ul>{{range .Top}}<li><a href="/photos/{{.ID}}"><img src="{{.ThumbnailURL}}" alt="Photo by {{.PostedBy.Handle}}" loading="lazy"></a></li>{{end}}</ul>{{end}}
{{if .Recent}}<h2>Recent photos</h2><ul>{{range .Recent}}<li><a href="/photos/{{.ID}}"><img src="{{.ThumbnailURL}}" alt="Photo by {{.PostedBy.Handle}}" loading="lazy"></a></li>{{end}}</ul>{{end}}
</main>`))

// build puts the markup into the shell's root element and the JSON before
// </body>. encoding/json escapes <, > and &, so the JSON cannot end the
// script element early.
func build(shell []byte, data Data) ([]byte, error) {
	var m bytes.Buffer
	if err := markup.Execute(&m, data); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	page := string(shell)
	const root = `<div id="root"></div>`
	if strings.Contains(page, root) {
		page = strings.Replace(page, root, `<div id="root">`+m.String()+`</div>`, 1)
	} else if i := strings.Index(page, "<body>"); i >= 0 { // the placeholder shell of a build without the app
		i += len("<body>")
		page = page[:i] + m.String() + page[i:]
	}
	script := `<script id="facestat-data" type="application/json">` + string(raw) + `</script>`
	if i := strings.LastIndex(page, "</body>"); i >= 0 {
		page = page[:i] + script + page[i:]
	} else {
		page += script
	}
	return []byte(page), nil
}

// Run renders the page every interval, and at once when a photo it shows
// changed (PhotoChanged), until ctx ends, logging failures (the previous
// page stays served).
func (r *Renderer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.Render(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("rendering the front page", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wakeup():
		}
	}
}

// Serve serves the current page from memory: brotli, gzip or as it is,
// as Accept-Encoding prefers, with a strong ETag per encoding (304 when
// If-None-Match names it) and CacheControl; HEAD too. It allocates nothing
// of its own. Before the first rendering it answers false so the caller
// can serve the plain app.
func (r *Renderer) Serve(w http.ResponseWriter, req *http.Request) bool {
	p := r.page.Load()
	if p == nil {
		return false
	}
	p.res.ServeHTTP(w, req)
	return true
}
