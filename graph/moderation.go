package graph

import (
	"context"
	"strings"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/moderationentry"
	"github.com/facestat/facestat/ent/photoreport"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/moderation"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/relay"
)

// Reports and moderation (issue 14): the rules are package moderation's;
// these resolvers parse, call it once and shape the answer.

// Global id types of moderation's objects.
const (
	typePhotoReport     = "PhotoReport"
	typeModerationEntry = "ModerationEntry"
)

func (r *Resolver) moderationEntryID(_ context.Context, obj *ent.ModerationEntry) (string, error) {
	return relay.IntID(typeModerationEntry, int(obj.ID)), nil
}

func (r *Resolver) moderationEntryActor(_ context.Context, obj *ent.ModerationEntry) (string, error) {
	return moderation.ActorOf(obj), nil
}

func (r *Resolver) moderationEntryAction(_ context.Context, obj *ent.ModerationEntry) (model.ModerationAction, error) {
	return model.ModerationAction(strings.ToUpper(string(obj.Action))), nil
}

func (r *Resolver) moderationEntryPhotoID(_ context.Context, obj *ent.ModerationEntry) (string, error) {
	return relay.ID(typePhoto, obj.PhotoID), nil
}

func (r *Resolver) moderationEntryOwnerID(_ context.Context, obj *ent.ModerationEntry) (string, error) {
	return relay.ID(typeUser, obj.OwnerID), nil
}

// moderationEntryNote returns the note verbatim (escaping is the web
// app's job).
func (r *Resolver) moderationEntryNote(_ context.Context, obj *ent.ModerationEntry) (*string, error) {
	return optional(obj.Note), nil
}

// optional is s, or nil when it is empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r *Resolver) queueItemReports(ctx context.Context, obj *model.ModerationQueueItem) ([]*ent.PhotoReport, error) {
	return r.Moderation.OpenReports(ctx, identity.FromContext(ctx), obj.Photo.ID)
}

func (r *Resolver) reportPhoto(ctx context.Context, input model.ReportPhotoInput) (*model.ReportPhotoPayload, error) {
	id, err := relay.ParseTypedID(input.PhotoID, typePhoto, "input.photoId")
	if err != nil {
		return nil, err
	}
	reason := photoreport.Reason(strings.ToLower(string(input.Reason)))
	if photoreport.ReasonValidator(reason) != nil {
		return nil, facestat.InputError("input.reason", facestat.ReasonInvalid, "unknown reason")
	}
	note := ""
	if input.Note != nil {
		note = *input.Note
	}
	if err := r.Moderation.Report(ctx, identity.FromContext(ctx), id, reason, note); err != nil {
		return nil, err
	}
	return &model.ReportPhotoPayload{PhotoID: relay.ID(typePhoto, id)}, nil
}

func (r *Resolver) moderatePhoto(ctx context.Context, input model.ModeratePhotoInput) (*model.ModeratePhotoPayload, error) {
	v := identity.FromContext(ctx)
	if err := authz.CanModerate(v); err != nil { // before parsing: strangers learn nothing of ids
		return nil, err
	}
	id, err := relay.ParseTypedID(input.PhotoID, typePhoto, "input.photoId")
	if err != nil {
		return nil, err
	}
	note := ""
	if input.Note != nil {
		note = *input.Note
	}
	out, err := r.Moderation.Moderate(ctx, v, id, moderationentry.Action(strings.ToLower(string(input.Action))), note)
	if err != nil {
		return nil, err
	}
	return &model.ModeratePhotoPayload{Entry: out.Entry, Photo: out.Photo}, nil
}

func (r *Resolver) confirmPhotoConsent(ctx context.Context, input model.ConfirmPhotoConsentInput) (*model.ConfirmPhotoConsentPayload, error) {
	id, err := relay.ParseTypedID(input.PhotoID, typePhoto, "input.photoId")
	if err != nil {
		return nil, err
	}
	c := photos.Consent{}
	if input.Consent != nil {
		c = photos.Consent{ShowsMe: input.Consent.ShowsMe, Adult: input.Consent.Adult, AcceptsJudging: input.Consent.AcceptsJudging}
	}
	if !c.Complete() {
		return nil, facestat.InputError("input.consent", facestat.ReasonConsentRequired,
			"confirm that the photo shows you, that you are an adult and that you accept that strangers judge it")
	}
	p, err := r.Photos.ConfirmConsent(ctx, identity.FromContext(ctx), id, c)
	if err != nil {
		return nil, err
	}
	r.loaders(ctx).Photo.Clear(id)
	r.loaders(ctx).Photo.Prime(id, p)
	return &model.ConfirmPhotoConsentPayload{Photo: p}, nil
}

// photoModerationState is UNDER_REVIEW while moderation hides the photo.
// Only its owner and moderators can see it then; others see VISIBLE
// photos only.
func (r *Resolver) photoModerationState(_ context.Context, obj *ent.Photo) (model.ModerationState, error) {
	return moderationState(obj), nil
}

func moderationState(p *ent.Photo) model.ModerationState {
	if photos.UnderReview(p) {
		return model.ModerationStateUnderReview
	}
	return model.ModerationStateVisible
}

// photoConsent is the consent its owner gave, for its owner and
// moderators only (authz.SeesConsent); null when none was given.
func (r *Resolver) photoConsent(ctx context.Context, obj *ent.Photo) (*model.PhotoConsent, error) {
	if obj.ConsentedAt == nil || !authz.SeesConsent(identity.FromContext(ctx), photos.FactsOf(obj)) {
		return nil, nil
	}
	return &model.PhotoConsent{ShowsMe: obj.ConsentShowsMe, Adult: obj.ConsentAdult,
		AcceptsJudging: obj.ConsentAcceptsJudging, GivenAt: *obj.ConsentedAt}, nil
}

func (r *Resolver) photoReportID(_ context.Context, obj *ent.PhotoReport) (string, error) {
	return relay.IntID(typePhotoReport, int(obj.ID)), nil
}

func (r *Resolver) photoReportReason(_ context.Context, obj *ent.PhotoReport) (model.ReportReason, error) {
	return model.ReportReason(strings.ToUpper(string(obj.Reason))), nil
}

// photoReportNote returns the note verbatim (escaping is the web app's
// job).
func (r *Resolver) photoReportNote(_ context.Context, obj *ent.PhotoReport) (*string, error) {
	return optional(obj.Note), nil
}

// photoReportReporter is the reporting account; null for an anonymous
// judge or a deleted account. Reports are shown to moderators only.
func (r *Resolver) photoReportReporter(ctx context.Context, obj *ent.PhotoReport) (*ent.User, error) {
	if obj.ReporterID == nil {
		return nil, nil
	}
	u, err := r.loaders(ctx).User.Load(ctx, *obj.ReporterID)
	if isNotFound(err) || (err == nil && u.Anonymous) {
		return nil, nil
	}
	return u, err
}

func (r *Resolver) moderationQueue(ctx context.Context, args relay.Args) (*model.ModerationQueueConnection, error) {
	items, info, err := r.Moderation.Queue(ctx, identity.FromContext(ctx), args, r.MaxPageSize)
	if err != nil {
		return nil, err
	}
	c := &model.ModerationQueueConnection{Edges: []*model.ModerationQueueEdge{}, Nodes: []*model.ModerationQueueItem{},
		PageInfo: pageInfo(info)}
	for _, it := range items {
		n := &model.ModerationQueueItem{Photo: it.Photo, ModerationState: moderationState(it.Photo),
			ReportCount: it.Open, CountedReports: it.Photo.CountedReports}
		if it.Photo.ReportedAt != nil {
			n.ReportedAt = *it.Photo.ReportedAt
		}
		c.Edges = append(c.Edges, &model.ModerationQueueEdge{Cursor: it.Cursor, Node: n})
		c.Nodes = append(c.Nodes, n)
	}
	if k := len(c.Edges); k > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[k-1].Cursor
	}
	return c, nil
}

func (r *Resolver) moderationLog(ctx context.Context, args relay.Args) (*model.ModerationLogConnection, error) {
	list, info, err := r.Moderation.Log(ctx, identity.FromContext(ctx), args, r.MaxPageSize)
	if err != nil {
		return nil, err
	}
	c := &model.ModerationLogConnection{Edges: []*model.ModerationLogEdge{}, Nodes: []*ent.ModerationEntry{},
		PageInfo: pageInfo(info)}
	for _, e := range list {
		c.Edges = append(c.Edges, &model.ModerationLogEdge{Cursor: e.Cursor, Node: e.ModerationEntry})
		c.Nodes = append(c.Nodes, e.ModerationEntry)
	}
	if k := len(c.Edges); k > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[k-1].Cursor
	}
	return c, nil
}

// reportPhotoNext is the reporter's next photo to judge (the reported one
// is skipped now), as SkipPhotoPayload.next.
func (r *Resolver) reportPhotoNext(ctx context.Context, _ *model.ReportPhotoPayload) (*ent.Photo, error) {
	return r.Judging.NextPhoto(ctx, identity.FromContext(ctx), nil)
}
