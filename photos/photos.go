// Package photos stores, lists, shows and deletes photos: the upload path
// (limits, image hardening, content-addressed blobs, the per-account quota)
// and every query over the photos table (query.go), those of the vote path
// included (votes.go); no other package reads or writes the table. Who
// may see a photo is decided by authz.PhotoAccess; this package only says
// what a row means to it (FactsOf, ListedOnly). What happens after a photo
// changes, for its cached row and for others (ChangeObserver), is in
// change.go.
package photos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/imageproc"
	"github.com/facestat/facestat/ratelimit"
)

// Config holds the limits of the upload path and what the store works with.
type Config struct {
	// Dialect is the database's (entgo.io/ent/dialect): PostgreSQL takes
	// row locks and batch updates that SQLite does without. Required on
	// PostgreSQL: the pick's and the lock's hand-written statements
	// (draw.go) are made for it, and anything but dialect.Postgres gets
	// SQLite's text.
	Dialect        string
	MaxUploadBytes int64
	Limits         imageproc.Limits
	Options        imageproc.Options
	Quota          int // photos per account
	// ConsentRequiredFrom: from then on an upload without all three
	// consents is refused (zero: never; consent is stored when given).
	ConsentRequiredFrom time.Time
	ImageBaseURL        string // URLs of public blobs are ImageBaseURL + "/" + key
	// SignedBaseURL is FaceStat's own /images (PublicURL + "/images"):
	// signed URLs of private blobs are SignedBaseURL + "/" + key +
	// "?exp=…&sig=…" unless the store presigns them.
	SignedBaseURL string
	// SigningKey is the instance's signing key (settings.SigningKey), from
	// which the key signing image URLs is derived.
	SigningKey []byte
	// SignedURLTTL is how long a signed image URL works (at most).
	SignedURLTTL time.Duration
	// Workers bounds how many images are decoded at once (each may take
	// hundreds of MB); further uploads wait their turn.
	Workers int
	// RateLimits bound uploads per account and per client address (nil:
	// no limits).
	RateLimits *ratelimit.Policy
	// Cache, when set, holds photo rows (Load); a photo's entry goes when
	// it changes.
	Cache cache.Store
	// JudgingHeadTTL is how long the instance's head of the judging order
	// serves nextPhoto before it is read again in the background
	// (judginghead.go; zero: 200 ms); negative: every pick waits for a
	// scan of its own, so that a change of the order that bypasses this
	// Service (karma, votes) shows at once (tests of the order).
	JudgingHeadTTL time.Duration
}

// Service is the photo store.
type Service struct {
	client    *ent.Client
	blobs     blob.Store
	cfg       Config
	log       *slog.Logger
	work      chan struct{}
	observers []ChangeObserver
	signKey   []byte      // signs private images' URLs (imageKey)
	head      judgingHead // its ttl is cfg.JudgingHeadTTL
	memo      judgedMemo  // what judges judged, as far as this instance knows
	draw      drawStatements
	picks     struct{ head, walk atomic.Int64 }
	again     againDrops // the second drops of changed photos' rows (forgetTwice)

	// Now, when set, replaces time.Now for signed URLs' expiries (tests).
	Now func() time.Time
}

// NewService returns a Service storing images in blobs.
func NewService(client *ent.Client, blobs blob.Store, cfg Config, log *slog.Logger) *Service {
	if cfg.SignedURLTTL <= 0 {
		cfg.SignedURLTTL = 10 * time.Minute
	}
	if cfg.JudgingHeadTTL == 0 {
		cfg.JudgingHeadTTL = defaultHeadTTL
	}
	return &Service{client: client, blobs: blobs, cfg: cfg, log: log, work: make(chan struct{}, max(cfg.Workers, 1)),
		signKey: imageKey(cfg.SigningKey), head: judgingHead{ttl: cfg.JudgingHeadTTL},
		draw: newDrawStatements(cfg.Dialect)}
}

// A photo's blobs are kept under keys of its own: its image under
// img/<photo id>/ and its thumbnail under thumb/<photo id>/, each named by
// its content (blob.Key), behind the prefix of its class and with its
// version (images.go).
const (
	imagePrefix = "img/"
	thumbPrefix = "thumb/"
)

// PhotoOfKey returns the id of the photo whose blob key is, if key is one.
func PhotoOfKey(key string) (uuid.UUID, bool) {
	_, _, id, _, ok := splitKey(key)
	return id, ok
}

// CanFetchImage reports whether the blob at key may be served to the
// client viewer returns (authz.PhotoAccess's Image): whoever may view or
// judge its photo, as the photo's row (through the cache) says now, and
// whether that answer was the viewer's own (personal: it must not be kept
// by shared caches). viewer is called only when the answer depends on who
// asks (a hidden photo, for its owner and moderators), so most image
// requests never authenticate. Whether the viewer voted never matters to
// Image. False for keys that are not the image or thumbnail of a photo
// that exists, so a made-up key under a real photo's id says nothing more
// than one under no photo.
//
// This is how public keys are served; keys under the private prefix are
// served only with a signature (CheckSignature), never through it. Served
// from an S3 bucket or a CDN (FACESTAT_IMAGE_BASE_URL), a public image
// stays readable there until its photo's images move (SyncImageKeys), and
// a copy a CDN keeps lives out its max-age.
func (s *Service) CanFetchImage(ctx context.Context, key string, viewer func() *identity.Viewer) (ok, personal bool, err error) {
	id, isPhoto := PhotoOfKey(key)
	if !isPhoto {
		return false, false, nil
	}
	rows, err := cache.Load(ctx, s.cfg.Cache, []uuid.UUID{id}, cache.PhotoAccessKey, s.freshImageAccess)
	if err != nil {
		return false, false, err
	}
	a, found := rows[id]
	if !found || (key != a.ImageKey && key != a.ThumbKey) {
		return false, false, nil
	}
	facts := authz.Photo{Owner: a.Owner, Public: a.Public, Active: a.Active}
	if authz.PhotoAccess(nil, facts, false).Image {
		return true, false, nil
	}
	return authz.PhotoAccess(viewer(), facts, false).Image, true, nil
}

// imageAccess is what serving a photo's images needs of its row: its
// keys and what FactsOf reads. It is cached apart from the row
// (cache.PhotoAccessKey), which every vote batch drops, so that the images
// of the photos being judged are served from the near cache; every other
// change of a photo drops both (forget).
type imageAccess struct {
	ImageKey string    `json:"image"`
	ThumbKey string    `json:"thumb"`
	Owner    uuid.UUID `json:"owner"`
	Public   bool      `json:"public"`
	Active   bool      `json:"active"`
}

// freshImageAccess reads the imageAccess of photos ids from the database,
// by id; missing ones are absent. One query, of those columns only.
func (s *Service) freshImageAccess(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]imageAccess, error) {
	rows, err := s.client.Photo.Query().Where(photo.IDIn(ids...)).
		Select(photo.FieldID, photo.FieldImageKey, photo.FieldThumbKey, photo.FieldOwnerID, photo.FieldIsPublic, photo.FieldStatus).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: read: %w", err)
	}
	out := make(map[uuid.UUID]imageAccess, len(rows))
	for _, p := range rows {
		f := FactsOf(p)
		out[p.ID] = imageAccess{ImageKey: p.ImageKey, ThumbKey: p.ThumbKey, Owner: f.Owner, Public: f.Public, Active: f.Active}
	}
	return out, nil
}

// Upload hardens and stores an image for the account v: the file is
// sniffed, its pixel count checked before it is decoded, turned upright and
// re-encoded without metadata, then stored with a thumbnail under
// content-addressed keys of the photo's own. Errors: UNAUTHENTICATED for
// anonymous judges; RATE_LIMITED per account or client address;
// BAD_USER_INPUT on field input.file with reason FILE_TOO_LARGE,
// NOT_AN_IMAGE, IMAGE_TOO_LARGE, IMAGE_TOO_SMALL or QUOTA_REACHED;
// FORBIDDEN, reason BANNED, for an upload whose account was banned while
// it was on its way. A refused upload leaves no row and no file behind. From
// ConsentRequiredFrom on, an upload without all three consents is refused
// first: BAD_USER_INPUT on input.consent, reason CONSENT_REQUIRED.
func (s *Service) Upload(ctx context.Context, v *identity.Viewer, file io.Reader, size int64, opts UploadOptions) (*ent.Photo, error) {
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	if s.consentRequired() && !opts.Consent.Complete() {
		return nil, facestat.InputError("input.consent", facestat.ReasonConsentRequired,
			"confirm that the photo shows you, that you are an adult and that you accept that strangers judge it")
	}
	public := opts.Public
	if err := s.cfg.RateLimits.Upload(ctx, v.ID); err != nil {
		return nil, err
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
	// A private photo's go straight under the private prefix.
	class := classOf(&ent.Photo{IsPublic: public, Status: photo.StatusActive})
	imageKey := photoKey(class, imagePrefix, id, 0, blob.Key("", img.Image, ".jpg"))
	thumbKey := photoKey(class, thumbPrefix, id, 0, blob.Key("", img.Thumb, ".jpg"))
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
		// So is the ban: an upload authenticated before its owner was
		// banned, committing after, finds banned_at set (the ban locked
		// the row and deleted the photos it could see) and is refused.
		n, err := tx.User.Update().
			Where(user.ID(v.ID), user.PhotoCountLT(s.cfg.Quota), user.BannedAtIsNil()).
			AddPhotoCount(1).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			banned, err := tx.User.Query().Where(user.ID(v.ID), user.BannedAtNotNil()).Exist(ctx)
			if err != nil {
				return err
			}
			if banned {
				return &facestat.Error{Code: facestat.Forbidden, Reason: facestat.ReasonBanned,
					Message: "this account was banned by a moderator"}
			}
			return s.quotaReached()
		}
		p, err = tx.Photo.Create().SetID(id).
			SetOwnerID(v.ID).SetImageKey(imageKey).SetThumbKey(thumbKey).
			SetWidth(img.Width).SetHeight(img.Height).
			SetThumbWidth(img.ThumbWidth).SetThumbHeight(img.ThumbHeight).
			SetIsPublic(public).
			SetOwnerNetwork(clientaddr.Network(clientaddr.From(ctx))).
			SetNillableConsentedAt(opts.Consent.at()).
			SetConsentShowsMe(opts.Consent.Get().ShowsMe).
			SetConsentAdult(opts.Consent.Get().Adult).
			SetConsentAcceptsJudging(opts.Consent.Get().AcceptsJudging).
			Save(ctx)
		return err
	})
	if err != nil {
		s.dropBlobs(cleanup, imageKey, thumbKey)
		return nil, err
	}
	s.head.stale() // a photo to judge, when it is active
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
	case errors.Is(err, imageproc.ErrTooSmall):
		return nil, facestat.InputError("input.file", facestat.ReasonImageTooSmall,
			"the image is too small to show a face: both sides need at least %d pixels", s.cfg.Limits.MinSide)
	case err != nil:
		return nil, fmt.Errorf("photos: processing image: %w", err)
	}
	return img, nil
}

// UploadOptions are an upload's settings besides its file.
type UploadOptions struct {
	Public  bool     // listed at once (default: private)
	Consent *Consent // as the uploader gave it; nil: not asked (older clients)
}

// Consent is what an uploader confirms about a photo.
type Consent struct {
	ShowsMe        bool // the photo shows the uploader
	Adult          bool // the uploader is an adult
	AcceptsJudging bool // the uploader accepts that strangers judge it
}

// Complete reports whether c holds all three consents (false for nil).
func (c *Consent) Complete() bool { return c != nil && c.ShowsMe && c.Adult && c.AcceptsJudging }

// Get returns c, or no consent for nil.
func (c *Consent) Get() Consent {
	if c == nil {
		return Consent{}
	}
	return *c
}

// at is when the consent was given: now, or nil when none was.
func (c *Consent) at() *time.Time {
	if c == nil {
		return nil
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &now
}

// consentRequired reports whether uploads must carry consent by now.
func (s *Service) consentRequired() bool {
	return !s.cfg.ConsentRequiredFrom.IsZero() && !time.Now().Before(s.cfg.ConsentRequiredFrom)
}
