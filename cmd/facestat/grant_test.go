package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/ent/user"
)

// TestGrant runs `facestat grant moderator` and `facestat revoke
// moderator` through run on an embedded database: the role changes, an
// admin's stays, and unknown handles and bad usage are errors.
func TestGrant(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	d.User.Create().SetHandle("helper").SetEmail("helper@example.com").ExecX(ctx)
	d.User.Create().SetHandle("boss").SetEmail("boss@example.com").SetRole(user.RoleAdmin).ExecX(ctx)
	d.Close()
	getenv := func(k string) string {
		return map[string]string{"FACESTAT_DATA_DIR": dir, "FACESTAT_LOG_LEVEL": "warn"}[k]
	}
	facestat := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, getenv, &out, &out)
		return out.String(), err
	}
	role := func(handle string) user.Role {
		d, err := db.Open(ctx, db.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		return d.User.Query().Where(user.Handle(handle)).OnlyX(ctx).Role
	}
	for _, c := range []struct {
		args    []string
		out     string
		wantErr string
		role    user.Role
	}{
		{[]string{"grant", "moderator", "Helper"}, "helper is now a moderator", "", user.RoleModerator},
		{[]string{"grant", "moderator", "helper"}, "helper is a moderator already", "", user.RoleModerator},
		{[]string{"revoke", "moderator", "helper"}, "helper is now a user", "", user.RoleUser},
		{[]string{"revoke", "moderator", "helper"}, "helper is a user already", "", user.RoleUser},
		{[]string{"grant", "moderator", "nobody"}, "", "no account with the handle", user.RoleUser},
		{[]string{"grant", "admin", "helper"}, "", "usage: facestat grant moderator HANDLE", user.RoleUser},
		{[]string{"revoke", "moderator"}, "", "usage: facestat revoke moderator HANDLE", user.RoleUser},
		{[]string{"grant", "moderator", "no such handle!"}, "", "is not a handle", user.RoleUser},
	} {
		out, err := facestat(c.args...)
		switch {
		case c.wantErr == "" && err != nil, c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Fatalf("%v: error %v, want %q", c.args, err, c.wantErr)
		case !strings.Contains(out, c.out):
			t.Fatalf("%v: printed %q, want %q", c.args, out, c.out)
		}
		if got := role("helper"); got != c.role {
			t.Fatalf("%v: helper is a %s, want %s", c.args, got, c.role)
		}
	}
	if _, err := facestat("revoke", "moderator", "boss"); err == nil || role("boss") != user.RoleAdmin {
		t.Fatalf("revoking an admin: %v, role %s", err, role("boss"))
	}
}
