package photos_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// photoQuery finds, in Go source, what queries the photos table outside
// package photos: the ent/photo package (its predicates, columns and
// table name), the Photo client of an ent client or transaction
// (x.Photo.Query(), tx.Photo.Update(), ...), and SQL naming the table.
type photoQuery struct{}

var photoSQL = regexp.MustCompile(`(?i)\b(from|join|update|into)\s+"?photos"?\b`)

var photoClientMethods = map[string]bool{
	"Query": true, "Get": true, "GetX": true, "Create": true, "CreateBulk": true, "MapCreateBulk": true,
	"Update": true, "UpdateOne": true, "UpdateOneID": true, "Delete": true, "DeleteOne": true, "DeleteOneID": true,
}

// find returns where file src (named name) queries the photos table.
func (photoQuery) find(name string, src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	at := func(n ast.Node, what string) { out = append(out, fset.Position(n.Pos()).String()+": "+what) }
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/facestat/facestat/ent/photo" {
			at(imp, "imports ent/photo")
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if inner, ok := n.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "Photo" && photoClientMethods[n.Sel.Name] {
				at(n, "uses the Photo client ("+inner.Sel.Name+"."+n.Sel.Name+")")
			}
		case *ast.BasicLit:
			if v, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && photoSQL.MatchString(v) {
				at(n, "SQL on the photos table")
			}
		}
		return true
	})
	return out, nil
}

// TestNoPhotoQueryOutsidePhotos: every query of the photos table lives in
// package photos. Generated ent code, tests, benchmarks (which load data
// in bulk, as a tool) and migrations are not the service's code.
func TestNoPhotoQueryOutsidePhotos(t *testing.T) {
	root := filepath.Join("..")
	skipDirs := map[string]bool{"ent": true, "photos": true, "bench": true, "node_modules": true, "frontend": true, ".git": true}
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if skipDirs[rel] || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		hits, err := photoQuery{}.find(rel, src)
		found = append(found, hits...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("a photo query outside package photos: %s", f)
	}
}

// TestPhotoQueryFinds: the check finds each way of querying the table,
// and nothing in code that does not.
func TestPhotoQueryFinds(t *testing.T) {
	for _, c := range []struct {
		name, src string
		hits      int
	}{
		{"ImportsPredicates", `package x; import "github.com/facestat/facestat/ent/photo"; var _ = photo.IsPublic`, 1},
		{"ClientQuery", `package x; func f() { c.Photo.Query().All(ctx) }`, 1},
		{"TxGet", `package x; func f() { tx.Photo.Get(ctx, id) }`, 1},
		{"ClientUpdateOne", `package x; func f() { client.Photo.UpdateOneID(id).Exec(ctx) }`, 1},
		{"RawSQL", "package x; const q = `UPDATE photos SET vote_count = 0`", 1},
		{"RawSQLQuoted", `package x; const q = "select id from \"photos\" where true"`, 1},
		{"OK/ThroughPhotos", `package x; func f() { s.photos.Get(ctx, id); r.Photos.Load(ctx, ids) }`, 0},
		{"OK/Loader", `package x; func f() { r.loaders(ctx).Photo.Load(ctx, id) }`, 0},
		{"OK/Words", `package x; const s = "photos from strangers"`, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			hits, err := photoQuery{}.find("x.go", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != c.hits {
				t.Errorf("found %v, want %d", hits, c.hits)
			}
		})
	}
}
