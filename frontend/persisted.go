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
// its meaning.
func canonical(doc string) (string, bool) {
	d, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: doc}, 20000)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithCompacted()).FormatQueryDocument(d)
	return b.String(), true
}
