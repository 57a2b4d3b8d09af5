package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/user"
)

// Loaders batch the lookups of one GraphQL operation: the number of SQL
// statements of a query does not grow with the number of items it returns.
// They live for one operation only (never a whole WebSocket connection), so
// their caches cannot go stale.
type Loaders struct {
	User *dataloadgen.Loader[uuid.UUID, *ent.User]
}

// NewLoaders returns fresh loaders reading through client.
func NewLoaders(client *ent.Client) *Loaders {
	return &Loaders{
		User: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.User, error) {
			users, err := client.User.Query().Where(user.IDIn(ids...)).All(ctx)
			if err != nil {
				return nil, err
			}
			m := make(map[uuid.UUID]*ent.User, len(users))
			for _, u := range users {
				m[u.ID] = u
			}
			return m, nil
		}, dataloadgen.WithWait(time.Millisecond)),
	}
}

type loadersKey struct{}

// LoadersExtension gives every operation its own Loaders.
type LoadersExtension struct{ Client *ent.Client }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = LoadersExtension{}

// ExtensionName implements graphql.HandlerExtension.
func (LoadersExtension) ExtensionName() string { return "Loaders" }

// Validate implements graphql.HandlerExtension.
func (LoadersExtension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor.
func (e LoadersExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, loadersKey{}, NewLoaders(e.Client)))
}

// loaders returns the operation's loaders; outside an operation (tests
// calling resolvers directly) it makes fresh ones.
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(r.Client)
}
