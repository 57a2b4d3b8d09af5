// Package frontend embeds the built single-page app and its GraphiQL page
// (see frontend/README.md). dist/ is committed holding only .gitkeep, so the
// Go binary builds without Node; until the web app is built into it (`make
// frontend`), Dist serves placeholder pages instead.
package frontend

import (
	"embed"
	"encoding/json"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

//go:embed placeholder.html placeholder-graphiql.html
var placeholder embed.FS

// placeholders are the pages of a build without the app, by the name of the
// built page each stands in for.
var placeholders = map[string]string{
	"index.html":    "placeholder.html",
	"graphiql.html": "placeholder-graphiql.html",
}

// Dist returns the built app, rooted at its index.html (GraphiQL's page is
// graphiql.html); without a built app, a file system holding only the
// placeholder pages as index.html and graphiql.html (see Placeholder).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed directive guarantees dist exists
	}
	if !Built() {
		return Placeholder()
	}
	return sub
}

//go:embed routes.json
var routes []byte

// Routes returns the web app's pages, as net/http patterns ("/judge",
// "/photos/{id}"): the paths the server answers with the app, and the app
// shows a page for (src/App.tsx, checked against this list by the
// end-to-end tests). Any other path is the app's not-found page.
func Routes() []string {
	var out []string
	if err := json.Unmarshal(routes, &out); err != nil {
		panic("frontend/routes.json: " + err.Error()) // embedded: a build-time mistake
	}
	return out
}

// Placeholder returns what Dist returns without a built app: index.html
// pointing to the API, and graphiql.html saying GraphiQL needs the app
// built.
func Placeholder() fs.FS { return placeholderFS{} }

// Built reports whether the web app was built into the binary.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

// placeholderFS holds the placeholder pages, under the names in placeholders.
type placeholderFS struct{}

func (placeholderFS) Open(name string) (fs.File, error) {
	file, ok := placeholders[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return placeholder.Open(file)
}

//go:embed operations.json
var operations []byte

// Operations returns the names of the GraphQL operations the web app sends
// (the documents in src/gql/graphql.ts, listed in operations.json; a test
// checks the two agree). Metrics label operations by these names; any
// other name, chosen by a client, is one label.
func Operations() []string {
	var out []string
	if err := json.Unmarshal(operations, &out); err != nil {
		panic("frontend/operations.json: " + err.Error()) // embedded: a build-time mistake
	}
	return out
}
