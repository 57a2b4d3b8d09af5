// Package authz is the one place that says who may see and do what. Every
// resolver asks here; none decides on its own.
package authz

import (
	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/identity"
)

// IsOwner reports whether v owns p.
func IsOwner(v *identity.Viewer, p *ent.Photo) bool {
	return v.IsAccount() && p.OwnerID == v.ID
}

// CanViewPhoto reports whether v may look a photo up by id and see its
// image and statistics (API.md, "Who sees what"): its owner, moderators,
// judges who voted on it (voted), and anyone for a public, active photo.
// Everyone else meets a private photo only as nextPhoto serves it.
func CanViewPhoto(v *identity.Viewer, p *ent.Photo, voted bool) bool {
	if IsOwner(v, p) || v.IsModerator() || (voted && p.Status == photo.StatusActive) {
		return true
	}
	return p.IsPublic && p.Status == photo.StatusActive
}

// CanSeeStats reports whether v may see p's statistics: the same people
// who may look it up.
func CanSeeStats(v *identity.Viewer, p *ent.Photo, voted bool) bool {
	return CanViewPhoto(v, p, voted)
}

// CanSeeAllPhotosOf reports whether v may list every photo of the account
// with ownerID, private ones included.
func CanSeeAllPhotosOf(v *identity.Viewer, owner *ent.User) bool {
	return (v.IsAccount() && v.ID == owner.ID) || v.IsModerator()
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
func CanChangeVisibility(v *identity.Viewer, p *ent.Photo) error {
	if IsOwner(v, p) {
		return nil
	}
	return refuse(v, p, "only the owner can change who sees a photo")
}

// CanDelete returns nil when v may delete p: its owner or a moderator.
func CanDelete(v *identity.Viewer, p *ent.Photo) error {
	if IsOwner(v, p) || v.IsModerator() {
		return nil
	}
	return refuse(v, p, "only the owner or a moderator can delete a photo")
}

func refuse(v *identity.Viewer, p *ent.Photo, why string) error {
	if !CanViewPhoto(v, p, false) {
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
