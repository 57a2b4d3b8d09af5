// Package authz is the one place that says who may see and do what. Every
// path that shows a photo (photo, node, nodes, nextPhoto, lists, top lists,
// images, live results) asks PhotoAccess, and every change asks one of the
// Can… functions; none decides on its own.
package authz

import (
	"context"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
)

// Photo is what decides who may see a photo. photos.FactsOf reads it from
// a row; live results carry it in every snapshot.
type Photo struct {
	Owner  uuid.UUID
	Public bool
	// Active is false for a photo that is hidden or deleted: only its
	// owner and moderators see it then.
	Active bool
}

// Access is what a viewer may do with one photo (API.md, "Who sees what").
type Access struct {
	// View: look the photo up by id (photo, node, nodes), see its stats
	// (viewerCanSeeStats) and subscribe to its live results. Its owner,
	// moderators, judges who voted on it while it is active, and anyone
	// while it is public and active.
	View bool
	// Judge: be served the photo by nextPhoto and vote on it. Anyone but
	// its owner while it is active, public or not: private photos are
	// judged, that is what they are for. (Whether the viewer judged it
	// already is the vote's business, not visibility's.)
	Judge bool
	// Image: fetch its image and thumbnail, given their URL. Whoever may
	// view or judge it. Image URLs are capabilities: they are handed out
	// only with the photo, by the paths that check View or Judge.
	Image bool
	// Owner: know who posted it (postedBy). Its owner and moderators, and
	// anyone while it is public and active: a private photo never says
	// whose it is to anyone else, not even to a judge who voted on it and
	// may see its stats. A vote never changes it (so no path need look one
	// up to answer it).
	Owner bool
}

// PhotoAccess is the one rule of who may see a photo: v (nil without a
// session) and p, where voted tells whether v has voted on p. Call
// VotedMatters first to skip looking that up when it cannot change the
// answer.
func PhotoAccess(v *identity.Viewer, p Photo, voted bool) Access {
	owner := v.IsAccount() && p.Owner == v.ID
	staff := owner || v.IsModerator()
	voted = voted && v != nil // only a session votes
	a := Access{
		View:  staff || (p.Active && (p.Public || voted)),
		Judge: p.Active && !owner,
	}
	a.Image = a.View || a.Judge
	a.Owner = staff || Listed(p)
	return a
}

// VotedMatters reports whether PhotoAccess's answer for v and p depends on
// whether v voted on p: only then need the caller find out.
func VotedMatters(v *identity.Viewer, p Photo) bool {
	return v != nil && PhotoAccess(v, p, false) != PhotoAccess(v, p, true)
}

// Decide is PhotoAccess for v and p, calling votedOn to learn whether v
// voted on p only when that can change the answer (VotedMatters): the way
// every path asks, with the lookup it can afford (a batching loader, one
// query, a remembered answer).
func Decide(ctx context.Context, v *identity.Viewer, p Photo, votedOn func(context.Context) (bool, error)) (Access, error) {
	voted := false
	if VotedMatters(v, p) {
		var err error
		if voted, err = votedOn(ctx); err != nil {
			return Access{}, err
		}
	}
	return PhotoAccess(v, p, voted), nil
}

// Listed reports whether p appears in the public lists (photos, top lists,
// the front page, another account's photos): public and active photos.
// Private photos are judged but never listed. photos.ListedOnly is the same
// rule as a query predicate.
func Listed(p Photo) bool { return p.Public && p.Active }

// ListsAllPhotosOf reports whether v may list every photo of the account
// owner, private and hidden ones included, rather than its listed ones: the
// account itself and moderators.
func ListsAllPhotosOf(v *identity.Viewer, owner uuid.UUID) bool {
	return (v.IsAccount() && v.ID == owner) || v.IsModerator()
}

// RequireAccount returns UNAUTHENTICATED unless v is signed in to an account.
func RequireAccount(v *identity.Viewer) error {
	if v == nil {
		return facestat.Errorf(facestat.Unauthenticated, "sign in first")
	}
	if v.Anonymous {
		return facestat.Errorf(facestat.Unauthenticated, "this needs an account: sign up or sign in")
	}
	return nil
}

// CanChangeVisibility returns nil when v may make p public or private: its
// owner only. NOT_FOUND when v may not even see p, FORBIDDEN otherwise.
func CanChangeVisibility(v *identity.Viewer, p Photo) error {
	if v.IsAccount() && p.Owner == v.ID {
		return nil
	}
	return refuse(v, p, "only the owner can change who sees a photo")
}

// CanDelete returns nil when v may delete p: its owner or a moderator.
func CanDelete(v *identity.Viewer, p Photo) error {
	if (v.IsAccount() && p.Owner == v.ID) || v.IsModerator() {
		return nil
	}
	return refuse(v, p, "only the owner or a moderator can delete a photo")
}

// refuse answers a change v may not make to p: NOT_FOUND when v may not see
// p (its existence does not leak), FORBIDDEN otherwise. Having voted never
// grants a change, so it is not looked up.
func refuse(v *identity.Viewer, p Photo, why string) error {
	if !PhotoAccess(v, p, false).View {
		return facestat.Errorf(facestat.NotFound, "no such photo")
	}
	return facestat.Errorf(facestat.Forbidden, "%s", why)
}

// CanOperate returns nil when v may change how the service runs (force a
// degradation level): admins only. UNAUTHENTICATED without an account,
// FORBIDDEN for any other account.
func CanOperate(v *identity.Viewer) error {
	if err := RequireAccount(v); err != nil {
		return err
	}
	if v.Role != identity.RoleAdmin {
		return facestat.Errorf(facestat.Forbidden, "only an admin can do this")
	}
	return nil
}

// Moderation (issue 14, docs/MODERATION.md).

// CanReport returns nil when v may report p: any session (anonymous judges
// too) that may view or judge it, but not its owner. NOT_FOUND when v may
// neither view nor judge p (a hidden photo, for strangers: its existence
// does not leak), FORBIDDEN for one's own photo, UNAUTHENTICATED without
// a session. Whether v voted never matters here: a photo v may view
// because v voted on it is active, so v may judge it anyway.
func CanReport(v *identity.Viewer, p Photo) error {
	if v == nil {
		return facestat.Errorf(facestat.Unauthenticated, "start a session first (startAnonymousSession needs no account)")
	}
	a := PhotoAccess(v, p, false)
	switch {
	case v.IsAccount() && p.Owner == v.ID:
		return facestat.Errorf(facestat.Forbidden, "you cannot report your own photo; delete it instead")
	case !a.View && !a.Judge:
		return facestat.Errorf(facestat.NotFound, "no such photo")
	}
	return nil
}

// CanModerate returns nil when v may use the moderation queue, the
// moderation log and moderatePhoto: moderators and admins.
// UNAUTHENTICATED without an account, FORBIDDEN for any other account.
func CanModerate(v *identity.Viewer) error {
	if err := RequireAccount(v); err != nil {
		return err
	}
	if !v.IsModerator() {
		return facestat.Errorf(facestat.Forbidden, "only a moderator can do this")
	}
	return nil
}

// CanConfirmConsent returns nil when v may confirm the consent of p: its
// owner only (NOT_FOUND for those who may not see p, FORBIDDEN otherwise).
func CanConfirmConsent(v *identity.Viewer, p Photo) error {
	if v.IsAccount() && p.Owner == v.ID {
		return nil
	}
	return refuse(v, p, "only the owner can confirm the consent for a photo")
}

// SeesConsent reports whether v may read the consent given for p: its
// owner and moderators.
func SeesConsent(v *identity.Viewer, p Photo) bool {
	return (v.IsAccount() && p.Owner == v.ID) || v.IsModerator()
}
