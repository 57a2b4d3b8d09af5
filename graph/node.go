package graph

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/relay"
)

// MaxNodes bounds nodes(ids:); the cost model (api/cost.go) prices the list by it.
const MaxNodes = 100

// node returns the object behind a global id, or nil when it does not
// exist or the viewer may not see it. Lookups go through the operation's
// loaders, so nodes(ids:) costs one query per type, not one per id.
func (r *Resolver) node(ctx context.Context, gid string) (model.Node, error) {
	if qid, ok := relay.ParseIntID(gid, typeQuestion); ok {
		q, ok := r.Judging.Survey.ByID(qid)
		if !ok {
			return nil, nil
		}
		return q, nil
	}
	typ, id, ok := relay.ParseID(gid)
	if !ok {
		return nil, nil
	}
	switch typ {
	case typePhoto:
		p, err := r.loaders(ctx).Photo.Load(ctx, id)
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if a, err := r.access(ctx, p); !a.View || err != nil {
			return nil, err
		}
		return p, nil
	case typeUser:
		u, err := r.loaders(ctx).User.Load(ctx, id)
		if isNotFound(err) || (err == nil && u.Anonymous) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return u, nil
	}
	return nil, nil
}

// nodes returns the objects behind ids, in order (nil for those that do
// not exist or the viewer may not see). Every lookup is started before any
// is awaited, from this goroutine, so each loader fetches the whole list in
// one batch: a query per type, whatever the number of ids.
func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > MaxNodes {
		return nil, facestat.InputError("ids", facestat.ReasonOutOfRange, "at most %d ids at once", MaxNodes)
	}
	l := r.loaders(ctx)
	photoThunks := map[uuid.UUID]func() (*ent.Photo, error){}
	for _, gid := range ids {
		switch typ, id, ok := relay.ParseID(gid); {
		case !ok:
		case typ == typePhoto:
			photoThunks[id] = l.Photo.LoadThunk(ctx, id)
		case typ == typeUser:
			l.User.LoadThunk(ctx, id)
		}
	}
	// Whether the viewer voted, for the photos where that decides.
	v := identity.FromContext(ctx)
	for id, thunk := range photoThunks {
		if p, err := thunk(); err == nil && authz.VotedMatters(v, photos.FactsOf(p)) {
			l.Voted.LoadThunk(ctx, id)
		}
	}
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	for i, id := range ids {
		out[i], errs[i] = r.node(ctx, id)
	}
	return out, errors.Join(errs...)
}

// isNotFound reports a missing row, from ent or from a dataloader.
func isNotFound(err error) bool {
	return ent.IsNotFound(err) || errors.Is(err, dataloadgen.ErrNotFound)
}
