// Package facestat holds FaceStat's domain vocabulary: the error codes every
// layer speaks. Code generation for the whole repository starts here.
package facestat

//go:generate go run ./ent/entc.go
//go:generate go tool gqlgen generate
