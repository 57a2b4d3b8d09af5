// Package graph is the GraphQL layer: thin resolvers over the domain
// packages, and the executor gqlgen generates from schema.graphql.
package graph

import (
	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/live"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/ratelimit"
)

// Resolver is the root resolver; it holds every dependency the resolvers
// use. Nothing is read from globals.
type Resolver struct {
	Client   *ent.Client
	Identity *identity.Service
	Photos   *photos.Service
	Judging  *judging.Service
	Live     *live.Hub
	Cache    cache.Store // nil: no cache
	Limiter  ratelimit.Limiter
	Limits   Limits
	// Admission chooses the degradation level; setDegradation forces it.
	Admission *admission.Controller
}

// Limits are the per-operation limits resolvers enforce.
type Limits struct {
	MaxPageSize     int
	RateAnonSession ratelimit.Rule
	RateSignUp      ratelimit.Rule
	RateSignIn      ratelimit.Rule // per client IP (or IPv6 /64)
	RateSignInEmail ratelimit.Rule // per account email, against password guessing from many addresses
	RateVote        ratelimit.Rule // castVote per judge (account or anonymous session)
	RateVoteIP      ratelimit.Rule // castVote per client IP (or IPv6 /64), all judges together
}
