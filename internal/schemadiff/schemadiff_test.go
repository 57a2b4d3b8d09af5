package schemadiff

import (
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// base is the baseline every case changes.
const base = `
type Query {
  photo(id: ID!): Photo
  photos(first: Int!, after: String, orderBy: Order): Conn!
  search(text: String, limit: Int = 10): [Photo!]!
  old: String @deprecated(reason: "Use photo. Kept until at least 2026-06-06.")
  recent: String @deprecated(reason: "Use photo. Kept until at least 2027-06-06.")
  undated: String @deprecated(reason: "Use photo.")
}
type Mutation { vote(input: VoteInput!): Photo! }
interface Node { id: ID! }
type Photo implements Node { id: ID! url: String! title: String tags: [String!] }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type Conn { nodes: [Photo!]! pageInfo: PageInfo! }
union Result = Photo | PageInfo
enum Order { NEW OLD @deprecated(reason: "Kept until at least 2026-01-01.") }
input VoteInput { photoId: ID! score: Int note: String }
scalar DateTime
`

// now is after 2026-06-06 and before 2027-06-06.
var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func load(t *testing.T, src string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphql", Input: src})
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return s
}

func TestBreaking(t *testing.T) {
	for _, c := range []struct {
		name     string
		old, new string // new replaces old in base
		want     string // a substring of the one breaking change; "" for none
	}{
		// Additions and widenings: not breaking.
		{"no change", "", "", ""},
		{"a field added", "url: String!", "url: String! width: Int", ""},
		{"a type added", "scalar DateTime", "scalar DateTime type Key { id: ID! }", ""},
		{"an optional argument added", "after: String,", "after: String, last: Int, before: String,", ""},
		{"a required argument with a default added", "after: String,", "after: String, n: Int! = 3,", ""},
		{"an enum value added", "enum Order { NEW", "enum Order { NEW TOP", ""},
		{"an optional input field added", "note: String }", "note: String why: String }", ""},
		{"first: Int! becomes Int", "photos(first: Int!", "photos(first: Int", ""},
		{"an output becomes non-null", "title: String", "title: String!", ""},
		{"a list becomes non-null in an output", "tags: [String!]", "tags: [String!]!", ""},
		{"an input field becomes optional", "photoId: ID!", "photoId: ID", ""},
		{"an interface added", "type PageInfo {", "type PageInfo implements Node { id: ID!", ""},
		{"PageInfo gains startCursor and hasPreviousPage", "endCursor: String }", "endCursor: String startCursor: String hasPreviousPage: Boolean! }", ""},
		{"a description changes", "type Conn {", `"Changed." type Conn {`, ""},
		{"a field deprecated", "url: String!", `url: String! @deprecated(reason: "x")`, ""},
		// Removals.
		{"a test change that removes a field", "url: String! ", "", "field Photo.url was removed without being deprecated first"},
		{"a type removed", "union Result = Photo | PageInfo", "", "type Result was removed"},
		{"an argument removed", "after: String,", "", "argument Query.photos(after:) was removed"},
		{"an enum value removed", "enum Order { NEW", "enum Order {", "enum value Order.NEW was removed"},
		{"an input field removed", "note: String }", "}", "input field VoteInput.note was removed"},
		{"an interface dropped", "type Photo implements Node {", "type Photo {", "type Photo no longer implements Node"},
		{"a union member dropped", "Result = Photo | PageInfo", "Result = Photo", "union Result no longer includes PageInfo"},
		{"a kind changed", "scalar DateTime", "type DateTime { s: String }", "type DateTime changed from SCALAR to OBJECT"},
		// Deprecation.
		{"a deprecated field removed after its date", `old: String @deprecated(reason: "Use photo. Kept until at least 2026-06-06.")`, "", ""},
		{"a deprecated field removed before its date", `recent: String @deprecated(reason: "Use photo. Kept until at least 2027-06-06.")`, "", "field Query.recent was removed before 2027-06-06"},
		{"a deprecated field without a date removed", `undated: String @deprecated(reason: "Use photo.")`, "", "field Query.undated was removed, but its deprecation names no date"},
		{"a deprecated enum value removed after its date", `OLD @deprecated(reason: "Kept until at least 2026-01-01.")`, "", ""},
		// Type changes of outputs.
		{"an output becomes nullable", "url: String!", "url: String", "field Photo.url changed type from String! to String"},
		{"an output's type changes", "url: String!", "url: Int!", "field Photo.url changed type from String! to Int!"},
		{"an output becomes a list", "url: String!", "url: [String!]!", "field Photo.url changed type"},
		{"a list's items become nullable in an output", "tags: [String!]", "tags: [String]", "field Photo.tags changed type"},
		// Type changes of inputs.
		{"an optional argument becomes required", "after: String,", "after: String!,", "argument Query.photos(after:) changed type from String to String!"},
		{"a required argument added", "after: String,", "after: String, last: Int!,", "argument Query.photos(last:) was added as required"},
		{"an argument's type changes", "photo(id: ID!)", "photo(id: Int!)", "argument Query.photo(id:) changed type"},
		{"an optional input field becomes required", "score: Int", "score: Int!", "input field VoteInput.score changed type from Int to Int!"},
		{"a required input field added", "note: String }", "note: String why: String! }", "input field VoteInput.why was added as required"},
		{"a root type replaced", "type Mutation { vote", "schema { query: Query mutation: M } type M { x: Int } type Mutation { vote", "the mutation root type Mutation was replaced or removed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			changed := base
			if c.old != "" {
				if !strings.Contains(base, c.old) {
					t.Fatalf("the baseline has no %q", c.old)
				}
				changed = strings.Replace(base, c.old, c.new, 1)
			}
			got := Breaking(load(t, base), load(t, changed), now)
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("breaking: %q, want none", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("breaking: %q, want exactly one containing %q", got, c.want)
			}
		})
	}
}

func TestRemovalDate(t *testing.T) {
	for reason, want := range map[string]string{
		"Use postedBy. Deprecated on 2026-12-06; kept until at least 2027-06-06.": "2027-06-06",
		"Kept until 2027-01-31.": "2027-01-31",
		"Use postedBy.":          "",
		"kept until soon":        "",
	} {
		d, ok := RemovalDate(reason)
		if got := ""; ok {
			got = d.Format(time.DateOnly)
			if got != want {
				t.Errorf("%q: %s, want %q", reason, got, want)
			}
		} else if want != "" {
			t.Errorf("%q: no date, want %s", reason, want)
		}
	}
}

// TestRemovalOnTheDateItself: "kept until at least D" keeps it on D;
// removal is allowed from the day after.
func TestRemovalOnTheDateItself(t *testing.T) {
	old := load(t, `type Query { a: Int b: Int @deprecated(reason: "Kept until at least 2027-06-06.") }`)
	new := load(t, `type Query { a: Int }`)
	if got := Breaking(old, new, time.Date(2027, 6, 6, 23, 0, 0, 0, time.UTC)); len(got) != 1 {
		t.Errorf("on the date: %q, want the removal refused", got)
	}
	if got := Breaking(old, new, time.Date(2027, 6, 7, 0, 0, 1, 0, time.UTC)); len(got) != 0 {
		t.Errorf("the day after: %q, want none", got)
	}
}
