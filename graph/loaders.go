package graph

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
)

// Loaders batch the lookups of one GraphQL response: the number of SQL
// statements of a query does not grow with the number of items it returns.
// They live for one response only: one query or mutation, or one event of
// a subscription (never a whole subscription or WebSocket connection), so
// what they hold cannot go stale.
type Loaders struct {
	User  *dataloadgen.Loader[uuid.UUID, *ent.User]
	Photo *dataloadgen.Loader[uuid.UUID, *ent.Photo]
	// Stats loads photos' aggregates; Voted whether the operation's viewer
	// has voted on photos.
	Stats *dataloadgen.Loader[uuid.UUID, *judging.Aggregates]
	Voted *dataloadgen.Loader[uuid.UUID, bool]
}

// NewLoaders returns fresh loaders reading through the cache c (nil for
// none) to client and j, for the viewer v (nil without a session).
func NewLoaders(client *ent.Client, j *judging.Service, c cache.Store, v *identity.Viewer) *Loaders {
	wait := dataloadgen.WithWait(time.Millisecond)
	return &Loaders{
		Stats: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*judging.Aggregates, error) {
			return cache.Load(ctx, c, ids, keyOf(cache.StatsKey), j.LoadAggregates)
		}, wait),
		Voted: dataloadgen.NewLoader(func(ctx context.Context, ids []uuid.UUID) ([]bool, []error) {
			out := make([]bool, len(ids))
			if v == nil {
				return out, nil
			}
			voted, err := j.VotedOn(ctx, v.ID, ids)
			if err != nil {
				return nil, []error{err}
			}
			for i, id := range ids {
				out[i] = voted[id]
			}
			return out, nil
		}, wait),
		User: newLoader(c, cache.UserKey, func(ctx context.Context, ids []uuid.UUID) ([]*ent.User, error) {
			return client.User.Query().Where(user.IDIn(ids...)).All(ctx)
		}, func(u *ent.User) uuid.UUID { return u.ID }),
		Photo: newLoader(c, cache.PhotoKey, func(ctx context.Context, ids []uuid.UUID) ([]*ent.Photo, error) {
			return client.Photo.Query().Where(photo.IDIn(ids...)).All(ctx)
		}, func(p *ent.Photo) uuid.UUID { return p.ID }),
	}
}

// newLoader batches fetch (one query for all the keys of a batch that the
// cache does not hold); missing keys load as dataloadgen.ErrNotFound.
func newLoader[V any](c cache.Store, prefix string, fetch func(context.Context, []uuid.UUID) ([]V, error), key func(V) uuid.UUID) *dataloadgen.Loader[uuid.UUID, V] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]V, error) {
		return cache.Load(ctx, c, ids, keyOf(prefix), func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]V, error) {
			rows, err := fetch(ctx, ids)
			if err != nil {
				return nil, err
			}
			m := make(map[uuid.UUID]V, len(rows))
			for _, r := range rows {
				m[key(r)] = r
			}
			return m, nil
		})
	}, dataloadgen.WithWait(time.Millisecond))
}

func keyOf(prefix string) func(uuid.UUID) string {
	return func(id uuid.UUID) string { return prefix + id.String() }
}

type loadersKey struct{}

// LoadersExtension gives every response its own Loaders.
type LoadersExtension struct {
	Client  *ent.Client
	Judging *judging.Service
	Cache   cache.Store
}

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
	lazy := &lazyLoaders{make: func() *Loaders { return NewLoaders(e.Client, e.Judging, e.Cache, identity.FromContext(ctx)) }}
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
	return NewLoaders(r.Client, r.Judging, r.Cache, identity.FromContext(ctx))
}
