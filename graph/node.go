package graph

import (
	"context"
	"errors"

	"github.com/vikstrous/dataloadgen"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/relay"
)

// maxNodes bounds nodes(ids:).
const maxNodes = 100

// node returns the object behind a global id, or nil when it does not
// exist or the viewer may not see it.
func (r *Resolver) node(ctx context.Context, gid string) (model.Node, error) {
	typ, id, ok := relay.ParseID(gid)
	if !ok {
		return nil, nil
	}
	switch typ {
	case typePhoto:
		p, err := r.Photos.Get(ctx, identity.FromContext(ctx), id)
		if facestat.ErrorCode(err) == facestat.NotFound {
			return nil, nil
		}
		if err != nil {
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
	for i, id := range ids {
		n, err := r.node(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// isNotFound reports a missing row, from ent or from a dataloader.
func isNotFound(err error) bool {
	return ent.IsNotFound(err) || errors.Is(err, dataloadgen.ErrNotFound)
}
