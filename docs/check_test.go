package docs_test

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// repo is what the documentation may name: the repository's files and the
// names its code defines. loadRepo fills it from the checkout; the tests of
// the checks fill it by hand.
type repo struct {
	files map[string]bool // every file (slash paths from the root)
	dirs  map[string]bool // every directory holding one of them
	bases map[string]bool // every file's base name
	// ignored reports whether git ignores a (missing) path: something a
	// build or a run writes, such as frontend/dist/assets or ./data/blobs.
	ignored     func(p string) bool
	makeTargets map[string]bool
	subcommands map[string]bool            // facestat's commands
	envVars     map[string]bool            // the configuration's FACESTAT_* variables
	otherVars   map[string]string          // FACESTAT_* variables that are not settings, with why
	npmScripts  map[string]map[string]bool // package.json's folder -> its scripts
	packages    map[string]*goPackage      // Go package name -> what it declares
	testFuncs   map[string]bool            // Test*, Benchmark*, Fuzz* and Example* functions of any package
	literals    map[string]bool            // Go string literals and schema.graphql words that look like codes or metric names
	written     map[string]string          // file names a program writes outside the repository, with why
	schema      *ast.Schema                // schema.graphql
}

// goPackage is what the Go packages of one name declare (in every folder
// with that name, test files included).
type goPackage struct {
	names   map[string]bool            // top-level functions, types, variables and constants
	members map[string]map[string]bool // type -> its methods and fields
	methods map[string]bool            // methods of any type
}

// problem is one name in a document that does not exist.
type problem struct {
	line int
	msg  string
}

func (p problem) String() string { return fmt.Sprintf("%d: %s", p.line, p.msg) }

type snippetKind int

const (
	codeSpan snippetKind = iota
	codeBlock
	linkTarget
)

// snippet is code or a link target found in a Markdown document.
type snippet struct {
	kind snippetKind
	text string
	line int    // where it starts, from 1
	info string // a code block's language (its fence's info string)
}

var fenceOpen = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")

// extract returns the fenced code blocks, inline code spans and link
// targets of a Markdown document, in order. Code spans may run over line
// breaks but not over a blank line; link targets are read from the text
// outside code.
func extract(doc string) []snippet {
	var out []snippet
	lines := strings.Split(doc, "\n")
	var para []string
	paraStart := 0
	flush := func() {
		out = append(out, scanParagraph(strings.Join(para, "\n"), paraStart)...)
		para = nil
	}
	for i := 0; i < len(lines); i++ {
		m := fenceOpen.FindStringSubmatch(lines[i])
		if m == nil {
			if strings.TrimSpace(lines[i]) == "" {
				flush()
				continue
			}
			if para == nil {
				paraStart = i + 1
			}
			para = append(para, lines[i])
			continue
		}
		flush()
		fence, start := m[1], i+1
		info, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), fence)), " ")
		var body []string
		for i++; i < len(lines); i++ {
			if t := strings.TrimSpace(lines[i]); strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				break
			}
			body = append(body, lines[i])
		}
		out = append(out, snippet{codeBlock, strings.Join(body, "\n"), start + 1, info})
	}
	flush()
	return out
}

var linkRE = regexp.MustCompile(`\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)

// scanParagraph returns the code spans of a paragraph and the targets of
// its links, with the line each starts on (the paragraph starts on first).
func scanParagraph(p string, first int) []snippet {
	var out []snippet
	lineAt := func(off int) int { return first + strings.Count(p[:off], "\n") }
	prose := []byte(p) // p with code spans blanked, for links
	for i := 0; i < len(p); {
		switch p[i] {
		case '\\':
			i += 2
			continue
		case '`':
		default:
			i++
			continue
		}
		n := len(p[i:]) - len(strings.TrimLeft(p[i:], "`"))
		end := closingRun(p, i+n, n)
		if end < 0 {
			i += n // backticks without a partner are text
			continue
		}
		text := strings.ReplaceAll(p[i+n:end], "\n", " ")
		if len(text) > 2 && text[0] == ' ' && text[len(text)-1] == ' ' {
			text = text[1 : len(text)-1]
		}
		out = append(out, snippet{codeSpan, text, lineAt(i), ""})
		for k := i; k < end+n; k++ {
			if prose[k] != '\n' {
				prose[k] = ' '
			}
		}
		i = end + n
	}
	for _, m := range linkRE.FindAllSubmatchIndex(prose, -1) {
		out = append(out, snippet{linkTarget, string(prose[m[2]:m[3]]), lineAt(m[2]), ""})
	}
	slices.SortStableFunc(out, func(a, b snippet) int { return a.line - b.line })
	return out
}

// closingRun is the offset of the next run of exactly n backticks in p
// from from, or -1.
func closingRun(p string, from, n int) int {
	for i := from; i < len(p); {
		if p[i] != '`' {
			i++
			continue
		}
		k := i
		for k < len(p) && p[k] == '`' {
			k++
		}
		if k-i == n {
			return i
		}
		i = k
	}
	return -1
}

// knownExt are the extensions of files a document may name by base name.
var knownExt = []string{".go", ".md", ".mjs", ".js", ".ts", ".tsx", ".sql", ".yml", ".yaml", ".graphql", ".json", ".html", ".sh", ".css", ".mod", ".sum"}

func hasKnownExt(s string) bool {
	return slices.ContainsFunc(knownExt, func(e string) bool { return strings.HasSuffix(s, e) && len(s) > len(e) })
}

// pathToken splits code into the words that could be paths: quotes,
// brackets, commas, '=' and the like separate them.
var pathSep = regexp.MustCompile("[\\s'\"`,;(){}\\[\\]=|]+")

// checkPaths reports the paths named in code that are not in the
// repository. docDir is the document's folder (slash path, "." for the
// root).
func checkPaths(r *repo, docDir, code string, line int) []problem {
	var out []problem
	for _, tok := range pathSep.Split(code, -1) {
		tok = strings.TrimRight(tok, ".:!?")
		tok = strings.TrimPrefix(tok, "./")
		if tok == "" || strings.ContainsAny(tok, ":<>*$…%@~#&\\") || strings.Contains(tok, "...") ||
			strings.HasPrefix(tok, "/") || strings.HasPrefix(tok, "-") {
			continue
		}
		if !strings.Contains(tok, "/") {
			if hasKnownExt(tok) && !r.bases[tok] && r.written[tok] == "" && !r.ignored(tok) {
				out = append(out, problem{line, fmt.Sprintf("`%s`: no file of that name in the repository", tok)})
			}
			continue
		}
		if !r.pathCandidate(docDir, tok) {
			continue
		}
		if p, ok := r.resolve(docDir, tok); !ok && p != "" {
			out = append(out, problem{line, fmt.Sprintf("`%s`: no such file or folder in the repository (%s)", tok, p)})
		}
	}
	return out
}

// pathCandidate reports whether tok (with a '/') names a path of the
// repository: its first segment is a top-level entry of the repository or
// of the document's folder, or "..", or it ends in a known extension.
// Other tokens with a '/' (Go import paths, npm packages, N/period rates,
// folders a program creates) are not checked.
func (r *repo) pathCandidate(docDir, tok string) bool {
	first, _, _ := strings.Cut(tok, "/")
	return first == ".." || hasKnownExt(strings.TrimSuffix(tok, "/")) ||
		r.exists(first) || r.exists(path.Join(docDir, first))
}

// resolve finds tok relative to the document's folder, then to the root.
// It returns the path tried and whether it exists or is ignored by git (a
// build output). A path that leaves the repository is not ours to check:
// it returns "" and false.
func (r *repo) resolve(docDir, tok string) (string, bool) {
	tok = strings.TrimSuffix(tok, "/")
	tried := ""
	for _, base := range []string{docDir, "."} {
		p := path.Join(base, tok)
		if p == ".." || strings.HasPrefix(p, "../") {
			continue
		}
		if r.exists(p) || r.ignored(p) {
			return p, true
		}
		if tried == "" {
			tried = p
		}
	}
	return tried, false
}

func (r *repo) exists(p string) bool { return p == "." || r.files[p] || r.dirs[p] }

// checkLink reports a relative link whose target is not in the repository
// (links resolve from the document's folder, as on GitHub).
func checkLink(r *repo, docDir, target string, line int) []problem {
	if strings.Contains(target, ":") || strings.HasPrefix(target, "#") {
		return nil // a URL, or an anchor in the same document
	}
	target, _, _ = strings.Cut(target, "#")
	p := path.Join(docDir, target)
	if p == ".." || strings.HasPrefix(p, "../") || r.exists(p) {
		return nil
	}
	return []problem{{line, fmt.Sprintf("link to %s: no such file or folder in the repository", target)}}
}

// shellCommands splits code into commands (at newlines, ';', '&', '|', '('
// and ')'), each a list of words with quotes removed and '#' comments
// dropped. A quote without a partner is an ordinary character (prose in a
// code span is not shell).
func shellCommands(code string) [][]string {
	var cmds [][]string
	var words []string
	var w strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '\'' || c == '"':
			if j := strings.IndexByte(code[i+1:], c); j >= 0 && !strings.Contains(code[i+1:i+1+j], "\n") {
				w.WriteString(code[i+1 : i+1+j])
				inWord = true
				i += j + 1
				continue
			}
			w.WriteByte(c)
			inWord = true
		case c == '\\' && i+1 < len(code):
			i++
			if code[i] != '\n' {
				w.WriteByte(code[i])
				inWord = true
			}
		case c == '#' && !inWord:
			for i < len(code) && code[i] != '\n' {
				i++
			}
			endCmd()
		case strings.IndexByte("\n;&|()", c) >= 0:
			endCmd()
		case c == ' ' || c == '\t':
			endWord()
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
	return cmds
}

var (
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	targetName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
)

// checkCommands reports make targets, facestat commands, npm scripts and
// the test functions of `go test -run X` named in code that do not exist. A command is recognised only at the
// start of a command (after variable assignments), so "perf report --comm
// facestat" names no facestat command.
func checkCommands(r *repo, docDir, code string, line int) []problem {
	var out []problem
	for _, words := range shellCommands(code) {
		for len(words) > 0 && assignment.MatchString(words[0]) {
			words = words[1:]
		}
		if len(words) == 0 {
			continue
		}
		args := words[1:]
		switch name := path.Base(words[0]); {
		case words[0] == "make":
			for i := 0; i < len(args); i++ {
				a := args[i]
				switch {
				case a == "-C" || a == "-f":
					i++
				case strings.HasPrefix(a, "-") || assignment.MatchString(a):
				case !targetName.MatchString(a):
					// not a target: an ellipsis, a placeholder
				case !r.makeTargets[a]:
					out = append(out, problem{line, fmt.Sprintf("`make %s`: the Makefile has no target %s", a, a)})
				}
			}
		case name == "facestat" && !strings.Contains(words[0], "*"):
			if len(args) > 0 && targetName.MatchString(args[0]) && !r.subcommands[args[0]] {
				out = append(out, problem{line, fmt.Sprintf("`facestat %s`: facestat has no command %s (cmd/facestat/main.go)", args[0], args[0])})
			}
		case words[0] == "npm":
			out = append(out, checkNPM(r, docDir, args, line)...)
		case words[0] == "go" && len(args) > 0 && args[0] == "test":
			// -run and -bench name one function, unless they are patterns.
			for i := 1; i+1 < len(args); i++ {
				if args[i] == "-run" || args[i] == "-bench" {
					out = append(out, checkTestFunc(r, args[i+1], line)...)
				}
			}
		}
	}
	return out
}

// checkNPM reports `npm run X` and `npm test` naming a script the
// package.json (of --prefix DIR, or of the document's folder) lacks.
func checkNPM(r *repo, docDir string, args []string, line int) []problem {
	var script, prefix string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--prefix" && i+1 < len(args):
			prefix = args[i+1]
			i++
		case a == "run" && script == "" && i+1 < len(args):
			script = args[i+1]
			i++
		case a == "test" && script == "" && i == 0:
			script = "test"
		}
	}
	if script == "" || !targetName.MatchString(script) {
		return nil
	}
	dirs := []string{docDir}
	if prefix != "" {
		dirs = []string{path.Join(docDir, prefix), path.Clean(prefix)}
	}
	for _, d := range dirs {
		if scripts, ok := r.npmScripts[d]; ok {
			if scripts[script] {
				return nil
			}
			return []problem{{line, fmt.Sprintf("`npm run %s`: %s/package.json has no script %s", script, d, script)}}
		}
	}
	return []problem{{line, fmt.Sprintf("`npm run %s`: no package.json in %s", script, strings.Join(dirs, " or "))}}
}

var envVar = regexp.MustCompile(`FACESTAT_[A-Z0-9_]*\*?`)

// checkEnvVars reports FACESTAT_* variables named anywhere in doc that are
// neither settings nor known other variables. FACESTAT_S3_* (or
// FACESTAT_S3_) stands for every variable with that prefix and must match
// one.
func checkEnvVars(r *repo, doc string) []problem {
	var out []problem
	for _, loc := range envVar.FindAllStringIndex(doc, -1) {
		v := doc[loc[0]:loc[1]]
		ok := r.envVars[v] || r.otherVars[v] != ""
		if prefix := strings.TrimSuffix(v, "*"); strings.HasSuffix(prefix, "_") {
			for known := range r.envVars {
				ok = ok || strings.HasPrefix(known, prefix)
			}
		}
		if !ok {
			out = append(out, problem{1 + strings.Count(doc[:loc[0]], "\n"),
				fmt.Sprintf("%s is no setting (see `facestat help`) and not one of the test or development variables", v)})
		}
	}
	return out
}

var goIdent = regexp.MustCompile(`^([a-z][a-z0-9]*)\.([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?(?:\(\))?$`)

// checkGoIdent reports a code span that is a whole Go name, pkg.Name or
// pkg.Type.Member, of one of the repository's packages that the package
// does not declare. Other packages (net/http's http, the standard library,
// modules) are not checked, and neither are parts without a capital letter
// (file names like config.go and host names read the same).
func checkGoIdent(r *repo, span string, line int) []problem {
	m := goIdent.FindStringSubmatch(span)
	if m == nil {
		return nil
	}
	pkg := r.packages[m[1]]
	if pkg == nil || strings.ToLower(m[2]) == m[2] || (m[3] != "" && strings.ToLower(m[3]) == m[3]) {
		return nil
	}
	switch {
	case m[3] == "" && (pkg.names[m[2]] || pkg.methods[m[2]]):
	case m[3] != "" && pkg.names[m[2]] && pkg.members[m[2]][m[3]]:
	default:
		return []problem{{line, fmt.Sprintf("`%s`: package %s declares no such name", span, m[1])}}
	}
	return nil
}

var testFunc = regexp.MustCompile(`^(?:Test|Benchmark|Fuzz|Example)[A-Z0-9_][A-Za-z0-9_]*$`)

// checkTestFunc reports a code span that is the name of a test, benchmark
// or fuzz function (TestFrontPageShortCut) that no package has.
func checkTestFunc(r *repo, name string, line int) []problem {
	if !testFunc.MatchString(name) || r.testFuncs[name] {
		return nil
	}
	return []problem{{line, fmt.Sprintf("`%s`: no test, benchmark or fuzz function of that name", name)}}
}

// codeName is an error code or reason (BAD_USER_INPUT, UPLOADS_PAUSED), a
// GraphQL enum value, or a Prometheus metric of FaceStat's.
var codeName = regexp.MustCompile(`^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|facestat_[a-z0-9_]+)$`)

// checkCodeName reports a code span that is such a name but no Go string
// literal and no word of the schema (FACESTAT_* variables have their own
// check).
func checkCodeName(r *repo, span string, line int) []problem {
	if !codeName.MatchString(span) || strings.HasPrefix(span, "FACESTAT_") || r.literals[span] {
		return nil
	}
	return []problem{{line, fmt.Sprintf("`%s`: no code, reason, enum value or metric of that name (no Go string literal, not in schema.graphql)", span)}}
}

// checkGraphQLBlock reports what the schema refuses in a code block
// written in GraphQL (```graphql): the operation must validate.
func checkGraphQLBlock(r *repo, s snippet) []problem {
	if s.info != "graphql" || r.schema == nil {
		return nil
	}
	_, errs := gqlparser.LoadQueryWithRules(r.schema, s.text, nil) // nil: the default rules
	var out []problem
	for _, e := range errs {
		line := s.line
		if len(e.Locations) > 0 {
			line += e.Locations[0].Line - 1
		}
		out = append(out, problem{line, "GraphQL: " + e.Message})
	}
	return out
}

var (
	typeField = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]*)$`)
	rootCall  = regexp.MustCompile(`^(?:(?:query|mutation|subscription)\s*)?(?:\{\s*)?([a-z][A-Za-z0-9]*)\(\s*[A-Za-z_]\w*\s*:`)
	argName   = regexp.MustCompile(`^\s*([A-Za-z_]\w*)\s*:`)
)

// checkGraphQLSpan reports a code span that names a GraphQL field that
// the schema lacks: Type.field where Type is a type of the schema
// (Photo.stats), or a root field with arguments, name(arg: ...)
// (nextPhoto(skip:), subscription { photoStats(photoId:) }), whose
// field and argument names must exist. The colon after an argument keeps
// Go calls (logger(ctx)) out.
func checkGraphQLSpan(r *repo, span string, line int) []problem {
	if r.schema == nil {
		return nil
	}
	if m := typeField.FindStringSubmatch(span); m != nil {
		if t := r.schema.Types[m[1]]; t != nil && t.Fields.ForName(m[2]) == nil {
			return []problem{{line, fmt.Sprintf("`%s`: GraphQL type %s has no field %s", span, m[1], m[2])}}
		}
		return nil
	}
	m := rootCall.FindStringSubmatchIndex(span)
	if m == nil {
		return nil
	}
	name := span[m[2]:m[3]]
	var field *ast.FieldDefinition
	for _, root := range []*ast.Definition{r.schema.Query, r.schema.Mutation, r.schema.Subscription} {
		if root != nil && field == nil {
			field = root.Fields.ForName(name)
		}
	}
	if field == nil {
		return []problem{{line, fmt.Sprintf("`%s`: the schema has no query, mutation or subscription %s", span, name)}}
	}
	// The argument names: words followed by ':' directly inside the
	// field's parentheses.
	var out []problem
	depth := 0
	for i := m[3]; i < len(span); i++ {
		switch span[i] {
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			depth--
		}
		if depth == 0 {
			break
		}
		if depth == 1 && (span[i] == '(' || span[i] == ',') {
			if a := argName.FindStringSubmatch(span[i+1:]); a != nil && field.Arguments.ForName(a[1]) == nil {
				out = append(out, problem{line, fmt.Sprintf("`%s`: %s has no argument %s", span, name, a[1])})
			}
		}
	}
	return out
}

// checkDoc runs every check on one document (docPath is its slash path
// from the root).
func checkDoc(r *repo, docPath, doc string) []problem {
	docDir := path.Dir(docPath)
	out := checkEnvVars(r, doc)
	for _, s := range extract(doc) {
		switch s.kind {
		case linkTarget:
			out = append(out, checkLink(r, docDir, s.text, s.line)...)
		case codeSpan:
			out = append(out, checkGoIdent(r, s.text, s.line)...)
			out = append(out, checkTestFunc(r, s.text, s.line)...)
			out = append(out, checkCodeName(r, s.text, s.line)...)
			out = append(out, checkGraphQLSpan(r, s.text, s.line)...)
			fallthrough
		case codeBlock:
			out = append(out, checkGraphQLBlock(r, s)...)
			// Line by line, so that a problem is reported where it is.
			for i, l := range strings.Split(s.text, "\n") {
				out = append(out, checkPaths(r, docDir, l, s.line+i)...)
				out = append(out, checkCommands(r, docDir, l, s.line+i)...)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b problem) int { return a.line - b.line })
	return out
}
