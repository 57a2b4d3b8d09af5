package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// The manifest holds the web app's documents, by hash and by text: the
// same document printed differently, or with the __typename fields a
// client adds, is recognised; another document, or one field more, is not.
func TestPersistedDocuments(t *testing.T) {
	m := PersistedDocuments()
	if m.Len() < len(Operations())-5 {
		t.Fatalf("the manifest holds %d documents for %d operations: run `make generate`", m.Len(), len(Operations()))
	}
	var doc, hash string
	for h, d := range m.byHash {
		if strings.Contains(d, "query TopQuestions") {
			doc, hash = d, h
		}
	}
	if doc == "" {
		t.Fatal("TopQuestions is not in the manifest")
	}
	sum := sha256.Sum256([]byte(doc))
	if got, ok := m.Document(hex.EncodeToString(sum[:])); !ok || got != doc || hash != hex.EncodeToString(sum[:]) {
		t.Fatal("a document is not found by its hash")
	}
	for _, same := range []string{doc, "query TopQuestions { questions { id, key prompt kind } }",
		"# a comment\nquery TopQuestions { __typename questions { __typename id key prompt kind } }"} {
		if !m.HasText(same) {
			t.Errorf("%q is the manifest's TopQuestions but was not recognised", same)
		}
	}
	for _, other := range []string{"query TopQuestions { questions { id key prompt kind min } }", "{ questions { id key prompt kind } }",
		"query TopQuestions { questions { id key prompt kind } viewer { id } }", "{", ""} {
		if m.HasText(other) {
			t.Errorf("%q is not in the manifest but was recognised", other)
		}
	}
}
