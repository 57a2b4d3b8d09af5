package graph

import (
	"context"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/relay"
)

// skipPhoto skips the photo for the viewer for good (judging.SkipPhoto);
// the payload's next photo is resolved only when asked for.
func (r *Resolver) skipPhoto(ctx context.Context, input model.SkipPhotoInput) (*model.SkipPhotoPayload, error) {
	id, err := relay.ParseTypedID(input.PhotoID, typePhoto, "input.photoId")
	if err != nil {
		return nil, err
	}
	if err := r.Judging.SkipPhoto(ctx, identity.FromContext(ctx), id); err != nil {
		return nil, err
	}
	return &model.SkipPhotoPayload{PhotoID: relay.ID(typePhoto, id)}, nil
}

// survey returns the questions the viewer is asked about p
// (judging.SurveyFor), from p's aggregates through the response's Stats
// loader: the same batch (and cache) as Photo.stats, so a list of photos
// costs no statement more per photo.
func (r *Resolver) survey(ctx context.Context, p *ent.Photo) ([]*ent.Question, error) {
	agg, err := r.loaders(ctx).Stats.Load(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return r.Judging.SurveyFor(identity.FromContext(ctx), p, agg), nil
}
