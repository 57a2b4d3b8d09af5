package graph

import (
	"context"
	"time"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
)

// Accounts people control (issue 14): stubs, to be built.

func (r *Resolver) sessionID(ctx context.Context, obj *ent.Session) (string, error) {
	return "", errNotBuilt
}

func (r *Resolver) sessionCurrent(ctx context.Context, obj *ent.Session) (bool, error) {
	return false, errNotBuilt
}

func (r *Resolver) sessionExpiresAt(ctx context.Context, obj *ent.Session) (*time.Time, error) {
	return nil, errNotBuilt
}

func (r *Resolver) sessionUserAgent(ctx context.Context, obj *ent.Session) (*string, error) {
	return nil, errNotBuilt
}

func (r *Resolver) changePassword(ctx context.Context, input model.ChangePasswordInput) (*model.ChangePasswordPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) requestPasswordReset(ctx context.Context, input model.RequestPasswordResetInput) (*model.RequestPasswordResetPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) resetPassword(ctx context.Context, input model.ResetPasswordInput) (*model.ResetPasswordPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) signOutOtherSessions(ctx context.Context) (*model.SignOutOtherSessionsPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) viewerSessions(ctx context.Context, obj *identity.Viewer) ([]*ent.Session, error) {
	return nil, errNotBuilt
}
