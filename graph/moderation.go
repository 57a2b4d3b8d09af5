package graph

import (
	"context"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
)

// Reports and moderation (issue 14): stubs, to be built.

func (r *Resolver) moderationEntryID(ctx context.Context, obj *ent.ModerationEntry) (string, error) {
	return "", errNotBuilt
}

func (r *Resolver) moderationEntryActor(ctx context.Context, obj *ent.ModerationEntry) (string, error) {
	return "", errNotBuilt
}

func (r *Resolver) moderationEntryAction(ctx context.Context, obj *ent.ModerationEntry) (model.ModerationAction, error) {
	return "", errNotBuilt
}

func (r *Resolver) moderationEntryPhotoID(ctx context.Context, obj *ent.ModerationEntry) (string, error) {
	return "", errNotBuilt
}

func (r *Resolver) moderationEntryOwnerID(ctx context.Context, obj *ent.ModerationEntry) (string, error) {
	return "", errNotBuilt
}

func (r *Resolver) moderationEntryNote(ctx context.Context, obj *ent.ModerationEntry) (*string, error) {
	return nil, errNotBuilt
}

func (r *Resolver) queueItemReports(ctx context.Context, obj *model.ModerationQueueItem) ([]*ent.PhotoReport, error) {
	return nil, errNotBuilt
}

func (r *Resolver) reportPhoto(ctx context.Context, input model.ReportPhotoInput) (*model.ReportPhotoPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) moderatePhoto(ctx context.Context, input model.ModeratePhotoInput) (*model.ModeratePhotoPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) confirmPhotoConsent(ctx context.Context, input model.ConfirmPhotoConsentInput) (*model.ConfirmPhotoConsentPayload, error) {
	return nil, errNotBuilt
}

func (r *Resolver) photoModerationState(ctx context.Context, obj *ent.Photo) (model.ModerationState, error) {
	return "", errNotBuilt
}

func (r *Resolver) photoConsent(ctx context.Context, obj *ent.Photo) (*model.PhotoConsent, error) {
	return nil, errNotBuilt
}

func (r *Resolver) photoReportID(ctx context.Context, obj *ent.PhotoReport) (string, error) {
	return "", errNotBuilt
}

func (r *Resolver) photoReportReason(ctx context.Context, obj *ent.PhotoReport) (model.ReportReason, error) {
	return "", errNotBuilt
}

func (r *Resolver) photoReportNote(ctx context.Context, obj *ent.PhotoReport) (*string, error) {
	return nil, errNotBuilt
}

func (r *Resolver) photoReportReporter(ctx context.Context, obj *ent.PhotoReport) (*ent.User, error) {
	return nil, errNotBuilt
}

func (r *Resolver) moderationQueue(ctx context.Context, first int, after *string) (*model.ModerationQueueConnection, error) {
	return nil, errNotBuilt
}

func (r *Resolver) moderationLog(ctx context.Context, first int, after *string) (*model.ModerationLogConnection, error) {
	return nil, errNotBuilt
}

func (r *Resolver) reportPhotoNext(ctx context.Context, obj *model.ReportPhotoPayload) (*ent.Photo, error) {
	return nil, errNotBuilt
}
