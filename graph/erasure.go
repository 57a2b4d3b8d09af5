package graph

import (
	"context"

	"github.com/facestat/facestat/graph/model"
)

// Data export and account deletion (issue 14): stubs, to be built.

func (r *Resolver) exportMyData(ctx context.Context) (*model.ExportMyDataPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) deleteAccount(ctx context.Context, input model.DeleteAccountInput) (*model.DeleteAccountPayload, error) {
	return nil, errNotBuilt
}
