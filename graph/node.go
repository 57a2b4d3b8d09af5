package graph

import (
	"context"
	"errors"
	"sync"

	"github.com/vikstrous/dataloadgen"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/relay"
)

// maxNodes bounds nodes(ids:).
const maxNodes = 100

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

func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, facestat.InputError("ids", facestat.ReasonOutOfRange, "at most %d ids at once", maxNodes)
	}
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids { // concurrently, so the loaders see one batch
		wg.Go(func() { out[i], errs[i] = r.node(ctx, id) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// isNotFound reports a missing row, from ent or from a dataloader.
func isNotFound(err error) bool {
	return ent.IsNotFound(err) || errors.Is(err, dataloadgen.ErrNotFound)
}
