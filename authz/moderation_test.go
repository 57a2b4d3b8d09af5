package authz_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/identity"
)

// TestModerationRules: who may report a photo, moderate, confirm and read
// a photo's consent (docs/MODERATION.md), by error code ("" allowed).
func TestModerationRules(t *testing.T) {
	ownerID := uuid.New()
	owner := &identity.Viewer{ID: ownerID, Role: identity.RoleUser}
	moderator := &identity.Viewer{ID: uuid.New(), Role: identity.RoleModerator}
	admin := &identity.Viewer{ID: uuid.New(), Role: identity.RoleAdmin}
	stranger := &identity.Viewer{ID: uuid.New(), Role: identity.RoleUser}
	judge := &identity.Viewer{ID: uuid.New(), Anonymous: true, Role: identity.RoleUser}
	anonModerator := &identity.Viewer{ID: uuid.New(), Anonymous: true, Role: identity.RoleModerator}

	public := authz.Photo{Owner: ownerID, Public: true, Active: true}
	private := authz.Photo{Owner: ownerID, Active: true}
	hidden := authz.Photo{Owner: ownerID, Public: true}

	code := func(err error) facestat.Code { return facestat.ErrorCode(err) }
	for _, c := range []struct {
		name string
		got  facestat.Code
		want facestat.Code
	}{
		{"no session reports", code(authz.CanReport(nil, public)), facestat.Unauthenticated},
		{"judge reports public", code(authz.CanReport(judge, public)), ""},
		{"judge reports private", code(authz.CanReport(judge, private)), ""},
		{"judge reports hidden", code(authz.CanReport(judge, hidden)), facestat.NotFound},
		{"stranger reports hidden", code(authz.CanReport(stranger, hidden)), facestat.NotFound},
		{"owner reports own", code(authz.CanReport(owner, public)), facestat.Forbidden},
		{"moderator reports hidden", code(authz.CanReport(moderator, hidden)), ""},
		{"no session moderates", code(authz.CanModerate(nil)), facestat.Unauthenticated},
		{"judge moderates", code(authz.CanModerate(judge)), facestat.Unauthenticated},
		{"anonymous 'moderator' moderates", code(authz.CanModerate(anonModerator)), facestat.Unauthenticated},
		{"user moderates", code(authz.CanModerate(stranger)), facestat.Forbidden},
		{"moderator moderates", code(authz.CanModerate(moderator)), ""},
		{"admin moderates", code(authz.CanModerate(admin)), ""},
		{"owner confirms consent", code(authz.CanConfirmConsent(owner, hidden)), ""},
		{"stranger confirms public", code(authz.CanConfirmConsent(stranger, public)), facestat.Forbidden},
		{"stranger confirms private", code(authz.CanConfirmConsent(stranger, private)), facestat.NotFound},
		{"moderator confirms", code(authz.CanConfirmConsent(moderator, public)), facestat.Forbidden},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
	for v, want := range map[*identity.Viewer]bool{owner: true, moderator: true, admin: true, stranger: false, judge: false, anonModerator: false, nil: false} {
		if got := authz.SeesConsent(v, public); got != want {
			t.Errorf("SeesConsent(%+v) = %v, want %v", v, got, want)
		}
	}
}
