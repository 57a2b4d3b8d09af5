package docs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const sampleSchema = `
type Query { photo(id: ID!): Photo  nextPhoto(skip: [ID!]): Photo }
type Mutation { castVote(input: CastVoteInput!): Photo }
type Subscription { photoStats(photoId: ID!): Photo }
input CastVoteInput { photoId: ID!  answers: [String!] }
type Photo { id: ID!  stats: String }
`

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// sampleRepo is a small repository to run the checks against.
func sampleRepo() *repo {
	r := &repo{
		files: set("api/server.go", "db/migrations/postgres/0001_init.up.sql", "deploy/prometheus/alerts.yml",
			"README.md", "docs/ERRORS.md", "frontend/README.md", "frontend/src/main.ts", "frontend/package.json", "Makefile", "config/config.go"),
		dirs:        map[string]bool{},
		bases:       map[string]bool{},
		makeTargets: set("run", "test", "generate"),
		subcommands: set("serve", "migrate", "help"),
		envVars:     set("FACESTAT_ADDR", "FACESTAT_S3_BUCKET"),
		otherVars:   map[string]string{"FACESTAT_TEST_DATABASE_URL": "tests' server"},
		npmScripts:  map[string]map[string]bool{"frontend": set("build", "dev")},
		packages: map[string]*goPackage{
			"frontpage": {names: set("CacheControl", "Page"), members: map[string]map[string]bool{}, methods: set("ServeHTTP")},
			"judging": {names: set("NewService", "Service"), methods: set("CastVote"),
				members: map[string]map[string]bool{"Service": set("CastVote", "Ingest")}},
			"config": {names: set("Load"), members: map[string]map[string]bool{}, methods: set()},
			"db":     {names: set("DB", "Open"), methods: set("Ping"), members: map[string]map[string]bool{"DB": set("Ping", "Client")}},
		},
		testFuncs: set("TestFrontPageShortCut", "BenchmarkNegotiate"),
		literals:  set("BAD_USER_INPUT", "PAUSE_UPLOADS", "facestat_degradation_level"),
		written:   map[string]string{"insert.sql": "bench writes it"},
		schema:    gqlparser.MustLoadSchema(&ast.Source{Name: "schema.graphql", Input: sampleSchema}),
		ignored:   func(p string) bool { return strings.HasPrefix(p, "data/") || strings.HasPrefix(p, "frontend/dist/") },
	}
	for f := range r.files {
		i := strings.LastIndex(f, "/")
		r.bases[f[i+1:]] = true
		for ; i > 0; i = strings.LastIndex(f[:i], "/") {
			r.dirs[f[:i]] = true
		}
	}
	return r
}

func TestChecks(t *testing.T) {
	for name, tc := range map[string]struct {
		doc, text string
		want      []string // one substring per expected problem, in order; none: no problem
	}{
		"OKPaths": {"README.md", "See `api/server.go`, `db/migrations/postgres/` and [the alerts](deploy/prometheus/alerts.yml); `alerts.yml`.", nil},
		"OKRelativeToDoc": {"frontend/README.md",
			"`src/main.ts` is built from `../README.md`; see [it](../docs/ERRORS.md) and [us](#layout).", nil},
		"OKNotPaths": {"README.md", "```sh\nexport FACESTAT_ADDR='0.0.0.0:8080'  # all interfaces\n" +
			"aws s3 sync ./data/blobs s3://facestat-images/prod/ --cache-control 'public, max-age=31536000'\n" +
			"curl -sf http://127.0.0.1:8080/images/ab/cd.jpg\n```\n\n" +
			"`net/http`, `/usr/bin/chromium`, `img/<photo id>/ab/<sha256>.jpg`, `30/1m`, `frontend/dist/assets/`, `go test ./...`, `../shared/DESIGN.md` (elsewhere).", nil},
		"ErrStalePath":      {"README.md", "Routes are in `api/routes.go`.", []string{"`api/routes.go`"}},
		"ErrStaleFolder":    {"README.md", "```sh\ngo test -run X ./api/old/\n```", []string{"`api/old/`"}},
		"ErrStaleExtension": {"README.md", "The maths is in `stats/welford.go`.", []string{"`stats/welford.go`"}},
		"ErrStaleFileName":  {"README.md", "The rules' tests: `alerts_v2.yml`.", []string{"`alerts_v2.yml`"}},
		"ErrStaleLink":      {"README.md", "More in [errors](docs/NOPE.md#codes).", []string{"link to docs/NOPE.md"}},
		"ErrRelativeToDoc":  {"frontend/README.md", "`src/gone.ts`", []string{"`src/gone.ts`"}},
		"OKMake":            {"README.md", "```sh\nmake run    # starts it\nmake test E2E_FLAGS='-g keyboard x'\n```\n\n`make generate` and `make migration NAME=…`? No: `make -C frontend generate`.", []string{"target migration"}},
		"ErrMakeTarget":     {"README.md", "Run `make lint` first.", []string{"no target lint"}},
		"ErrMakeInBlock":    {"README.md", "```sh\ncd x && FOO=1 make bench   # slow\n```", []string{"no target bench"}},
		"ErrMakeSecond":     {"README.md", "`make run seed`", []string{"no target seed"}},
		"OKSubcommands":     {"README.md", "`facestat migrate`, `./bin/facestat help`, `facestat -addr :1`, `perf report --comm facestat`, scraping job `facestat`.\n\n```nginx\nupstream facestat { server a:1; }\nproxy_pass http://facestat;\n```", nil},
		"ErrSubcommand":     {"README.md", "`facestat seed -- -users 2` then\n\n```sh\n./bin/facestat import x\n```", []string{"no command seed", "no command import"}},
		"OKNPM":             {"frontend/README.md", "`npm run dev`, `npm ci`, `npm run build --prefix .`", nil},
		"ErrNPMScript":      {"README.md", "`npm run lint --prefix frontend`, `npm test --prefix frontend`", []string{"no script lint", "no script test"}},
		"ErrNPMNoPackage":   {"README.md", "`npm run dev`", []string{"no package.json"}},
		"OKEnvVars":         {"README.md", "FACESTAT_ADDR, `FACESTAT_S3_*`, FACESTAT_S3_ and FACESTAT_TEST_DATABASE_URL.", nil},
		"ErrEnvVars":        {"README.md", "Set FACESTAT_ADRR.\n\nAll of `FACESTAT_REDIS_*`.", []string{"FACESTAT_ADRR", "FACESTAT_REDIS_*"}},
		"OKGoNames": {"README.md", "`frontpage.CacheControl`, `judging.NewService()`, `judging.Service.CastVote`, `db.DB.Ping`, `frontpage.ServeHTTP`, " +
			"`http.NewRequest`, `config.go`, `facestat.example`, `judging.Service` checks.", nil},
		"ErrGoNames":  {"README.md", "`judging.NewServices`, `db.DB.Close`, `frontpage.Gone.Page`", []string{"judging.NewServices", "db.DB.Close", "frontpage.Gone.Page"}},
		"OKTests":     {"README.md", "`TestFrontPageShortCut` and `go test -run TestFrontPageShortCut -bench BenchmarkNegotiate ./api/`, `go test -run 'Test(A|B)' ./api/`", nil},
		"ErrTests":    {"README.md", "`TestFrontPageShortcut`\n\n```sh\ngo test -count=1 -bench BenchmarkNegotiation ./api/\n```", []string{"TestFrontPageShortcut", "BenchmarkNegotiation"}},
		"OKCodeNames": {"README.md", "`BAD_USER_INPUT`, `PAUSE_UPLOADS`, `facestat_degradation_level`, `FACESTAT_ADDR`, `SET LOCAL`, `fs_csrf`, `-f insert.sql`.", nil},
		"OKGraphQL": {"README.md", "`Photo.stats`, `nextPhoto(skip:)`, `subscription { photoStats(photoId:) }`, `castVote(input: {photoId, answers}) { id }`, " +
			"`logger(ctx)`, `Emulation.setCPUThrottlingRate`, `Service.CastVote`\n\n```graphql\n{ photo(id: \"x\") { id stats } }\n```", nil},
		"ErrGraphQL": {"README.md", "`Photo.statistics`, `nextPhoto(skipped: [])`, `topPhotos(questionKey:)`\n\n```graphql\n{\n  photo(id: \"x\") { id imageUrl }\n}\n```",
			[]string{"no field statistics", "no argument skipped", "no query, mutation or subscription topPhotos", "imageUrl"}},
		"ErrCodeNames": {"README.md", "`IMAGE_TOO_SMALL` and `facestat_votes_total`", []string{"IMAGE_TOO_SMALL", "facestat_votes_total"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := checkDoc(sampleRepo(), tc.doc, tc.text)
			if len(got) != len(tc.want) {
				t.Fatalf("checkDoc(%q) = %v, want %d problems %q", tc.text, got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i].msg, w) {
					t.Errorf("problem %d = %q, want it to mention %q", i, got[i].msg, w)
				}
			}
		})
	}
}

func TestChecksLines(t *testing.T) {
	doc := "# Title\n\nText `api/gone.go`\nmore.\n\n```sh\nmake run\nmake nope\n```\n\nFACESTAT_NOPE and [x](nope.md)\n"
	var lines []int
	for _, p := range checkDoc(sampleRepo(), "README.md", doc) {
		lines = append(lines, p.line)
	}
	if want := []int{3, 8, 11, 11}; !reflect.DeepEqual(lines, want) {
		t.Errorf("problems on lines %v, want %v", lines, want)
	}
}

func TestExtract(t *testing.T) {
	doc := "A `span` and `` two `ticks` `` and an `open\nspan` across a line.\n" +
		"Unpaired `` backticks, [link](docs/a.md) and `[not a link](x.md)`.\n\n" +
		"~~~~ graphql {.x}\n```\ninside\n```\n~~~~\n\n  `listed` [b](b.md \"title\")\n"
	want := []snippet{
		{codeSpan, "span", 1, ""}, {codeSpan, "two `ticks`", 1, ""}, {codeSpan, "open span", 1, ""},
		{codeSpan, "[not a link](x.md)", 3, ""}, {linkTarget, "docs/a.md", 3, ""},
		{codeBlock, "```\ninside\n```", 6, "graphql"},
		{codeSpan, "listed", 11, ""}, {linkTarget, "b.md", 11, ""},
	}
	if got := extract(doc); !reflect.DeepEqual(got, want) {
		t.Errorf("extract =\n%v\nwant\n%v", got, want)
	}
}

func TestShellCommands(t *testing.T) {
	got := shellCommands("FOO='a b' make x # c; d\nnpm run \"dev\" --prefix frontend && echo it's; cd x|y")
	want := [][]string{{"FOO=a b", "make", "x"}, {"npm", "run", "dev", "--prefix", "frontend"}, {"echo", "it's"}, {"cd", "x"}, {"y"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shellCommands = %q, want %q", got, want)
	}
}
