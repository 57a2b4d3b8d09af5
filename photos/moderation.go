package photos

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/predicate"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/relay"
)

// The photos table's side of moderation (package moderation decides; this
// file writes and reads the rows): a report's effect on a photo, a
// moderator's RESTORE, the moderation queue, and the owner's confirmation
// of consent.

// ReportEffect is what one report does to its photo's row.
type ReportEffect struct {
	Counted  bool // the report counts: counted_reports grows by one
	Priority bool // a counted MINOR report: the photo tops the queue
	Hide     bool // the photo is hidden pending review
}

// ApplyReport records a report's effect on the photo p, which the caller
// locked within tx (Lock): reported_at is set when it was not, the counts
// and the priority grow, and a photo to hide becomes hidden, its
// statistics version moving on so that live subscribers get the change.
// Once tx commits, its cached row is dropped, and for a hidden photo the
// observers are told (subscriptions of those who may no longer see it
// end).
func (s *Service) ApplyReport(ctx context.Context, tx *ent.Tx, p *ent.Photo, e ReportEffect, now time.Time) (*ent.Photo, error) {
	u := tx.Photo.UpdateOne(p)
	if p.ReportedAt == nil {
		u.SetReportedAt(now)
	}
	if e.Counted {
		u.AddCountedReports(1)
	}
	if e.Priority {
		u.SetReviewPriority(true)
	}
	hides := e.Hide && p.Status == photo.StatusActive
	if hides {
		u.SetStatus(photo.StatusHidden).AddStatsVersion(1)
	}
	p, err := u.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: applying a report: %w", err)
	}
	s.afterCommit(ctx, tx, p, hides)
	return p, nil
}

// Restore shows the photo id again within tx (a moderator's RESTORE): it
// becomes active, and leaves the queue (reported_at, counted_reports and
// review_priority cleared). It returns the row after the change,
// NOT_FOUND when the photo is gone. Once tx commits, as ApplyReport.
func (s *Service) Restore(ctx context.Context, tx *ent.Tx, id uuid.UUID) (*ent.Photo, error) {
	rows, err := s.Lock(ctx, tx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	p := rows[id]
	if p == nil {
		return nil, errNoSuchPhoto()
	}
	shows := p.Status != photo.StatusActive
	u := tx.Photo.UpdateOne(p).SetStatus(photo.StatusActive).ClearReportedAt().
		SetCountedReports(0).SetReviewPriority(false)
	if shows {
		u.AddStatsVersion(1)
	}
	if p, err = u.Save(ctx); err != nil {
		return nil, fmt.Errorf("photos: restoring: %w", err)
	}
	s.afterCommit(ctx, tx, p, shows)
	return p, nil
}

// afterCommit arranges, once tx commits, for p's cached row to go, and
// when who may see p changed, for the observers to be told (changed).
func (s *Service) afterCommit(ctx context.Context, tx *ent.Tx, p *ent.Photo, visibility bool) {
	ctx = context.WithoutCancel(ctx)
	entx.AfterCommit(tx, func() {
		if visibility {
			s.changed(ctx, Change{Photo: p}) // drops the row, in the background for the rest
			return
		}
		go s.forget(ctx, p.ID)
	})
}

// OwnedIn returns the ids of every photo of owner, read within tx.
func (s *Service) OwnedIn(ctx context.Context, tx *ent.Tx, owner uuid.UUID) ([]uuid.UUID, error) {
	ids, err := tx.Photo.Query().Where(photo.OwnerID(owner)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: owned by: %w", err)
	}
	return ids, nil
}

// QueueKey is a photo's place in the moderation queue: photos with a
// counted MINOR report first, then hidden ones, then by oldest report
// (reported_at), then by id.
type QueueKey struct {
	Priority bool
	Hidden   bool
	Reported time.Time
	ID       uuid.UUID
}

// QueueKeyOf returns p's place in the moderation queue.
func QueueKeyOf(p *ent.Photo) QueueKey {
	k := QueueKey{Priority: p.ReviewPriority, Hidden: UnderReview(p), ID: p.ID}
	if p.ReportedAt != nil {
		k.Reported = *p.ReportedAt
	}
	return k
}

// Queue returns a window of the reported photos (those with an open
// report: reported_at set) in queue order, and what lies beyond it. A
// backward window is read in reverse order and returned in queue order.
// One query.
func (s *Service) Queue(ctx context.Context, w relay.Window[QueueKey]) ([]*ent.Photo, relay.Info, error) {
	q := s.client.Photo.Query().Where(photo.ReportedAtNotNil())
	if a := w.After; a != nil {
		q.Where(queueBeyond(*a, true))
	}
	if b := w.Before; b != nil {
		q.Where(queueBeyond(*b, false))
	}
	// "hidden" sorts after "active": descending puts hidden photos first.
	first, then := entsql.OrderDesc(), entsql.OrderAsc()
	if w.Backward {
		first, then = then, first
	}
	list, err := q.Order(photo.ByReviewPriority(first), photo.ByStatus(first), photo.ByReportedAt(then), photo.ByID(then)).
		Limit(w.N + 1).All(ctx)
	if err != nil {
		return nil, relay.Info{}, fmt.Errorf("photos: moderation queue: %w", err)
	}
	list, info := relay.Cut(w, list)
	return list, info, nil
}

// queueBeyond is the keyset predicate for the photos later in the queue
// than k (later true) or earlier. Later: a lower rank (priority, then
// hidden), or the same rank and later by (reported_at, id).
func queueBeyond(k QueueKey, later bool) predicate.Photo {
	status := photo.StatusActive
	if k.Hidden {
		status = photo.StatusHidden
	}
	byTime := photo.Or(photo.ReportedAtGT(k.Reported), photo.And(photo.ReportedAt(k.Reported), photo.IDGT(k.ID)))
	if !later {
		byTime = photo.Or(photo.ReportedAtLT(k.Reported), photo.And(photo.ReportedAt(k.Reported), photo.IDLT(k.ID)))
	}
	ors := []predicate.Photo{photo.And(photo.ReviewPriority(k.Priority), photo.StatusEQ(status), byTime)}
	// Another priority: later is without one (when k has it), earlier with.
	if k.Priority == later {
		ors = append(ors, photo.ReviewPriority(!later))
	}
	// The same priority, other status: later is active (when k is
	// hidden), earlier hidden (when k is active).
	if k.Hidden == later {
		other := photo.StatusActive
		if !later {
			other = photo.StatusHidden
		}
		ors = append(ors, photo.And(photo.ReviewPriority(k.Priority), photo.StatusEQ(other)))
	}
	return photo.Or(ors...)
}

// ConfirmConsent stores the consent of the owner v for photo id, uploaded
// without it, with the time: owner only (NOT_FOUND for those who may not
// see it, FORBIDDEN for others). Giving it again updates it. The photo's
// cached row is dropped.
func (s *Service) ConfirmConsent(ctx context.Context, v *identity.Viewer, id uuid.UUID, c Consent) (*ent.Photo, error) {
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := authz.CanConfirmConsent(v, FactsOf(p)); err != nil {
		return nil, err
	}
	p, err = p.Update().SetConsentShowsMe(c.ShowsMe).SetConsentAdult(c.Adult).
		SetConsentAcceptsJudging(c.AcceptsJudging).SetNillableConsentedAt(c.at()).Save(ctx)
	if ent.IsNotFound(err) { // deleted meanwhile
		return nil, errNoSuchPhoto()
	}
	if err != nil {
		return nil, fmt.Errorf("photos: confirming consent: %w", err)
	}
	s.forget(context.WithoutCancel(ctx), id)
	return p, nil
}

// UnderReview reports whether moderation hides p pending review (its
// status is hidden): Photo.moderationState's UNDER_REVIEW.
func UnderReview(p *ent.Photo) bool { return p.Status == photo.StatusHidden }
