package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/relay"
)

// Global id types.
const (
	typePhoto      = "Photo"
	typeUser       = "User"
	typeViewer     = "Viewer"
	typeQuestion   = "Question"
	typePhotoStats = "PhotoStats"
)

// pageInfo is a connection's PageInfo without its cursors.
func pageInfo(i relay.Info) *model.PageInfo {
	return &model.PageInfo{HasNextPage: i.HasNext, HasPreviousPage: i.HasPrevious}
}

// photoConnection wraps one page of photos.
func photoConnection(list []*ent.Photo, info relay.Info) *model.PhotoConnection {
	c := &model.PhotoConnection{
		Edges:    make([]*model.PhotoEdge, len(list)),
		Nodes:    list,
		PageInfo: pageInfo(info),
	}
	for i, p := range list {
		c.Edges[i] = &model.PhotoEdge{Cursor: photos.CursorOf(p).String(), Node: p}
	}
	if n := len(list); n > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[n-1].Cursor
	}
	return c
}

// listPhotos validates the page arguments and returns one page of the
// listing.
func (r *Resolver) listPhotos(ctx context.Context, args relay.Args, l photos.Listing) (*model.PhotoConnection, error) {
	page, err := relay.ParsePage(args, r.MaxPageSize)
	if err != nil {
		return nil, err
	}
	list, info, err := r.Photos.List(ctx, identity.FromContext(ctx), page, l)
	if err != nil {
		return nil, err
	}
	r.prefetch(ctx, list)
	return photoConnection(list, info), nil
}

// prefetch starts, for every photo of a list, the loads its selected
// fields will need, all from this goroutine: each loader then fetches the
// whole list in one batch, however the per-photo resolvers are scheduled.
// So a list costs the same number of statements for 1 or 100 photos.
func (r *Resolver) prefetch(ctx context.Context, list []*ent.Photo) {
	if len(list) == 0 || !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return
	}
	fields := photoFields(ctx)
	l := r.loaders(ctx)
	v := identity.FromContext(ctx)
	for _, p := range list {
		if (fields["owner"] || fields["postedBy"]) && authz.PhotoAccess(v, photos.FactsOf(p), false).Owner {
			l.User.LoadThunk(ctx, p.OwnerID) // only owners the viewer may know (postedBy)
		}
		if v != nil && (fields["viewerHasVoted"] || fields["viewerCanSeeStats"] || fields["stats"]) {
			l.Voted.LoadThunk(ctx, p.ID)
		}
		if fields["stats"] || fields["survey"] {
			l.Stats.LoadThunk(ctx, p.ID)
		}
	}
}

// photoFields returns the Photo fields selected under the current
// connection field, through `nodes` and `edges { node }`.
func photoFields(ctx context.Context) map[string]bool {
	oc := graphql.GetOperationContext(ctx)
	out := map[string]bool{}
	add := func(sel ast.SelectionSet) {
		for _, f := range graphql.CollectFields(oc, sel, nil) {
			out[f.Name] = true
		}
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "nodes":
			add(f.Selections)
		case "edges":
			for _, e := range graphql.CollectFields(oc, f.Selections, nil) {
				if e.Name == "node" {
					add(e.Selections)
				}
			}
		}
	}
	return out
}

// access is authz.PhotoAccess for the operation's viewer and p (through
// authz.Decide: whether the viewer voted on p is looked up, batched per
// response, only when it can change the answer).
func (r *Resolver) access(ctx context.Context, p *ent.Photo) (authz.Access, error) {
	return authz.Decide(ctx, identity.FromContext(ctx), photos.FactsOf(p), func(ctx context.Context) (bool, error) {
		return r.voted(ctx, p)
	})
}

// voted reports whether the viewer has voted on p (false without a session).
func (r *Resolver) voted(ctx context.Context, p *ent.Photo) (bool, error) {
	if identity.FromContext(ctx) == nil {
		return false, nil
	}
	return r.loaders(ctx).Voted.Load(ctx, p.ID)
}

// maxQuestionKey is the longest question key (ent/schema/question.go).
const maxQuestionKey = 40

// topPhotos pages through the standings' ranking for a question, showing
// only photos that are still public. Cursors are positions (score, id),
// found again by binary search in the ranking current at each request, so
// a recomputation between pages neither repeats nor skips the photos that
// kept their place. The page's start and end cursors are those of the
// ranking's window, also when photos at its ends were left out (deleted or
// no longer public since the ranking was computed): paging goes on past
// them.
func (r *Resolver) topPhotos(ctx context.Context, questionKey string, args relay.Args) (*model.PhotoConnection, error) {
	if len(questionKey) > maxQuestionKey {
		return nil, facestat.InputError("questionKey", facestat.ReasonTooLong, "a question key has at most %d bytes", maxQuestionKey)
	}
	q, ok := r.Judging.Survey.ByKey(questionKey)
	if !ok || q.Retired {
		return nil, facestat.InputError("questionKey", facestat.ReasonUnknownQuestion, "there is no question %q", questionKey)
	}
	if q.Kind == question.KindWORD {
		return nil, facestat.InputError("questionKey", facestat.ReasonInvalid, "word questions have no ranking")
	}
	w, err := relay.ParseWindow(args, r.MaxPageSize, relay.ParseScoreCursor)
	if err != nil {
		return nil, err
	}
	ranked := r.Judging.Standings.Top(q.ID)
	start, end, info := relay.Slice(ranked, w, func(x judging.Ranked, c relay.ScoreCursor) int {
		return judging.CompareRank(x.Score, x.Photo, c.Score, c.ID)
	})
	window := ranked[start:end]
	thunks := make([]func() (*ent.Photo, error), len(window))
	for i, x := range window { // one batch for the whole page
		thunks[i] = r.loaders(ctx).Photo.LoadThunk(ctx, x.Photo)
	}
	c := &model.PhotoConnection{Edges: []*model.PhotoEdge{}, Nodes: []*ent.Photo{}, PageInfo: pageInfo(info)}
	for i, thunk := range thunks {
		p, err := thunk()
		if isNotFound(err) {
			continue // deleted since the standings were computed
		}
		if err != nil {
			return nil, err
		}
		if !authz.Listed(photos.FactsOf(p)) { // gone private or hidden since
			continue
		}
		cursor := rankCursor(window[i])
		c.Edges = append(c.Edges, &model.PhotoEdge{Cursor: cursor, Node: p})
		c.Nodes = append(c.Nodes, p)
	}
	if n := len(window); n > 0 {
		first, last := rankCursor(window[0]), rankCursor(window[n-1])
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &first, &last
	}
	r.prefetch(ctx, c.Nodes)
	return c, nil
}

// rankCursor is the cursor of a place in a top list.
func rankCursor(x judging.Ranked) string {
	return relay.ScoreCursor{Score: x.Score, ID: x.Photo}.String()
}

// postedBy returns who posted p when the viewer may know (authz's Owner),
// nil otherwise: a private photo does not say whose it is to anyone but
// its owner and moderators, not even to a judge who voted on it. A vote
// never changes Owner, so none is looked up.
func (r *Resolver) postedBy(ctx context.Context, p *ent.Photo) (*ent.User, error) {
	if !authz.PhotoAccess(identity.FromContext(ctx), photos.FactsOf(p), false).Owner {
		return nil, nil
	}
	return r.loaders(ctx).User.Load(ctx, p.OwnerID)
}

// owner is postedBy for the deprecated non-null field: FORBIDDEN (reason
// OWNER_HIDDEN) where postedBy is null.
func (r *Resolver) owner(ctx context.Context, p *ent.Photo) (*ent.User, error) {
	u, err := r.postedBy(ctx, p)
	if u == nil && err == nil {
		return nil, &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonOwnerHidden,
			Message: "who posted this photo is not shown to you; ask for postedBy, which is null then"}
	}
	return u, err
}

// stats returns p's statistics, or nil when the viewer may not see them
// (authz's View).
func (r *Resolver) stats(ctx context.Context, p *ent.Photo) (*judging.PhotoStats, error) {
	if a, err := r.access(ctx, p); !a.View || err != nil {
		return nil, err
	}
	agg, err := r.loaders(ctx).StatsOf(p.ID).Load(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return r.Judging.BuildShared(p, agg), nil // loaded values are shared, never modified
}

// statsPhoto returns the photo statistics belong to, FORBIDDEN when the
// viewer may not see it (statistics travel in subscriptions, which may
// outlive the viewer's right to see the photo).
func (r *Resolver) statsPhoto(ctx context.Context, s *judging.PhotoStats) (*ent.Photo, error) {
	p, err := r.loaders(ctx).Photo.Load(ctx, s.PhotoID)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if p == nil {
		return nil, facestat.Errorf(facestat.Forbidden, "you may not see this photo")
	}
	if a, err := r.access(ctx, p); !a.View || err != nil {
		if err != nil {
			return nil, err
		}
		return nil, facestat.Errorf(facestat.Forbidden, "you may not see this photo")
	}
	return p, nil
}

// selects reports whether the field being resolved selects a field named
// name (through fragments too, as @skip and @include leave them; aliases
// do not matter); false outside an operation.
func selects(ctx context.Context, name string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return false
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}
