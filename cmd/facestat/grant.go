package main

import (
	"context"
	"fmt"
	"io"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
)

// grant runs `facestat grant moderator HANDLE` (give true) and `facestat
// revoke moderator HANDLE`: it sets the account's role to moderator, or
// back to user, in the database. The command shares no cache with the
// running instances: a session they cached keeps its old role for at most
// cache.GrantTTL (10 s), a new sign-in gets the new role at once, and
// WebSockets opened with the old role are closed by the API's session
// watch. An admin's role is left alone.
func grant(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, give bool) error {
	verb := map[bool]string{true: "grant", false: "revoke"}[give]
	if len(args) < 2 || args[0] != "moderator" {
		return fmt.Errorf("usage: facestat %s moderator HANDLE [flags]", verb)
	}
	handle, err := identity.NormaliseHandle(args[1])
	if err != nil {
		return fmt.Errorf("%q is not a handle (3 to 30 of a-z, 0-9 and _)", args[1])
	}
	cfg, log, err := loadConfig(args[2:], getenv, stdout)
	if err != nil {
		return err
	}
	d, err := app.OpenDB(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.Client.User.Query().Where(user.Handle(handle), user.Anonymous(false)).Only(ctx)
	if err != nil {
		return fmt.Errorf("no account with the handle %q", handle)
	}
	role, from := user.RoleModerator, user.RoleUser
	if !give {
		role, from = user.RoleUser, user.RoleModerator
	}
	switch {
	case u.Role == user.RoleAdmin:
		return fmt.Errorf("%s is an admin; the role stays", handle)
	case u.Role == role:
		fmt.Fprintf(stdout, "%s is a %s already\n", handle, role)
		return nil
	}
	n, err := d.Client.User.Update().Where(user.ID(u.ID), user.RoleEQ(from)).SetRole(role).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("the role of %s changed meanwhile; run the command again", handle)
	}
	fmt.Fprintf(stdout, "%s is now a %s\n", handle, role)
	return nil
}
