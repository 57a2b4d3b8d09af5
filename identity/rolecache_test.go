package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/inmem"
)

// TestRoleChangeDropsCachedSessions: a session authenticated (and so
// cached) before its account's role changed gets the new role on its next
// request, whether the role was changed alone or inside a transaction.
func TestRoleChangeDropsCachedSessions(t *testing.T) {
	ctx := context.Background()
	s, d, _ := newService(t)
	s.Cache = inmem.NewCache(100)
	ses := signUp(t, s, "mod", "mod@example.com", "correct horse battery")
	role := func() identity.Role {
		t.Helper()
		v, err := s.Authenticate(ctx, ses.Token)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		return v.Role
	}
	if got := role(); got != identity.RoleUser { // now cached
		t.Fatalf("role = %s before any change", got)
	}

	t.Run("UpdateOne", func(t *testing.T) {
		if err := d.Client.User.UpdateOneID(ses.Viewer.ID).SetRole(user.RoleModerator).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if got := role(); got != identity.RoleModerator {
			t.Fatalf("role = %s after the promotion, want moderator", got)
		}
	})
	t.Run("UpdateInATransaction", func(t *testing.T) {
		err := entx.WithTx(ctx, d.Client, func(tx *ent.Tx) error {
			return tx.User.Update().Where(user.Handle("mod")).SetRole(user.RoleUser).Exec(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		// The sessions are dropped by a goroutine once the commit is done.
		for deadline := time.Now().Add(5 * time.Second); role() != identity.RoleUser; {
			if time.Now().After(deadline) {
				t.Fatal("a demoted moderator kept the role 5 s after the change")
			}
			time.Sleep(10 * time.Millisecond) // polling, with the deadline above
		}
	})
}
