package graph

import (
	"context"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/relay"
)

// typeAPIKey is the relay type of an API key's id.
const typeAPIKey = "ApiKey"

func (r *Resolver) createAPIKey(ctx context.Context, input model.CreateAPIKeyInput) (*model.CreateAPIKeyPayload, error) {
	v := identity.FromContext(ctx)
	if err := authz.CanManageAccount(v); err != nil {
		return nil, err
	}
	scopes := []identity.Scope{identity.ScopeRead}
	for _, s := range input.Scopes {
		if s == model.APIKeyScopeWrite {
			scopes = append(scopes, identity.ScopeWrite)
		}
	}
	key, row, err := r.Identity.CreateAPIKey(ctx, v, input.Name, scopes)
	if err != nil {
		return nil, err
	}
	return &model.CreateAPIKeyPayload{Key: key, APIKey: row}, nil
}

func (r *Resolver) revokeAPIKey(ctx context.Context, input model.RevokeAPIKeyInput) (*model.RevokeAPIKeyPayload, error) {
	v := identity.FromContext(ctx)
	if err := authz.CanManageAccount(v); err != nil {
		return nil, err
	}
	id, ok := relay.ParseIntID(input.ID, typeAPIKey)
	if !ok {
		return nil, facestat.Errorf(facestat.NotFound, "no such key")
	}
	row, err := r.Identity.RevokeAPIKey(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return &model.RevokeAPIKeyPayload{ID: relay.IntID(typeAPIKey, row.ID)}, nil
}

func (r *Resolver) viewerAPIKeys(ctx context.Context, obj *identity.Viewer) ([]*ent.ApiKey, error) {
	if !obj.IsAccount() {
		return []*ent.ApiKey{}, nil
	}
	if err := authz.CanManageAccount(obj); err != nil {
		return nil, err
	}
	return r.Identity.APIKeys(ctx, obj)
}

func apiKeyScopes(k *ent.ApiKey) []model.APIKeyScope {
	out := []model.APIKeyScope{}
	for _, s := range identity.DecodeScopes(k.Scopes) {
		switch s {
		case identity.ScopeRead:
			out = append(out, model.APIKeyScopeRead)
		case identity.ScopeWrite:
			out = append(out, model.APIKeyScopeWrite)
		}
	}
	return out
}
