package graph

import (
	"context"

	"github.com/facestat/facestat/ent/dataexport"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
)

// Data export and account deletion (issue 14): package account does both.

func (r *Resolver) exportMyData(ctx context.Context) (*model.ExportMyDataPayload, error) {
	e, err := r.Account.Export(ctx, identity.FromContext(ctx))
	if err != nil {
		return nil, err
	}
	return &model.ExportMyDataPayload{URL: r.Account.URL(e.ID), Ready: e.State == dataexport.StateReady, ExpiresAt: e.ExpiresAt}, nil
}

func (r *Resolver) deleteAccount(ctx context.Context, input model.DeleteAccountInput) (*model.DeleteAccountPayload, error) {
	if err := r.Account.Delete(ctx, identity.FromContext(ctx), input.Password); err != nil {
		return nil, err
	}
	return &model.DeleteAccountPayload{Ok: true}, nil
}
