// Package frontend embeds the built single-page app (see frontend/README.md).
// dist/ is committed holding only .gitkeep, so the Go binary builds without
// Node; until the web app is built into it (`make frontend`), Dist serves a
// placeholder page instead.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

//go:embed placeholder.html
var placeholder embed.FS

// Dist returns the built app, rooted at its index.html; without a built app,
// a file system holding only the placeholder page as index.html.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed directive guarantees dist exists
	}
	if !Built() {
		return placeholderFS{}
	}
	return sub
}

// Built reports whether the web app was built into the binary.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

// placeholderFS holds one file, index.html: placeholder.html.
type placeholderFS struct{}

func (placeholderFS) Open(name string) (fs.File, error) {
	if name != "index.html" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return placeholder.Open("placeholder.html")
}
