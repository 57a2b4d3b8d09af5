// Package graph is the GraphQL layer: thin resolvers over the domain
// packages, and the executor gqlgen generates from schema.graphql.
package graph

import (
	"github.com/facestat/facestat/account"
	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/live"
	"github.com/facestat/facestat/moderation"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/settings"
)

// Resolver is the root resolver; it holds every dependency the resolvers
// use. Nothing is read from globals. Rate limits, visibility and every
// query live in the domain packages: a resolver parses and bounds its
// arguments, makes one call into them (or into a helper of this package
// that does: listPhotos, access, stats) and shapes the answer.
type Resolver struct {
	Identity *identity.Service
	Photos   *photos.Service
	Judging  *judging.Service
	Live     *live.Hub
	// Admission tells the degradation level; Operator forces it.
	Admission *admission.Controller
	Operator  *settings.Operator
	// Moderation holds the rules of reports and moderation (issue 14).
	Moderation *moderation.Service
	// MaxPageSize bounds `first` of every connection.
	MaxPageSize int

	// Account exports and deletes whole accounts (issue 14).
	Account *account.Service
}
