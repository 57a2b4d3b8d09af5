package docs_test

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

// ARCHITECTURE.md's "Where each rule lives" says each rule has one place.
// TestRulesLiveInOnePlace holds the code to it: it reads every Go file of
// the service (not generated ent and gqlgen code, tests, benchmarks or the
// scripts) and reports what breaks a rule, by file and line. Each rule
// says which package may do what; ruleCases below shows each catching its
// case, so a rule cannot silently stop checking.
var rules = []rule{
	{
		name: "every query of the photos table lives in package photos",
		home: []string{"photos"},
		find: func(c *goCode) {
			c.imports("github.com/facestat/facestat/ent/photo", "imports ent/photo")
			c.selectorOn("Photo", entClientMethods, "uses the Photo client")
			c.identifiers(photoEdges, "follows an edge to photos")
			c.stringsMatching(photoSQL, "SQL on the photos table")
		},
	},
	{
		name: "a photo row means something to visibility only through photos.FactsOf",
		home: []string{"photos"},
		find: func(c *goCode) { c.selectorOn("", map[string]bool{"IsPublic": true}, "reads a photo's IsPublic") },
	},
	{
		name: "panics are recovered only in package panics",
		home: []string{"panics"},
		find: func(c *goCode) { c.calls("recover", "calls recover()") },
	},
	{
		name: "photo rows are cached and dropped only by photos",
		home: []string{"photos", "cache"},
		find: func(c *goCode) {
			c.selectorOn("cache", map[string]bool{"PhotoKey": true, "PhotoAccessKey": true}, "names a photo's cache key")
		},
	},
	{
		name: "statistics are cached and dropped only by judging",
		home: []string{"judging", "cache"},
		find: func(c *goCode) {
			c.selectorOn("cache", map[string]bool{"StatsKey": true}, "names statistics' cache key")
		},
	},
	{
		name: "users and sessions are cached and dropped only by identity",
		home: []string{"identity", "cache"},
		find: func(c *goCode) {
			c.selectorOn("cache", map[string]bool{"UserKey": true, "SessionKey": true}, "names a user's or session's cache key")
		},
	},
	{
		name: "every cache key is made by cache's builders",
		home: []string{"cache"},
		find: func(c *goCode) { c.stringsMatching(cacheKeyLiteral, "spells a cache key") },
	},
	{
		name: "shared settings are read and written only by package settings",
		home: []string{"settings"},
		find: func(c *goCode) {
			c.imports("github.com/facestat/facestat/ent/setting", "imports ent/setting")
			c.selectorOn("", map[string]bool{"Setting": true}, "uses the Setting client")
		},
	},
	{
		name: "rate limits are checked only through ratelimit.Policy",
		home: []string{"ratelimit"},
		find: func(c *goCode) {
			c.selectorOn("ratelimit", map[string]bool{"Check": true, "CheckClientIP": true}, "checks a rate limit by hand")
		},
	},
}

var (
	entClientMethods = map[string]bool{"Query": true, "Get": true, "GetX": true, "Create": true, "CreateBulk": true,
		"MapCreateBulk": true, "Update": true, "UpdateOne": true, "UpdateOneID": true, "Delete": true, "DeleteOne": true, "DeleteOneID": true}
	photoEdges      = map[string]bool{"QueryPhotos": true, "QueryPhoto": true, "HasPhotos": true, "HasPhotosWith": true, "HasPhoto": true, "HasPhotoWith": true, "WithPhotos": true, "WithPhoto": true}
	photoSQL        = regexp.MustCompile(`(?i)\b(from|join|update|into)\s+"?photos"?\b`)
	cacheKeyLiteral = regexp.MustCompile(`^(photo|access|stats|user|session|apikey):`)
)

type rule struct {
	name string
	home []string // the top-level packages the rule lets do it
	find func(*goCode)
}

// goCode is one parsed file and what rules found in it.
type goCode struct {
	fset  *token.FileSet
	file  *ast.File
	found []string
}

func (c *goCode) at(n ast.Node, what string) {
	c.found = append(c.found, c.fset.Position(n.Pos()).String()+": "+what)
}

func (c *goCode) imports(path, what string) {
	for _, imp := range c.file.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			c.at(imp, what)
		}
	}
}

// selectorOn finds x.Name for a Name in names, where x is the identifier
// on (any expression when on is ""), or, when on is a field name such as
// "Photo", any expression ending in .on (client.Photo.Query, tx.Photo.Get).
func (c *goCode) selectorOn(on string, names map[string]bool, what string) {
	ast.Inspect(c.file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || !names[sel.Sel.Name] {
			return true
		}
		switch x := sel.X.(type) {
		case *ast.Ident:
			if on == "" || x.Name == on {
				c.at(sel, what+" ("+x.Name+"."+sel.Sel.Name+")")
			}
		case *ast.SelectorExpr:
			if on == "" || x.Sel.Name == on {
				c.at(sel, what+" ("+x.Sel.Name+"."+sel.Sel.Name+")")
			}
		default:
			if on == "" {
				c.at(sel, what+" (."+sel.Sel.Name+")")
			}
		}
		return true
	})
}

func (c *goCode) identifiers(names map[string]bool, what string) {
	ast.Inspect(c.file, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] {
			c.at(id, what+" ("+id.Name+")")
		}
		return true
	})
}

func (c *goCode) calls(fn, what string) {
	ast.Inspect(c.file, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == fn {
				c.at(call, what)
			}
		}
		return true
	})
}

func (c *goCode) stringsMatching(re *regexp.Regexp, what string) {
	ast.Inspect(c.file, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, err := strconv.Unquote(lit.Value); err == nil && re.MatchString(v) {
				c.at(lit, what+" ("+lit.Value+")")
			}
		}
		return true
	})
}

// check runs r on src, a file of the package at dir (its top-level folder
// decides whether it is at home).
func (r rule) check(dir, name string, src []byte) ([]string, error) {
	for _, h := range r.home {
		if dir == h || strings.HasPrefix(dir, h+"/") {
			return nil, nil
		}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	c := &goCode{fset: fset, file: f}
	r.find(c)
	return c.found, nil
}

// serviceCode is every Go file of the service, by path from the root: no
// tests, no generated code (ent, graph/generated.go, graph/model), no
// benchmarks, scripts or test helpers.
func serviceCode(t *testing.T) map[string][]byte {
	t.Helper()
	root := ".."
	skip := map[string]bool{"ent": true, "bench": true, "scripts": true, "frontend": true, "node_modules": true,
		"graph/model": true, "internal/testenv": true, "db/dbtest": true, "redis/redistest": true, "blob/blobtest": true,
		"blob/s3blob/s3test": true, "imageproc/imagetest": true, "precompressed/precompressedtest": true}
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skip[rel] || (rel != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || rel == "graph/generated.go" {
			return nil
		}
		src, err := os.ReadFile(p)
		out[rel] = src
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRulesLiveInOnePlace(t *testing.T) {
	code := serviceCode(t)
	if len(code) < 50 {
		t.Fatalf("read %d Go files: not the repository", len(code))
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for path, src := range code {
				found, err := r.check(filepath.ToSlash(filepath.Dir(path)), path, src)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range found {
					t.Errorf("%s", f)
				}
			}
		})
	}
}

// TestRulesCatchTheirCase: each rule finds what it forbids outside its
// home and leaves its home and honest code alone.
func TestRulesCatchTheirCase(t *testing.T) {
	byName := map[string]rule{}
	for _, r := range rules {
		byName[r.name] = r
	}
	for _, c := range []struct {
		rule, dir, src string
		hits           int
	}{
		{"every query of the photos table lives in package photos", "graph", `package x; import "github.com/facestat/facestat/ent/photo"; var _ = photo.IsPublic`, 1},
		{"every query of the photos table lives in package photos", "judging", `package x; func f() { tx.Photo.Get(ctx, id); c.Photo.Query().All(ctx) }`, 2},
		{"every query of the photos table lives in package photos", "identity", `package x; func f() { client.User.QueryPhotos(u); user.HasPhotosWith() }`, 2},
		{"every query of the photos table lives in package photos", "judging", "package x; const q = `UPDATE photos SET vote_count = 0`", 1},
		{"every query of the photos table lives in package photos", "judging", `package x; const q = "select id from \"photos\""`, 1},
		{"every query of the photos table lives in package photos", "photos", `package x; func f() { tx.Photo.Get(ctx, id) }`, 0},
		{"every query of the photos table lives in package photos", "graph", `package x; func f() { r.Photos.Load(ctx, ids); r.loaders(ctx).Photo.Load(ctx, id) }`, 0},
		{"every query of the photos table lives in package photos", "graph", `package x; const s = "photos from strangers"`, 0},
		{"a photo row means something to visibility only through photos.FactsOf", "frontpage", `package x; func f() bool { return p.IsPublic }`, 1},
		{"panics are recovered only in package panics", "api", `package x; func f() { defer func() { recover() }() }`, 1},
		{"panics are recovered only in package panics", "panics", `package x; func f() { recover() }`, 0},
		{"photo rows are cached and dropped only by photos", "judging", `package x; var _ = cache.PhotoKey(id)`, 1},
		{"statistics are cached and dropped only by judging", "photos", `package x; var _ = cache.StatsKey(id)`, 1},
		{"statistics are cached and dropped only by judging", "judging", `package x; var _ = cache.StatsKey(id)`, 0},
		{"users and sessions are cached and dropped only by identity", "graph", `package x; var _ = cache.UserKey(id)`, 1},
		{"every cache key is made by cache's builders", "photos", `package x; var k = "photo:" + id.String()`, 1},
		{"shared settings are read and written only by package settings", "graph", `package x; func f() { r.Client.Setting.Get(ctx, "x") }`, 1},
		{"rate limits are checked only through ratelimit.Policy", "graph", `package x; func f() { ratelimit.Check(ctx, l, rule, key) }`, 1},
		{"rate limits are checked only through ratelimit.Policy", "identity", `package x; func f() { s.limits.SignIn(ctx, email) }`, 0},
	} {
		r, ok := byName[c.rule]
		if !ok {
			t.Fatalf("no rule %q", c.rule)
		}
		found, err := r.check(c.dir, c.dir+"/x.go", []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != c.hits {
			t.Errorf("%s, in %s: %s: found %v, want %d", c.rule, c.dir, c.src, found, c.hits)
		}
	}
}
