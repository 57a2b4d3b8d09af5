package graph

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
)

// Loaders batch the lookups of one GraphQL response: the number of SQL
// statements of a query does not grow with the number of items it returns.
// They live for one response only: one query or mutation, or one event of
// a subscription (never a whole subscription or WebSocket connection), so
// what they hold cannot go stale. Each reads through its owner's cache
// (identity's users, photos' rows, judging's aggregates).
type Loaders struct {
	User  *dataloadgen.Loader[uuid.UUID, *ent.User]
	Photo *dataloadgen.Loader[uuid.UUID, *ent.Photo]
	// Stats loads photos' aggregates; Voted whether the operation's viewer
	// has voted on photos.
	Stats *dataloadgen.Loader[uuid.UUID, *judging.Aggregates]
	Voted *dataloadgen.Loader[uuid.UUID, bool]
	// FreshStats loads aggregates from the database, past the cache, for
	// the photos ReadFresh names: the one a castVote just counted, whose
	// aggregates the ingester did not make (see Judging.CastVoteFresh).
	FreshStats *dataloadgen.Loader[uuid.UUID, *judging.Aggregates]

	mu    sync.Mutex
	fresh map[uuid.UUID]bool
}

// ReadFresh makes this response read photo's statistics past the cache.
func (l *Loaders) ReadFresh(photo uuid.UUID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fresh == nil {
		l.fresh = map[uuid.UUID]bool{}
	}
	l.fresh[photo] = true
}

// StatsOf returns the loader of photo's aggregates: FreshStats for a photo
// ReadFresh named, else Stats.
func (l *Loaders) StatsOf(photo uuid.UUID) *dataloadgen.Loader[uuid.UUID, *judging.Aggregates] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fresh[photo] {
		return l.FreshStats
	}
	return l.Stats
}

// NewLoaders returns fresh loaders for the viewer v (nil without a
// session). Missing keys load as dataloadgen.ErrNotFound.
func (r *Resolver) NewLoaders(v *identity.Viewer) *Loaders {
	wait := dataloadgen.WithWait(time.Millisecond)
	return &Loaders{
		Stats:      dataloadgen.NewMappedLoader(r.Judging.Aggregates, wait),
		FreshStats: dataloadgen.NewMappedLoader(r.Judging.LoadAggregates, wait),
		Voted: dataloadgen.NewLoader(func(ctx context.Context, ids []uuid.UUID) ([]bool, []error) {
			out := make([]bool, len(ids))
			if v == nil {
				return out, nil
			}
			voted, err := r.Judging.VotedOn(ctx, v.ID, ids)
			if err != nil {
				return nil, []error{err}
			}
			for i, id := range ids {
				out[i] = voted[id]
			}
			return out, nil
		}, wait),
		User:  dataloadgen.NewMappedLoader(r.Identity.Users, wait),
		Photo: dataloadgen.NewMappedLoader(r.Photos.Load, wait),
	}
}

type loadersKey struct{}

// LoadersExtension gives every response its own Loaders.
type LoadersExtension struct{ Resolver *Resolver }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = LoadersExtension{}

// ExtensionName implements graphql.HandlerExtension.
func (LoadersExtension) ExtensionName() string { return "Loaders" }

// Validate implements graphql.HandlerExtension.
func (LoadersExtension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor: it runs once
// per query or mutation, and once per event of a subscription.
func (e LoadersExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// Made on first use: most subscription events need none.
	lazy := &lazyLoaders{make: func() *Loaders { return e.Resolver.NewLoaders(identity.FromContext(ctx)) }}
	return next(context.WithValue(ctx, loadersKey{}, lazy))
}

type lazyLoaders struct {
	once sync.Once
	make func() *Loaders
	l    *Loaders
}

func (z *lazyLoaders) get() *Loaders {
	z.once.Do(func() { z.l = z.make() })
	return z.l
}

// loaders returns the response's loaders; outside one (tests calling
// resolvers directly) it makes fresh ones.
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if z, ok := ctx.Value(loadersKey{}).(*lazyLoaders); ok {
		return z.get()
	}
	return r.NewLoaders(identity.FromContext(ctx))
}
