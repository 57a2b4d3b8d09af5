package graph

import (
	"context"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
)

// levelNames maps the API's enum onto admission's levels, in order.
var levelNames = []model.DegradationLevel{model.DegradationLevelNormal, model.DegradationLevelStaleExtras, model.DegradationLevelPauseUploads}

func (r *Resolver) serviceStatus() *model.ServiceStatus {
	return &model.ServiceStatus{DegradationLevel: levelNames[r.Admission.Level()], Forced: r.Admission.Forced() != nil}
}

func (r *Resolver) setDegradation(ctx context.Context, input model.SetDegradationInput) (*model.SetDegradationPayload, error) {
	var forced *admission.Level
	for i, n := range levelNames {
		if input.Level != nil && n == *input.Level {
			l := admission.Level(i)
			forced = &l
		}
	}
	if err := r.Operator.ForceDegradation(ctx, identity.FromContext(ctx), forced); err != nil {
		return nil, err
	}
	return &model.SetDegradationPayload{Status: r.serviceStatus()}, nil
}
