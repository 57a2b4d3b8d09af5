package photos

import (
	"context"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/photoskip"
	"github.com/facestat/facestat/ent/predicate"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/relay"
)

// FactsOf is what p's row says to authz.PhotoAccess.
func FactsOf(p *ent.Photo) authz.Photo {
	return authz.Photo{Owner: p.OwnerID, Public: p.IsPublic, Active: p.Status == photo.StatusActive}
}

// ListedOnly is authz.Listed as a query predicate: public, active photos.
func ListedOnly() predicate.Photo {
	return photo.And(photo.IsPublic(true), photo.StatusEQ(photo.StatusActive))
}

// activeOnly is the part of authz.PhotoAccess's Judge that a query can
// apply to every viewer: the photo is active.
func activeOnly() predicate.Photo { return photo.StatusEQ(photo.StatusActive) }

// Get reads one photo from the database (never the cache). NOT_FOUND when
// there is none.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*ent.Photo, error) {
	p, err := s.client.Photo.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errNoSuchPhoto()
	}
	if err != nil {
		return nil, fmt.Errorf("photos: get: %w", err)
	}
	return p, nil
}

// Fresh reads the photos ids from the database (never the cache), by id;
// missing ones are absent. One query.
func (s *Service) Fresh(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.Photo, error) {
	rows, err := s.client.Photo.Query().Where(photo.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: read: %w", err)
	}
	return entx.ByID(rows, func(p *ent.Photo) uuid.UUID { return p.ID }), nil
}

// Load reads photos through the cache (the per-request loaders use it;
// the image handler reads imageAccess instead): those it holds, then the rest in one query,
// which then fill it. Missing photos are absent. A cached row may be up to
// a second behind a change of visibility (see changed), and its vote count
// behind the latest votes.
func (s *Service) Load(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.Photo, error) {
	return cache.Load(ctx, s.cfg.Cache, ids, cache.PhotoKey, s.Fresh)
}

// OwnedBy returns the ids of every photo of owner.
func (s *Service) OwnedBy(ctx context.Context, owner uuid.UUID) ([]uuid.UUID, error) {
	ids, err := s.client.Photo.Query().Where(photo.OwnerID(owner)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: owned by: %w", err)
	}
	return ids, nil
}

// Listing says which photos List returns.
type Listing struct {
	// Owner, when not nil, restricts the list to one account's photos.
	Owner *uuid.UUID
	// Ascending orders oldest first; the default is newest first.
	Ascending bool
}

// List returns one page of the photos v (nil: a client without a session)
// may list, by creation time, and what lies beyond it: the listed ones
// (authz.Listed), and, of an account's photos, all of them (private and
// hidden too) for those authz.ListsAllPhotosOf allows. A backward page is
// read in reverse order (keyset predicates on (created_at, id) bound both
// ends) and returned in the list's order.
func (s *Service) List(ctx context.Context, v *identity.Viewer, page relay.Page, l Listing) ([]*ent.Photo, relay.Info, error) {
	q := s.client.Photo.Query()
	if l.Owner != nil {
		q.Where(photo.OwnerID(*l.Owner))
	}
	if l.Owner == nil || !authz.ListsAllPhotosOf(v, *l.Owner) {
		q.Where(ListedOnly())
	}
	// beyond is the keyset predicate "greater (or less) than c".
	beyond := func(c relay.Cursor, greater bool) predicate.Photo {
		if greater {
			return photo.Or(photo.CreatedAtGT(c.Time), photo.And(photo.CreatedAt(c.Time), photo.IDGT(c.ID)))
		}
		return photo.Or(photo.CreatedAtLT(c.Time), photo.And(photo.CreatedAt(c.Time), photo.IDLT(c.ID)))
	}
	if c := page.After; c != nil {
		q.Where(beyond(*c, l.Ascending))
	}
	if c := page.Before; c != nil {
		q.Where(beyond(*c, !l.Ascending))
	}
	order := entsql.OrderDesc()
	if l.Ascending != page.Backward { // a backward page reads the list in reverse
		order = entsql.OrderAsc()
	}
	list, err := q.Order(photo.ByCreatedAt(order), photo.ByID(order)).Limit(page.N + 1).All(ctx)
	if err != nil {
		return nil, relay.Info{}, fmt.Errorf("photos: list: %w", err)
	}
	list, info := relay.Cut(page, list)
	return list, info, nil
}

// CursorOf returns the cursor of p in lists ordered by creation time.
func CursorOf(p *ent.Photo) relay.Cursor { return relay.Cursor{Time: p.CreatedAt, ID: p.ID} }

// PickToJudge returns one of the n least-judged photos judge (nil: a
// client without a session) may judge and has neither judged nor skipped
// (skipPhoto) yet, leaving out skip, picked at random; nil when there is
// none. Active photos only (authz.PhotoAccess's Judge), never the judge's
// own. The candidates come in (judge queue, vote tier, id) order, an
// index scan: photos whose owner ran out of karma (queue 1) after the
// others; by vote count below 16 votes, then by quarters of its doublings
// (VoteTier), and within a tier in id order (ids are random, so no photo
// is favoured for its age or owner).
//
// Usually served from the instance's head of that order (judginghead.go):
// two statements, the judge's judged and skipped photos and the chosen
// row. Otherwise the walk (pickByWalk): one statement.
func (s *Service) PickToJudge(ctx context.Context, judge *uuid.UUID, skip []uuid.UUID, n int) (*ent.Photo, error) {
	p, ok, err := s.pickFromHead(ctx, judge, skip, n)
	if err != nil || ok {
		return p, err
	}
	return s.pickByWalk(ctx, judge, skip, n)
}

// pickByWalk is PickToJudge in one statement, which walks the order past
// the photos the judge judged or skipped and draws one of the first n
// left by random(), reading one row.
func (s *Service) pickByWalk(ctx context.Context, judge *uuid.UUID, skip []uuid.UUID, n int) (*ent.Photo, error) {
	where := []predicate.Photo{activeOnly()}
	if judge != nil {
		where = append(where, photo.OwnerIDNEQ(*judge), photo.Not(photo.HasVotesWith(vote.JudgeID(*judge))),
			photo.Not(photo.HasSkipsWith(photoskip.JudgeID(*judge))))
	}
	if len(skip) > 0 {
		where = append(where, photo.IDNotIn(skip...))
	}
	t := entsql.Table(photo.Table)
	candidates := entsql.Select(t.C(photo.FieldID)).From(t).
		OrderBy(t.C(photo.FieldJudgeQueue), t.C(photo.FieldVoteTier), t.C(photo.FieldID)).Limit(n)
	for _, p := range where {
		p(candidates)
	}
	c := candidates.As("candidates")
	pick := entsql.Select(c.C(photo.FieldID)).From(c).OrderExpr(entsql.Expr("random()")).Limit(1)
	list, err := s.client.Photo.Query().Where(func(sel *entsql.Selector) {
		sel.Where(entsql.In(sel.C(photo.FieldID), pick))
	}).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: to judge: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list[0], nil
}

// JoinVisibility joins to sel, a query over rows whose column photoID names
// a photo, that photo's row, and selects its visibility as the columns
// "photo_public" and "photo_status"; ListedBy says what a row's values
// mean. The standings' query ranks photos through it.
func JoinVisibility(sel *entsql.Selector, photoID string) {
	p := entsql.Table(photo.Table)
	sel.Join(p).On(photoID, p.C(photo.FieldID)).
		AppendSelectAs(p.C(photo.FieldIsPublic), "photo_public").
		AppendSelectAs(p.C(photo.FieldStatus), "photo_status")
}

// ListedBy reports whether a photo with the visibility JoinVisibility
// selected is listed (authz.Listed).
func ListedBy(public bool, status string) bool {
	return authz.Listed(authz.Photo{Public: public, Active: status == string(photo.StatusActive)})
}

// Cached returns photo id's row if the near cache holds it (see
// cache.Peek): what Load would answer, at once.
func (s *Service) Cached(id uuid.UUID) (*ent.Photo, bool) {
	return cache.Peek[*ent.Photo](s.cfg.Cache, cache.PhotoKey(id))
}
