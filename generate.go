// Package facestat holds FaceStat's domain vocabulary: the error codes every
// layer speaks. Code generation for the whole repository starts here.
package facestat

import _ "embed"

//go:generate go run ./ent/entc.go
//go:generate go tool gqlgen generate
//go:generate go run ./graph/inline

// Schema is schema.graphql, the API's contract, served to developers.
//
//go:embed schema.graphql
var Schema []byte
