// Package model holds the GraphQL types that are not ent entities.
package model

// Node is any object with a global id (an *ent.Photo or *ent.User). The
// generated executor picks the concrete type by a type switch.
type Node interface{}
