package api

import (
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"

	"github.com/facestat/facestat/precompressed"
)

// Cache-Control of the web app's files. Hashed assets (assets/*: Vite
// names them after their content) never change under their name; the
// shell, index.html, names the current ones and is revalidated every time.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheShell     = "no-cache"
)

// webAssets holds the web app's pages (index.html, the shell of every app
// route, and graphiql.html, GraphiQL's: a second Vite entry with hashed
// assets of its own; a build without the app has placeholders there) and
// hashed assets, each compressed (gzip and brotli) once, the first time it
// is asked for, and served from memory with precompressed's negotiation
// and ETags.
type webAssets struct {
	fsys     fs.FS
	index    *asset
	graphiql *asset
	files    map[string]*asset // by path, "assets/index-91DTrR4Z.js"
}

// asset is one file, read and compressed on first use. Concurrent first
// requests wait for the one compression.
type asset struct {
	name, cache string
	once        sync.Once
	res         *precompressed.Resource // nil when the file cannot be read
}

// newWebAssets lists fsys's pages and assets/ (without reading them).
func newWebAssets(fsys fs.FS) *webAssets {
	a := &webAssets{fsys: fsys, files: map[string]*asset{},
		index:    &asset{name: "index.html", cache: cacheShell},
		graphiql: &asset{name: "graphiql.html", cache: cacheShell}}
	if fsys == nil {
		return a
	}
	// No assets directory (the placeholder app): an error, and no assets.
	_ = fs.WalkDir(fsys, "assets", func(name string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			a.files[name] = &asset{name: name, cache: cacheImmutable}
		}
		return nil
	})
	return a
}

// resource is the asset's precompressed resource, made on first use.
func (a *asset) resource(fsys fs.FS) *precompressed.Resource {
	a.once.Do(func() {
		if fsys == nil {
			return
		}
		b, err := fs.ReadFile(fsys, a.name)
		if err != nil {
			return
		}
		ext := path.Ext(a.name)
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.res = precompressed.New(b, precompressed.Options{ContentType: ctype, CacheControl: a.cache, NoCompression: !compressible(ctype)})
	})
	return a.res
}

// compressible: text, and the formats of text (JavaScript, JSON, SVG, XML,
// source maps) or that compress (WebAssembly); not images, fonts (WOFF2 is
// brotli already) or archives.
func compressible(ctype string) bool {
	t, _, _ := strings.Cut(ctype, ";")
	switch {
	case strings.HasPrefix(t, "text/"), strings.HasSuffix(t, "+xml"), strings.HasSuffix(t, "+json"):
		return true
	}
	switch t {
	case "application/javascript", "application/json", "application/xml", "application/wasm", "application/manifest+json", "image/svg+xml":
		return true
	}
	return false
}
