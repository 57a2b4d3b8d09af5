package frontend

import (
	"io/fs"
	"strings"
	"testing"
)

// Dist always has an index.html: the built app's, or the placeholder page
// when dist/ holds only .gitkeep (a build without Node).
func TestDistHasIndex(t *testing.T) {
	b, err := fs.ReadFile(Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<title>FaceStat</title>") {
		t.Errorf("index.html is not FaceStat's:\n%s", b)
	}
	if Built() {
		return
	}
	if !strings.Contains(string(b), "/schema.graphql") {
		t.Errorf("placeholder does not point to the API's schema:\n%s", b)
	}
	if _, err := fs.Stat(Dist(), "assets/app.js"); err == nil {
		t.Error("placeholder file system serves files other than index.html")
	}
	if st, err := fs.Stat(Dist(), "index.html"); err != nil || st.IsDir() {
		t.Errorf("stat index.html: %v, %v", st, err)
	}
}

// Without a built app, graphiql.html is a page saying GraphiQL needs the app
// built, and nothing else but the two pages is there.
func TestPlaceholderGraphiQL(t *testing.T) {
	b, err := fs.ReadFile(Placeholder(), "graphiql.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>FaceStat GraphiQL</title>", "make frontend", "/schema.graphql"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("placeholder graphiql.html lacks %q:\n%s", want, b)
		}
	}
	for _, name := range []string{"placeholder.html", "placeholder-graphiql.html", "assets", "."} {
		if _, err := fs.Stat(Placeholder(), name); err == nil {
			t.Errorf("placeholder file system has %s", name)
		}
	}
}
