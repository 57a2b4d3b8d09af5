// Package photos stores, lists, shows and deletes photos: the upload path
// (limits, image hardening, content-addressed blobs, the per-account quota)
// and every query over the photos table.
package photos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/imageproc"
	"github.com/facestat/facestat/ratelimit"
	"github.com/facestat/facestat/relay"
)

// Config holds the limits of the upload path.
type Config struct {
	MaxUploadBytes int64
	Limits         imageproc.Limits
	Options        imageproc.Options
	Quota          int    // photos per account
	ImageBaseURL   string // URLs of blobs are ImageBaseURL + "/" + key
	// Workers bounds how many images are decoded at once (each may take
	// hundreds of MB); further uploads wait their turn.
	Workers int
	// Limiter, RateUpload and RateUploadIP bound uploads per account and
	// per client address (all accounts together; see ratelimit.IPKey).
	Limiter      ratelimit.Limiter
	RateUpload   ratelimit.Rule
	RateUploadIP ratelimit.Rule
	// Cache, when set, loses a photo's entries when it changes or goes.
	Cache cache.Store
}

// Service is the photo store.
type Service struct {
	client *ent.Client
	blobs  blob.Store
	cfg    Config
	log    *slog.Logger
	work   chan struct{}
}

// NewService returns a Service storing images in blobs.
func NewService(client *ent.Client, blobs blob.Store, cfg Config, log *slog.Logger) *Service {
	return &Service{client: client, blobs: blobs, cfg: cfg, log: log, work: make(chan struct{}, max(cfg.Workers, 1))}
}

// URL returns the public URL of the blob at key.
func (s *Service) URL(key string) string { return s.cfg.ImageBaseURL + "/" + key }

// Upload hardens and stores an image for the account v: the file is
// sniffed, its pixel count checked before it is decoded, turned upright and
// re-encoded without metadata, then stored with a thumbnail under
// content-addressed keys of the photo's own. Errors: UNAUTHENTICATED for
// anonymous judges; RATE_LIMITED per account or client address;
// BAD_USER_INPUT on field input.file with reason FILE_TOO_LARGE,
// NOT_AN_IMAGE, IMAGE_TOO_LARGE or QUOTA_REACHED. A refused upload leaves no
// row and no file behind.
func (s *Service) Upload(ctx context.Context, v *identity.Viewer, file io.Reader, size int64, public bool) (*ent.Photo, error) {
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	// Per account first: an account refused for its own pace does not use
	// up the budget of the others behind its address. (One allowed by its
	// account but refused by its address has spent one of its own.)
	if err := ratelimit.Check(ctx, s.cfg.Limiter, s.cfg.RateUpload, v.ID.String()); err != nil {
		return nil, err
	}
	// A call that comes from no client (facestat seed) has no address to
	// count; the HTTP layer gives every request one.
	if ratelimit.ClientIP(ctx) != "" {
		if err := ratelimit.CheckClientIP(ctx, s.cfg.Limiter, s.cfg.RateUploadIP); err != nil {
			return nil, err
		}
	}
	tooLarge := facestat.InputError("input.file", facestat.ReasonFileTooLarge,
		"the file is larger than %d MiB", s.cfg.MaxUploadBytes>>20)
	if size > s.cfg.MaxUploadBytes {
		return nil, tooLarge
	}
	// Refuse early when the quota is already used up; the conditional
	// increment below is what actually enforces it.
	full, err := s.client.User.Query().Where(user.ID(v.ID), user.PhotoCountGTE(s.cfg.Quota)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: checking quota: %w", err)
	}
	if full {
		return nil, s.quotaReached()
	}
	data, err := io.ReadAll(io.LimitReader(file, s.cfg.MaxUploadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("photos: reading upload: %w", err)
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return nil, tooLarge
	}
	img, err := s.process(ctx, data)
	if err != nil {
		return nil, err
	}
	// Keys are content addresses under the photo's own prefix: no two
	// photos share a file, so deleting one never races with another's
	// upload. The files are written before the transaction, which keeps
	// SQLite's write lock free of file I/O.
	id := uuid.New()
	imageKey := blob.Key("img/"+id.String(), img.Image, ".jpg")
	thumbKey := blob.Key("thumb/"+id.String(), img.Thumb, ".jpg")
	cleanup := context.WithoutCancel(ctx)
	if err := s.blobs.Put(ctx, imageKey, img.Image, "image/jpeg"); err != nil {
		return nil, fmt.Errorf("photos: storing image: %w", err)
	}
	if err := s.blobs.Put(ctx, thumbKey, img.Thumb, "image/jpeg"); err != nil {
		s.dropBlobs(cleanup, imageKey)
		return nil, fmt.Errorf("photos: storing thumbnail: %w", err)
	}
	var p *ent.Photo
	err = entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// The quota is a conditional increment: race-free on both backends.
		n, err := tx.User.Update().
			Where(user.ID(v.ID), user.PhotoCountLT(s.cfg.Quota)).
			AddPhotoCount(1).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return s.quotaReached()
		}
		p, err = tx.Photo.Create().SetID(id).
			SetOwnerID(v.ID).SetImageKey(imageKey).SetThumbKey(thumbKey).
			SetWidth(img.Width).SetHeight(img.Height).
			SetThumbWidth(img.ThumbWidth).SetThumbHeight(img.ThumbHeight).
			SetIsPublic(public).
			Save(ctx)
		return err
	})
	if err != nil {
		s.dropBlobs(cleanup, imageKey, thumbKey)
		return nil, err
	}
	return p, nil
}

func (s *Service) quotaReached() error {
	return facestat.InputError("input.file", facestat.ReasonQuotaReached,
		"you have %d photos, the most an account may keep; delete one first", s.cfg.Quota)
}

func (s *Service) process(ctx context.Context, data []byte) (*imageproc.Result, error) {
	select {
	case s.work <- struct{}{}:
		defer func() { <-s.work }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	img, err := imageproc.Process(data, s.cfg.Limits, s.cfg.Options)
	switch {
	case errors.Is(err, imageproc.ErrNotAnImage):
		return nil, facestat.InputError("input.file", facestat.ReasonNotAnImage, "the file is not a JPEG, PNG or WebP image, or it is damaged")
	case errors.Is(err, imageproc.ErrTooManyPixels):
		return nil, facestat.InputError("input.file", facestat.ReasonImageTooLarge,
			"the image has more than %d megapixels or a side longer than %d pixels",
			s.cfg.Limits.MaxPixels/1_000_000, s.cfg.Limits.MaxSide)
	case err != nil:
		return nil, fmt.Errorf("photos: processing image: %w", err)
	}
	return img, nil
}

// SetVisibility makes the photo public or private. Owner only: FORBIDDEN
// for others who can see it, NOT_FOUND for those who cannot.
func (s *Service) SetVisibility(ctx context.Context, v *identity.Viewer, id uuid.UUID, public bool) (*ent.Photo, error) {
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	p, err := s.client.Photo.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, facestat.Errorf(facestat.NotFound, "no such photo")
	}
	if err != nil {
		return nil, err
	}
	if err := authz.CanChangeVisibility(v, p); err != nil {
		return nil, err
	}
	p, err = p.Update().SetIsPublic(public).Save(ctx)
	if err == nil {
		s.forget(ctx, id)
	}
	return p, err
}

// Delete removes the photo, every row that refers to it (by cascading
// foreign keys) and then its image files, which 404 from then on. Owner or
// moderator.
func (s *Service) Delete(ctx context.Context, v *identity.Viewer, id uuid.UUID) error {
	if err := authz.RequireAccount(v); err != nil {
		return err
	}
	var p *ent.Photo
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		var err error
		p, err = tx.Photo.Get(ctx, id)
		if ent.IsNotFound(err) {
			return facestat.Errorf(facestat.NotFound, "no such photo")
		}
		if err != nil {
			return err
		}
		if err := authz.CanDelete(v, p); err != nil {
			return err
		}
		n, err := tx.Photo.Delete().Where(photo.ID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 { // a concurrent delete won
			return facestat.Errorf(facestat.NotFound, "no such photo")
		}
		return tx.User.UpdateOneID(p.OwnerID).AddPhotoCount(-1).Exec(ctx)
	})
	if err != nil {
		return err
	}
	s.forget(ctx, id)
	s.dropBlobs(context.WithoutCancel(ctx), p.ImageKey, p.ThumbKey)
	return nil
}

// forget removes a photo's cache entries, at once and again a second
// later: a reader that fetched the old row just before the change and
// writes it back just after the first delete is undone by the second.
func (s *Service) forget(ctx context.Context, id uuid.UUID) {
	if s.cfg.Cache == nil {
		return
	}
	keys := []string{cache.PhotoKey + id.String(), cache.StatsKey + id.String()}
	ctx = context.WithoutCancel(ctx)
	s.cfg.Cache.Delete(ctx, keys...)
	time.AfterFunc(time.Second, func() { s.cfg.Cache.Delete(ctx, keys...) })
}

// dropBlobs deletes the blobs at keys, which belong to one photo only.
// Failures are logged: the rows are gone already, and a leftover file is
// unreachable without them.
func (s *Service) dropBlobs(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			s.log.ErrorContext(ctx, "dropping blob", "key", k, "err", err)
		}
	}
}

// List returns one page of photos, newest first (or oldest first with
// ascending), and whether more follow. ownerID, when not nil, restricts the
// list to that owner's photos; private photos are included only when
// includePrivate is set.
func (s *Service) List(ctx context.Context, page relay.Page, ascending bool, ownerID *uuid.UUID, includePrivate bool) ([]*ent.Photo, bool, error) {
	q := s.client.Photo.Query()
	if ownerID != nil {
		q.Where(photo.OwnerID(*ownerID))
	}
	if !includePrivate {
		q.Where(photo.IsPublic(true), photo.StatusEQ(photo.StatusActive))
	}
	order := sql.OrderDesc()
	if ascending {
		order = sql.OrderAsc()
	}
	if c := page.After; c != nil {
		if ascending {
			q.Where(photo.Or(photo.CreatedAtGT(c.Time), photo.And(photo.CreatedAt(c.Time), photo.IDGT(c.ID))))
		} else {
			q.Where(photo.Or(photo.CreatedAtLT(c.Time), photo.And(photo.CreatedAt(c.Time), photo.IDLT(c.ID))))
		}
	}
	list, err := q.Order(photo.ByCreatedAt(order), photo.ByID(order)).Limit(page.First + 1).All(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("photos: list: %w", err)
	}
	more := len(list) > page.First
	if more {
		list = list[:page.First]
	}
	return list, more, nil
}

// CursorOf returns the cursor of p in lists ordered by creation time.
func CursorOf(p *ent.Photo) relay.Cursor { return relay.Cursor{Time: p.CreatedAt, ID: p.ID} }
