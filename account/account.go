// Package account is what people can do with their whole account: take
// their data away (Export: a ZIP built in the background, downloaded by
// its owner alone until it expires) and erase it (Delete: the account, its
// photos and everything derived from them, with the votes it cast on
// others' photos kept as anonymous contributions). docs/PRIVACY.md says
// what is stored, what deletion erases and what it keeps anonymised; the
// deletion test holds this package to that list.
package account

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/panics"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/ratelimit"
)

// Config holds what the Service works with.
type Config struct {
	// LockRows: the database takes row locks (PostgreSQL).
	LockRows bool
	// PublicURL builds an export's link: PublicURL + "/exports/<id>".
	PublicURL string
	// DataDir holds the journal of blobs still to delete (DataDir/erasure).
	DataDir string
	// Outbox is the local outbox of the embedded default, whose messages
	// to an account's address deletion removes (nil with an SMTP relay).
	Outbox interface {
		RemoveFor(addr string) (int, error)
	}
	// Servings is moderation's servings writer, which writes what nextPhoto
	// served in the background: deletion flushes it and deletes the
	// account's servings written after the commit (nil: none).
	Servings interface {
		Flush(ctx context.Context)
	}
	// TempDir is where exports are assembled ("" : the system's).
	TempDir        string
	ExportTTL      time.Duration
	MaxExportBytes int64
	// RateLimits bound new exports per account (Export) and deleteAccount
	// as changePassword is (nil: no limits).
	RateLimits *ratelimit.Policy
}

// Service exports and erases accounts.
type Service struct {
	client   *ent.Client
	blobs    blob.Store
	photos   *photos.Service
	judging  *judging.Service
	identity *identity.Service
	cfg      Config
	log      *slog.Logger
	// Now is the clock (tests move it).
	Now func() time.Time

	queue   chan uuid.UUID // exports waiting for the builder
	start   sync.Once
	stop    context.CancelFunc
	stopped chan struct{}
	journal *journal
}

// NewService returns a Service. Its builder goroutine starts with the
// first export; Close stops it.
func NewService(client *ent.Client, blobs blob.Store, ph *photos.Service, j *judging.Service, id *identity.Service, cfg Config, log *slog.Logger) *Service {
	return &Service{client: client, blobs: blobs, photos: ph, judging: j, identity: id, cfg: cfg, log: log, Now: time.Now,
		queue: make(chan uuid.UUID, maxQueued), stopped: make(chan struct{}),
		journal: &journal{dir: filepath.Join(cfg.DataDir, "erasure")}}
}

// now is the current time in UTC, to the microsecond (as both databases
// store it).
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// run starts the builder once: one export at a time per instance, each
// bounded by buildTimeout.
func (s *Service) run() {
	s.start.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop = cancel
		panics.Go(s.log, "data export builder", func() {
			defer close(s.stopped)
			for {
				select {
				case <-ctx.Done():
					return
				case id := <-s.queue:
					s.buildOne(ctx, id)
				}
			}
		})
	})
}

// buildOne builds the export id, recovering a panic of its build: that
// export is marked failed and the builder goes on with the next (a panic
// would otherwise end the builder, and every later export of the instance
// would wait in vain).
func (s *Service) buildOne(ctx context.Context, id uuid.UUID) {
	defer panics.Recover(s.log, "data export builder", func(any) { s.fail(context.WithoutCancel(ctx), id, 0) })
	s.build(ctx, id)
}

// Close stops the builder: the export it was building and those queued
// are marked failed (exportMyData then starts a new one). An export a
// crashed instance was building is marked failed once its build's
// deadline has passed (see abandoned), by the next exportMyData or
// download.
func (s *Service) Close() {
	s.start.Do(func() { close(s.stopped) })
	if s.stop != nil {
		s.stop()
	}
	<-s.stopped
	for {
		select {
		case id := <-s.queue:
			s.fail(context.Background(), id, 0)
		default:
			return
		}
	}
}

// Sweep deletes what has expired: exports past their expiry, with their
// files, and the blobs a deletion could not delete at once (the journal).
// It returns how many exports went.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n, err := s.sweepExports(ctx)
	if jerr := s.journal.retry(ctx, s.blobs, s.referenced); err == nil {
		err = jerr
	}
	return n, err
}

// RunSweeper sweeps every interval until ctx ends, reporting failures to
// onError.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
