package authz_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/identity"
)

// TestPhotoAccessTable is API.md's "Who sees what", written out by hand:
// for each viewer and each kind of photo, what it may do. The integration
// test TestVisibilityAgreesOnEveryPath checks that every path follows
// PhotoAccess; this checks that PhotoAccess says what the API promises.
func TestPhotoAccessTable(t *testing.T) {
	ownerID := uuid.New()
	owner := &identity.Viewer{ID: ownerID, Role: identity.RoleUser}
	moderator := &identity.Viewer{ID: uuid.New(), Role: identity.RoleModerator}
	admin := &identity.Viewer{ID: uuid.New(), Role: identity.RoleAdmin}
	stranger := &identity.Viewer{ID: uuid.New(), Role: identity.RoleUser}
	judge := &identity.Viewer{ID: uuid.New(), Anonymous: true, Role: identity.RoleUser}
	// An anonymous judge never owns a photo, even one whose id matches.
	impostor := &identity.Viewer{ID: ownerID, Anonymous: true, Role: identity.RoleUser}
	// Roles count only on accounts.
	anonModerator := &identity.Viewer{ID: uuid.New(), Anonymous: true, Role: identity.RoleModerator}

	public := authz.Photo{Owner: ownerID, Public: true, Active: true}
	private := authz.Photo{Owner: ownerID, Public: false, Active: true}
	hidden := authz.Photo{Owner: ownerID, Public: true, Active: false}
	hiddenPrivate := authz.Photo{Owner: ownerID, Public: false, Active: false}

	type access = authz.Access
	all := access{View: true, Judge: true, Image: true, Owner: true}
	viewOnly := access{View: true, Image: true, Owner: true} // owners and moderators of what they may not judge
	voter := access{View: true, Judge: true, Image: true}    // voted on a private photo: its stats, never whose it is
	judgeOnly := access{Judge: true, Image: true}            // served by nextPhoto, nothing more
	none := access{}
	for _, c := range []struct {
		name  string
		v     *identity.Viewer
		p     authz.Photo
		voted bool
		want  access
	}{
		{"owner/public", owner, public, false, viewOnly},
		{"owner/private", owner, private, false, viewOnly},
		{"owner/hidden", owner, hidden, false, viewOnly},
		{"moderator/public", moderator, public, false, all},
		{"moderator/private", moderator, private, false, all},
		{"moderator/hidden", moderator, hiddenPrivate, false, viewOnly},
		{"admin/private", admin, private, false, all},
		{"voter/public", judge, public, true, all},
		{"voter/private", judge, private, true, voter},
		{"account-voter/private", stranger, private, true, voter},
		{"voter/hidden", judge, hidden, true, none},
		{"stranger/public", stranger, public, false, all},
		{"stranger/private", stranger, private, false, judgeOnly},
		{"stranger/hidden", stranger, hidden, false, none},
		{"judge/private", judge, private, false, judgeOnly},
		{"nobody/public", nil, public, false, all},
		{"nobody/private", nil, private, false, judgeOnly},
		{"nobody/hidden", nil, hidden, false, none},
		{"impostor/private", impostor, private, false, judgeOnly},
		{"anonymous-moderator/private", anonModerator, private, false, judgeOnly},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := authz.PhotoAccess(c.v, c.p, c.voted); got != c.want {
				t.Errorf("PhotoAccess = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestVotedMatters: whether a viewer voted is worth looking up only for a
// viewer who could not see the photo otherwise; and it never changes
// whether an image may be fetched (the image handler never asks) nor
// whether the owner is shown (postedBy never asks).
func TestVotedMatters(t *testing.T) {
	ownerID := uuid.New()
	owner := &identity.Viewer{ID: ownerID}
	stranger := &identity.Viewer{ID: uuid.New()}
	viewers := []*identity.Viewer{nil, owner, stranger, {ID: uuid.New(), Role: identity.RoleModerator}, {ID: uuid.New(), Anonymous: true}}
	for _, pub := range []bool{true, false} {
		for _, active := range []bool{true, false} {
			p := authz.Photo{Owner: ownerID, Public: pub, Active: active}
			for _, v := range viewers {
				with, without := authz.PhotoAccess(v, p, true), authz.PhotoAccess(v, p, false)
				if authz.VotedMatters(v, p) != (with != without) {
					t.Errorf("VotedMatters(%+v, %+v) = %v, but access with a vote %+v, without %+v", v, p, authz.VotedMatters(v, p), with, without)
				}
				if with.Image != without.Image {
					t.Errorf("a vote changes Image for %+v on %+v", v, p)
				}
				if with.Owner != without.Owner {
					t.Errorf("a vote changes Owner for %+v on %+v", v, p)
				}
			}
		}
	}
	if !authz.VotedMatters(stranger, authz.Photo{Owner: ownerID, Active: true}) {
		t.Error("a stranger's vote on a private photo must matter")
	}
}

// TestListing: only public, active photos are listed; an account lists
// all its own photos, moderators anyone's.
func TestListing(t *testing.T) {
	ownerID := uuid.New()
	for _, c := range []struct {
		p    authz.Photo
		want bool
	}{
		{authz.Photo{Owner: ownerID, Public: true, Active: true}, true},
		{authz.Photo{Owner: ownerID, Public: false, Active: true}, false},
		{authz.Photo{Owner: ownerID, Public: true, Active: false}, false},
	} {
		if got := authz.Listed(c.p); got != c.want {
			t.Errorf("Listed(%+v) = %v, want %v", c.p, got, c.want)
		}
	}
	for _, c := range []struct {
		v    *identity.Viewer
		want bool
	}{
		{nil, false},
		{&identity.Viewer{ID: ownerID}, true},
		{&identity.Viewer{ID: ownerID, Anonymous: true}, false},
		{&identity.Viewer{ID: uuid.New()}, false},
		{&identity.Viewer{ID: uuid.New(), Role: identity.RoleModerator}, true},
	} {
		if got := authz.ListsAllPhotosOf(c.v, ownerID); got != c.want {
			t.Errorf("ListsAllPhotosOf(%+v) = %v, want %v", c.v, got, c.want)
		}
	}
}
