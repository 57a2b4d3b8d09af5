package graph

import (
	"context"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
)

// degradationSetting names the Setting that holds the level an operator
// forced for every instance ("auto" or a level's name).
const degradationSetting = "degradation_level"

// ForcedLevel reads the level an operator forced for every instance; nil
// when levels are automatic. Each instance's admission controller polls it.
func ForcedLevel(client *ent.Client) func(context.Context) (*admission.Level, error) {
	return func(ctx context.Context) (*admission.Level, error) {
		s, err := client.Setting.Get(ctx, degradationSetting)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return admission.ParseForced(s.Value)
	}
}

// levelNames maps the API's enum onto admission's levels, in order.
var levelNames = []model.DegradationLevel{model.DegradationLevelNormal, model.DegradationLevelStaleExtras, model.DegradationLevelPauseUploads}

func (r *Resolver) serviceStatus() *model.ServiceStatus {
	return &model.ServiceStatus{DegradationLevel: levelNames[r.Admission.Level()], Forced: r.Admission.Forced() != nil}
}

func (r *Resolver) setDegradation(ctx context.Context, input model.SetDegradationInput) (*model.SetDegradationPayload, error) {
	if err := authz.CanOperate(identity.FromContext(ctx)); err != nil {
		return nil, err
	}
	value, forced := "auto", (*admission.Level)(nil)
	if input.Level != nil {
		for i, n := range levelNames {
			if n == *input.Level {
				l := admission.Level(i)
				forced, value = &l, l.String()
			}
		}
	}
	err := r.Client.Setting.Create().SetID(degradationSetting).SetValue(value).
		OnConflictColumns("id").UpdateValue().Exec(ctx)
	if err != nil {
		return nil, err
	}
	r.Admission.SetShared(forced)
	return &model.SetDegradationPayload{Status: r.serviceStatus()}, nil
}
