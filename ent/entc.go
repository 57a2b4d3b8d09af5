//go:build ignore

// entc.go generates the ent client from ./schema. Run through `go generate`
// from the repository root (see generate.go).
package main

import (
	"log"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	err := entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "github.com/facestat/facestat/ent",
		Features: []gen.Feature{
			gen.FeatureVersionedMigration,
			gen.FeatureUpsert,
			gen.FeatureExecQuery,
			gen.FeatureModifier,
			gen.FeatureLock,
		},
	})
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
