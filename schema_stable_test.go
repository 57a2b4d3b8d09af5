package facestat

import (
	_ "embed"
	"testing"
	"time"

	"github.com/facestat/facestat/internal/schemadiff"
)

// released is the schema as last published (`make schema-release` copies
// schema.graphql here when releasing).
//
//go:embed schema.released.graphql
var released []byte

// TestSchemaStable: schema.graphql breaks no client of the released schema
// (docs/API-GUIDE.md, "Schema stability"): nothing is removed unless it was
// deprecated with a date it is kept until that has passed, no output
// becomes nullable or changes shape, no input becomes required.
func TestSchemaStable(t *testing.T) {
	old := loadSchema(t, "schema.released.graphql", released)
	cur := loadSchema(t, "schema.graphql", Schema)
	for _, b := range schemadiff.Breaking(old, cur, time.Now()) {
		t.Errorf("breaking change against schema.released.graphql: %s", b)
	}
}
