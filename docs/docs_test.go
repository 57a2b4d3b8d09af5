// Package docs_test checks that FaceStat's documentation names only things
// that exist. It lives beside the documents it guards and holds nothing
// but tests: no code imports it. TestDocs reads every Markdown file of the
// repository (README.md, frontend/README.md, frontend/e2e/README.md,
// docs/*.md, and any added later) and reports, with file and line:
//
//   - Paths. In code spans and fenced code blocks, a word containing '/'
//     whose first segment is a top-level entry of the repository or of the
//     document's own folder, or "..", or that ends in a known extension
//     (.go, .md, .mjs, .sql, .yml, ...), must be a file or folder of the
//     repository, found from the document's folder or from the root.
//     Words are split at blanks, quotes, brackets, commas and '='; a
//     leading "./" is dropped. Not checked: absolute paths (/images/...,
//     /usr/bin/chromium: URL paths and system files), words with ':' (URLs,
//     host:port, s3://), placeholders and globs ('<', '*', '$', "..."), Go
//     and npm module paths (net/http, @playwright/test), and paths that git
//     ignores (./data/blobs, bin/facestat, test-artifacts/e2e: what a build
//     or a run writes). A file name without a folder (alerts_test.yml,
//     placeholder.html) must be the name of some file of the repository.
//     A path that leaves the repository (../../x from docs/) is not ours.
//     writtenFiles lists the file names a program writes elsewhere.
//
//   - Links. A relative link target must exist, from the document's
//     folder, as GitHub resolves it. URLs and #anchors are not checked.
//
//   - Commands, where a shell command starts (a code span, a line of a code
//     block, after ';', '|', '&&' or variable assignments): `make X` must be
//     a target of the Makefile; `facestat X` (also ./bin/facestat X) a
//     command of cmd/facestat (its run's switch); `npm run X` and `npm
//     test` a script of the package.json of --prefix or of the document's
//     folder. So "perf report --comm facestat" or nginx's "upstream
//     facestat" name no command.
//
//   - Variables. Every FACESTAT_* anywhere in the text must be a setting
//     (as `facestat help` lists them) or one of otherVars below, the test
//     and development variables, each with why and each used in the code.
//     FACESTAT_S3_* must match at least one setting.
//
//   - Go names. A code span that is exactly pkg.Name or pkg.Type.Member
//     (optionally with "()") where pkg is the name of one of the
//     repository's Go packages must name something that package declares:
//     a top-level function, type, variable or constant (test files
//     included), a method, or for pkg.Type.Member a method or field of
//     that type. Parts without a capital letter are not checked, since
//     config.go or facestat.example read the same.
//
//   - Codes. A code span that looks like an error code or reason, an enum
//     value (BAD_USER_INPUT, PAUSE_UPLOADS) or one of FaceStat's metrics
//     (facestat_degradation_level) must be a Go string literal somewhere
//     or a word of schema.graphql.
//
//   - Tests. A code span that is the name of a test, benchmark, fuzz or
//     example function (TestFrontPageShortCut), and the -run and -bench
//     arguments of `go test` when they are such a name, must be a function
//     of some package.
//
//   - GraphQL. A code block marked graphql must validate against
//     schema.graphql. A code span Type.field, where Type is a type of the
//     schema (Photo.stats), must name one of its fields; a span that calls
//     a field with named arguments (nextPhoto(skip:), setDegradation(input:
//     {...}), subscription { photoStats(photoId:) }) must name a query,
//     mutation or subscription and its arguments. Field names alone in
//     prose (`first`, `stable`) cannot be told from English and are not
//     checked.
package docs_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/facestat/facestat/config"
	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
)

// otherVars are the FACESTAT_* variables documents may name that are not
// settings of the service.
var otherVars = map[string]string{
	"FACESTAT_TEST_DATABASE_URL": "the PostgreSQL server tests create their databases on (Makefile, test helpers)",
	"FACESTAT_E2E_CHROMIUM":      "the Chromium the end-to-end tests drive, when not /usr/bin/chromium",
	"FACESTAT_E2E_SKIP_BUILD":    "the end-to-end tests reuse the web app already built",
	"FACESTAT_DEV_API":           "where `npm run dev` proxies the API to (frontend/vite.config.ts)",
}

// writtenFiles are file names documents may give that are in no folder of
// the repository because a program writes them elsewhere.
var writtenFiles = map[string]string{
	"insert.sql": "pgbench's script, which bench/votes writes to a temporary folder",
}

func TestDocs(t *testing.T) {
	r := loadRepo(t, "..")
	var docs []string
	for f := range r.files {
		if strings.HasSuffix(f, ".md") {
			docs = append(docs, f)
		}
	}
	slices.Sort(docs)
	if len(docs) < 6 {
		t.Fatalf("found %d Markdown files (%v), want README.md, docs/*.md and the web app's", len(docs), docs)
	}
	for _, d := range docs {
		text, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(d)))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range checkDoc(r, d, string(text)) {
			t.Errorf("%s:%s", d, p)
		}
	}
}

// TestAllowlistsUsed keeps otherVars and writtenFiles short and true:
// each is used by some code, script or Makefile of the repository, and no
// variable of otherVars is a setting.
func TestAllowlistsUsed(t *testing.T) {
	r := loadRepo(t, "..")
	var names []string
	for v := range otherVars {
		if r.envVars[v] {
			t.Errorf("%s is a setting: drop it from otherVars", v)
		}
		names = append(names, v)
	}
	for f := range writtenFiles {
		names = append(names, f)
	}
	for _, v := range names {
		used := false
		for f := range r.files {
			if strings.HasSuffix(f, ".md") || strings.HasPrefix(f, "docs/") {
				continue
			}
			if b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(f))); err == nil && bytes.Contains(b, []byte(v)) {
				used = true
				break
			}
		}
		if !used {
			t.Errorf("%s is allowed in the docs but no code uses it: drop it", v)
		}
	}
}

// loadRepo reads what the documents may name from the checkout at root:
// its files (git's list: tracked, and new files not ignored), the
// Makefile's targets, facestat's commands, the settings, package.json
// scripts, every Go package's declarations and string literals, and the
// GraphQL schema.
func loadRepo(t *testing.T, root string) *repo {
	t.Helper()
	r := &repo{
		files: map[string]bool{}, dirs: map[string]bool{}, bases: map[string]bool{},
		makeTargets: map[string]bool{}, subcommands: map[string]bool{}, envVars: map[string]bool{},
		otherVars: otherVars, npmScripts: map[string]map[string]bool{}, packages: map[string]*goPackage{},
		testFuncs: map[string]bool{}, literals: map[string]bool{}, written: writtenFiles,
	}
	out, err := git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		t.Fatalf("git ls-files (the docs are checked against git's list of files): %v", err)
	}
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f))); err != nil {
			continue // deleted, not yet committed
		}
		r.files[f] = true
		r.bases[path.Base(f)] = true
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			r.dirs[d] = true
		}
	}
	r.ignored = func(p string) bool {
		_, err := git(root, "check-ignore", "-q", "--", p)
		return err == nil
	}

	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range makeRule.FindAllStringSubmatch(string(mk), -1) {
		for _, target := range strings.Fields(m[1]) {
			if !strings.HasPrefix(target, "$") && !strings.HasPrefix(target, ".") {
				r.makeTargets[target] = true
			}
		}
	}

	r.subcommands = commands(t, filepath.Join(root, "cmd", "facestat", "main.go"))

	var usage bytes.Buffer
	config.Usage(&usage)
	for _, v := range regexp.MustCompile(`\$(FACESTAT_[A-Z0-9_]+)`).FindAllStringSubmatch(usage.String(), -1) {
		r.envVars[v[1]] = true
	}

	fset := token.NewFileSet()
	for f := range r.files {
		switch {
		case path.Base(f) == "package.json" && !strings.Contains(f, "node_modules/"):
			var pkg struct{ Scripts map[string]string }
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
			if err == nil {
				err = json.Unmarshal(b, &pkg)
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			scripts := map[string]bool{}
			for s := range pkg.Scripts {
				scripts[s] = true
			}
			r.npmScripts[path.Dir(f)] = scripts
		case strings.HasSuffix(f, ".go"):
			file, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(f)), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			r.addGoFile(file)
		case f == "schema.graphql":
			b, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range regexp.MustCompile(`\w+`).FindAllString(string(b), -1) {
				if codeName.MatchString(w) {
					r.literals[w] = true
				}
			}
			if r.schema, err = gqlparser.LoadSchema(&gqlast.Source{Name: f, Input: string(b)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return r
}

// makeRule is a rule's line in a Makefile: targets, then ':' that is not
// part of ":=".
var makeRule = regexp.MustCompile(`(?m)^([A-Za-z0-9_.$()/ -]+?)\s*:(?:[^=]|$)`)

func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	return cmd.Output()
}

// commands returns the string cases of the switch in main.go's run: the
// commands facestat knows.
func commands(t *testing.T, mainGo string) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), mainGo, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string]bool{}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "run" {
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if cc, ok := n.(*ast.CaseClause); ok {
					for _, e := range cc.List {
						if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, err := strconv.Unquote(lit.Value); err == nil {
								cmds[s] = true
							}
						}
					}
				}
				return true
			})
		}
	}
	if !cmds["serve"] {
		t.Fatalf("%s: found no command in run's switch (found %v)", mainGo, cmds)
	}
	return cmds
}

// addGoFile records the declarations of one Go file under its package's
// name (an external test package counts as its package); commands
// (package main) are left out.
func (r *repo) addGoFile(f *ast.File) {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && testFunc.MatchString(fn.Name.Name) {
			r.testFuncs[fn.Name.Name] = true
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && codeName.MatchString(s) {
				r.literals[s] = true
			}
		}
		return true
	})
	name := strings.TrimSuffix(f.Name.Name, "_test")
	if name == "main" {
		return
	}
	p := r.packages[name]
	if p == nil {
		p = &goPackage{names: map[string]bool{}, members: map[string]map[string]bool{}, methods: map[string]bool{}}
		r.packages[name] = p
	}
	member := func(typ, m string) {
		if p.members[typ] == nil {
			p.members[typ] = map[string]bool{}
		}
		p.members[typ][m] = true
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				p.names[d.Name.Name] = true
				continue
			}
			p.methods[d.Name.Name] = true
			if typ := receiverType(d.Recv.List[0].Type); typ != "" {
				member(typ, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					p.names[s.Name.Name] = true
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, fld := range st.Fields.List {
							for _, n := range fld.Names {
								member(s.Name.Name, n.Name)
							}
							if len(fld.Names) == 0 { // embedded: its name is its type's
								if typ := receiverType(fld.Type); typ != "" {
									member(s.Name.Name, typ)
								}
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						p.names[n.Name] = true
					}
				}
			}
		}
	}
}

// receiverType is the name of the type in T, *T, T[X], pkg.T.
func receiverType(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return receiverType(e.X)
	case *ast.IndexExpr:
		return receiverType(e.X)
	case *ast.IndexListExpr:
		return receiverType(e.X)
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}
