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
	User  *Loader[uuid.UUID, *ent.User]
	Photo *Loader[uuid.UUID, *ent.Photo]
	// Stats loads photos' aggregates; Voted whether the operation's viewer
	// has voted on photos.
	Stats *Loader[uuid.UUID, *judging.Aggregates]
	Voted *Loader[uuid.UUID, bool]
	// FreshStats loads aggregates from the database, past the cache, for
	// the photos ReadFresh names: the one a castVote just counted, whose
	// aggregates the ingester did not make (see Judging.CastVoteFresh).
	FreshStats *Loader[uuid.UUID, *judging.Aggregates]

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
func (l *Loaders) StatsOf(photo uuid.UUID) interface {
	Load(context.Context, uuid.UUID) (*judging.Aggregates, error)
} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fresh[photo] {
		return l.FreshStats
	}
	return l.Stats
}

// Loader is a dataloader that first looks in the near cache (peek): a
// value found there is answered at once, without waiting for the batch
// (issue 16: a cached read neither waits nor schedules a fetch). The
// dataloader itself is made on first need: a read the near cache answers
// whole makes none.
type Loader[K comparable, V any] struct {
	peek  func(K) (V, bool)
	once  sync.Once
	make  func() *dataloadgen.Loader[K, V]
	batch *dataloadgen.Loader[K, V]

	mu     sync.Mutex
	primed map[K]bool // keys Prime set: the near cache is not asked
}

// noPeek is the peek of a Loader without a near cache.
func noPeek[K comparable, V any](K) (v V, ok bool) { return v, false }

func newLoader[K comparable, V any](peek func(K) (V, bool), fetch func(context.Context, []K) (map[K]V, error), opts ...dataloadgen.Option) *Loader[K, V] {
	return &Loader[K, V]{peek: peek, make: func() *dataloadgen.Loader[K, V] { return dataloadgen.NewMappedLoader(fetch, opts...) }}
}

func (l *Loader[K, V]) loader() *dataloadgen.Loader[K, V] {
	l.once.Do(func() { l.batch = l.make() })
	return l.batch
}

// Load returns the value of k: the near cache's, else the batch's.
func (l *Loader[K, V]) Load(ctx context.Context, k K) (V, error) {
	if v, ok := l.near(k); ok {
		return v, nil
	}
	return l.loader().Load(ctx, k)
}

// Clear forgets k's value in this response's loader.
func (l *Loader[K, V]) Clear(k K) { l.loader().Clear(k) }

// Prime sets k's value for the rest of this response, unless it has one;
// Load then answers it, whatever the near cache holds (a mutation's own
// result; Clear first to replace one).
func (l *Loader[K, V]) Prime(k K, v V) bool {
	l.mu.Lock()
	if l.primed == nil {
		l.primed = map[K]bool{}
	}
	l.primed[k] = true
	l.mu.Unlock()
	return l.loader().Prime(k, v)
}

// near returns k's value in the near cache, unless k was primed.
func (l *Loader[K, V]) near(k K) (V, bool) {
	l.mu.Lock()
	primed := l.primed[k]
	l.mu.Unlock()
	if primed {
		var zero V
		return zero, false
	}
	return l.peek(k)
}

// LoadThunk starts loading k unless the near cache holds it, and returns
// what waits for the value.
func (l *Loader[K, V]) LoadThunk(ctx context.Context, k K) func() (V, error) {
	if v, ok := l.near(k); ok {
		return func() (V, error) { return v, nil }
	}
	return l.loader().LoadThunk(ctx, k)
}

// NewLoaders returns fresh loaders for the viewer v (nil without a
// session). Missing keys load as dataloadgen.ErrNotFound.
func (r *Resolver) NewLoaders(v *identity.Viewer) *Loaders {
	wait := dataloadgen.WithWait(time.Millisecond)
	return &Loaders{
		Stats:      newLoader(r.Judging.CachedAggregates, r.Judging.Aggregates, wait),
		FreshStats: newLoader(noPeek[uuid.UUID, *judging.Aggregates], r.Judging.LoadAggregates, wait),
		Voted: newLoader(noPeek[uuid.UUID, bool], func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
			out := make(map[uuid.UUID]bool, len(ids)) // every id: false is an answer, not a missing key
			var voted map[uuid.UUID]bool
			if v != nil {
				var err error
				if voted, err = r.Judging.VotedOn(ctx, v.ID, ids); err != nil {
					return nil, err
				}
			}
			for _, id := range ids {
				out[id] = voted[id]
			}
			return out, nil
		}, wait),
		User:  newLoader(r.Identity.CachedUser, r.Identity.Users, wait),
		Photo: newLoader(r.Photos.Cached, r.Photos.Load, wait),
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
