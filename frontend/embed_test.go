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
	if !strings.Contains(string(b), "/graphiql") {
		t.Errorf("placeholder does not point to GraphiQL:\n%s", b)
	}
	if _, err := fs.Stat(Dist(), "assets/app.js"); err == nil {
		t.Error("placeholder file system serves files other than index.html")
	}
	if st, err := fs.Stat(Dist(), "index.html"); err != nil || st.IsDir() {
		t.Errorf("stat index.html: %v, %v", st, err)
	}
}
