package frontend

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

//go:embed persisted-documents.json
var persistedDocuments []byte

// Manifest is the web app's trusted documents: every GraphQL document it
// sends, by the SHA-256 (hex) of its printed text, as operations.mjs
// writes them into persisted-documents.json at build time (`make
// generate`). A client may name one by hash (Apollo's persisted queries
// protocol) or send its text.
type Manifest struct {
	byHash    map[string]string
	canonical map[string]bool // each document printed by gqlparser
}

var manifest = sync.OnceValue(func() *Manifest {
	var byHash map[string]string
	if err := json.Unmarshal(persistedDocuments, &byHash); err != nil {
		panic("frontend/persisted-documents.json: " + err.Error()) // embedded: a build-time mistake
	}
	m := &Manifest{byHash: byHash, canonical: map[string]bool{}}
	for hash, doc := range byHash {
		sum := sha256.Sum256([]byte(doc))
		if hex.EncodeToString(sum[:]) != hash {
			panic("frontend/persisted-documents.json: " + hash + " is not the SHA-256 of its document")
		}
		c, ok := canonical(doc)
		if !ok {
			panic("frontend/persisted-documents.json: document " + hash + " does not parse")
		}
		m.canonical[c] = true
	}
	return m
})

// PersistedDocuments returns the web app's manifest of trusted documents.
func PersistedDocuments() *Manifest { return manifest() }

// Len is how many documents the manifest holds.
func (m *Manifest) Len() int { return len(m.byHash) }

// Document returns the document whose SHA-256 is hash.
func (m *Manifest) Document(hash string) (string, bool) {
	doc, ok := m.byHash[hash]
	return doc, ok
}

// HasText reports whether query is one of the manifest's documents: the
// same text, or the same document printed another way (whitespace,
// commas, comments), as clients print documents differently.
func (m *Manifest) HasText(query string) bool {
	sum := sha256.Sum256([]byte(query))
	if _, ok := m.byHash[hex.EncodeToString(sum[:])]; ok {
		return true
	}
	c, ok := canonical(query)
	return ok && m.canonical[c]
}

// canonical is doc parsed and printed again without what does not change
// its meaning, and without its __typename fields, which clients add as
// they like (urql's graphcache adds one to every selection) and which tell
// nothing but the names of the schema's types.
func canonical(doc string) (string, bool) {
	d, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: doc}, 20000)
	if err != nil {
		return "", false
	}
	for _, op := range d.Operations {
		op.SelectionSet = withoutTypename(op.SelectionSet)
	}
	for _, f := range d.Fragments {
		f.SelectionSet = withoutTypename(f.SelectionSet)
	}
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithCompacted()).FormatQueryDocument(d)
	return b.String(), true
}

func withoutTypename(set ast.SelectionSet) ast.SelectionSet {
	out := set[:0:0]
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__typename" && len(s.Directives) == 0 {
				continue
			}
			s.SelectionSet = withoutTypename(s.SelectionSet)
		case *ast.InlineFragment:
			s.SelectionSet = withoutTypename(s.SelectionSet)
		}
		out = append(out, sel)
	}
	return out
}
