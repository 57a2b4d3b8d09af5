package graph

import (
	"context"
	"time"

	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/relay"
)

// Accounts people control (issue 14): password change and reset, the
// account's sessions. The work is package identity's.

// typeAccountSession is the relay type of a viewer's session.
const typeAccountSession = "AccountSession"

func (r *Resolver) sessionID(ctx context.Context, obj *ent.Session) (string, error) {
	return relay.IntID(typeAccountSession, obj.ID), nil
}

func (r *Resolver) sessionCurrent(ctx context.Context, obj *ent.Session) (bool, error) {
	v := identity.FromContext(ctx)
	return v.IsAccount() && v.SessionID == obj.ID, nil
}

func (r *Resolver) sessionExpiresAt(ctx context.Context, obj *ent.Session) (*time.Time, error) {
	return &obj.RefreshExpiresAt, nil
}

func (r *Resolver) sessionUserAgent(ctx context.Context, obj *ent.Session) (*string, error) {
	if obj.UserAgent == "" {
		return nil, nil
	}
	return &obj.UserAgent, nil
}

func (r *Resolver) changePassword(ctx context.Context, input model.ChangePasswordInput) (*model.ChangePasswordPayload, error) {
	v := identity.FromContext(ctx)
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	n, err := r.Identity.ChangePassword(ctx, v, input.CurrentPassword, input.NewPassword)
	if err != nil {
		return nil, err
	}
	return &model.ChangePasswordPayload{Viewer: v, EndedSessions: n}, nil
}

func (r *Resolver) requestPasswordReset(ctx context.Context, input model.RequestPasswordResetInput) (*model.RequestPasswordResetPayload, error) {
	if err := r.Identity.RequestPasswordReset(ctx, input.Email); err != nil {
		return nil, err
	}
	return &model.RequestPasswordResetPayload{Ok: true}, nil
}

func (r *Resolver) resetPassword(ctx context.Context, input model.ResetPasswordInput) (*model.ResetPasswordPayload, error) {
	if err := r.Identity.ResetPassword(ctx, input.Token, input.NewPassword); err != nil {
		return nil, err
	}
	return &model.ResetPasswordPayload{Ok: true}, nil
}

func (r *Resolver) signOutOtherSessions(ctx context.Context) (*model.SignOutOtherSessionsPayload, error) {
	v := identity.FromContext(ctx)
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	n, err := r.Identity.SignOutOtherSessions(ctx, v)
	if err != nil {
		return nil, err
	}
	return &model.SignOutOtherSessionsPayload{EndedSessions: n}, nil
}

func (r *Resolver) viewerSessions(ctx context.Context, obj *identity.Viewer) ([]*ent.Session, error) {
	if obj.ViaKey() {
		return nil, authz.CanManageAccount(obj) // a key never sees the sessions
	}
	return r.Identity.Sessions(ctx, obj)
}
