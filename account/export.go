package account

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/dataexport"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
)

const (
	// exportPrefix is where export files are kept in the blob store:
	// under the private prefix, which no public URL serves (the /images/
	// handler serves photos' keys only: photos.CanFetchImage).
	exportPrefix = "private/exports/"
	// buildTimeout bounds one export's build. An export still "building"
	// after it was abandoned (its instance stopped or restarted): the next
	// exportMyData or download marks it failed, and exportMyData starts a
	// new one.
	buildTimeout = 10 * time.Minute
	// maxQueued bounds the exports waiting for an instance's builder;
	// beyond, exportMyData answers UNAVAILABLE.
	maxQueued = 64
)

// exportKey is the blob key of an export's ZIP.
func exportKey(id uuid.UUID) string { return exportPrefix + id.String() + ".zip" }

// exportOfKey returns the export whose ZIP key is, if it is one.
func exportOfKey(key string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(key, exportPrefix)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(strings.TrimSuffix(rest, ".zip"))
	return id, err == nil && exportKey(id) == key
}

// URL is an export's link: the account's own, with its session.
func (s *Service) URL(id uuid.UUID) string { return s.cfg.PublicURL + "/exports/" + id.String() }

// Export starts building a ZIP of v's account data in the background and
// returns its export, or returns the export being built or still live (so
// that asking again piles up no work). Errors: UNAUTHENTICATED for
// anonymous judges; RATE_LIMITED per account (counted only when a new
// export starts); UNAVAILABLE when the instance's builder has too many
// exports waiting.
func (s *Service) Export(ctx context.Context, v *identity.Viewer) (*ent.DataExport, error) {
	if err := authz.RequireAccount(v); err != nil {
		return nil, err
	}
	if e, err := s.live(ctx, s.client, v.ID); e != nil || err != nil {
		return e, err
	}
	var out *ent.DataExport
	fresh := false
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		// The account's row, locked, serialises two requests at once (on
		// SQLite the transaction does): the second finds the first's export.
		q := tx.User.Query().Where(user.ID(v.ID), user.Anonymous(false))
		if s.cfg.LockRows {
			q = q.ForUpdate()
		}
		if _, err := q.OnlyID(ctx); err != nil {
			if ent.IsNotFound(err) {
				return facestat.Errorf(facestat.Unauthenticated, "sign in first")
			}
			return err
		}
		var err error
		if out, err = s.live(ctx, tx.Client(), v.ID); out != nil || err != nil {
			return err
		}
		// Counted here, where a new export starts: of requests at once
		// (a double click), those that find the first's export are not.
		if err := s.cfg.RateLimits.Export(ctx, v.ID); err != nil {
			return err
		}
		now := s.now()
		out, err = tx.DataExport.Create().SetUserID(v.ID).SetCreatedAt(now).SetExpiresAt(now.Add(s.cfg.ExportTTL)).Save(ctx)
		fresh = true
		return err
	})
	if err != nil || !fresh {
		return out, err
	}
	s.run()
	select {
	case s.queue <- out.ID:
		return out, nil
	default:
		s.fail(context.WithoutCancel(ctx), out.ID, 0)
		return nil, &facestat.Error{Code: facestat.Unavailable, Reason: facestat.ReasonBusy, RetryAfter: time.Minute,
			Message: "too many exports are being built; try again in a minute"}
	}
}

// live returns the account's newest export still building or ready and
// not expired, or nil. An export building for longer than buildTimeout
// was abandoned: it is marked failed and not returned.
func (s *Service) live(ctx context.Context, c *ent.Client, account uuid.UUID) (*ent.DataExport, error) {
	e, err := c.DataExport.Query().
		Where(dataexport.UserID(account), dataexport.StateIn(dataexport.StateBuilding, dataexport.StateReady), dataexport.ExpiresAtGT(s.now())).
		Order(ent.Desc(dataexport.FieldCreatedAt)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("account: live export: %w", err)
	}
	if s.abandoned(e) {
		return nil, c.DataExport.Update().Where(dataexport.ID(e.ID), dataexport.StateEQ(dataexport.StateBuilding)).
			SetState(dataexport.StateFailed).Exec(ctx)
	}
	return e, nil
}

// abandoned reports whether e is still building past its build's deadline.
func (s *Service) abandoned(e *ent.DataExport) bool {
	return e.State == dataexport.StateBuilding && s.now().Sub(e.CreatedAt) > buildTimeout+time.Minute
}

// fail marks a building export failed; size over MaxExportBytes says the
// account's data was too large.
func (s *Service) fail(ctx context.Context, id uuid.UUID, size int64) {
	err := s.client.DataExport.Update().Where(dataexport.ID(id), dataexport.StateEQ(dataexport.StateBuilding)).
		SetState(dataexport.StateFailed).SetSize(size).Exec(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "marking an export failed", "export", id, "err", err)
	}
}

// Download is an export as its owner may fetch it: still building, failed
// (Failed says why), or ready (File, to be closed, and Info).
type Download struct {
	Export   *ent.DataExport
	Building bool
	Failed   *facestat.Error
	File     io.ReadSeekCloser
	Info     blob.Info
}

// ErrNoExport is the answer to anyone but the owner of a live export: the
// export does not exist, belongs to someone else, or has expired (its
// file may still wait for the sweeper), told apart by nothing.
var ErrNoExport = facestat.Errorf(facestat.NotFound, "no such export")

// Open returns the export id for v to download. Errors: ErrNoExport
// (NOT_FOUND) unless authz.CanReadExport lets v read it and it has not
// expired.
func (s *Service) Open(ctx context.Context, v *identity.Viewer, id uuid.UUID) (*Download, error) {
	e, err := s.client.DataExport.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, ErrNoExport
	}
	if err != nil {
		return nil, fmt.Errorf("account: export: %w", err)
	}
	if !authz.CanReadExport(v, e.UserID) || !s.now().Before(e.ExpiresAt) {
		return nil, ErrNoExport
	}
	d := &Download{Export: e}
	switch {
	case s.abandoned(e):
		s.fail(ctx, e.ID, 0)
		d.Failed = exportFailed()
	case e.State == dataexport.StateBuilding:
		d.Building = true
	case e.State == dataexport.StateFailed && e.Size > s.cfg.MaxExportBytes:
		d.Failed = &facestat.Error{Code: facestat.Conflict, Reason: facestat.ReasonExportTooLarge,
			Message: fmt.Sprintf("your data is larger than the largest export this site builds (%d MiB); write to its operators", s.cfg.MaxExportBytes>>20)}
	case e.State == dataexport.StateFailed:
		d.Failed = exportFailed()
	default:
		d.File, d.Info, err = s.blobs.Open(ctx, exportKey(e.ID))
		if errors.Is(err, blob.ErrNotFound) { // swept meanwhile
			return nil, ErrNoExport
		}
		if err != nil {
			return nil, fmt.Errorf("account: opening export: %w", err)
		}
	}
	return d, nil
}

func exportFailed() *facestat.Error {
	return &facestat.Error{Code: facestat.Conflict, Reason: facestat.ReasonExportFailed,
		Message: "building the export failed; ask for a new one"}
}

// sweepExports deletes expired exports: the file first, then the row (a
// file that could not be deleted keeps its row, for the next sweep).
func (s *Service) sweepExports(ctx context.Context) (int, error) {
	expired, err := s.client.DataExport.Query().Where(dataexport.ExpiresAtLTE(s.now())).Limit(500).IDs(ctx)
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	gone := make([]uuid.UUID, 0, len(expired))
	for _, id := range expired {
		if len(s.deleteBlobs(ctx, []string{exportKey(id)})) == 0 {
			gone = append(gone, id)
		}
	}
	n, err := s.client.DataExport.Delete().Where(dataexport.IDIn(gone...)).Exec(ctx)
	if err == nil && len(gone) < len(expired) {
		err = fmt.Errorf("account: %d expired exports kept: their files could not be deleted", len(expired)-len(gone))
	}
	return n, err
}

// build builds the export id (the builder's goroutine): the ZIP is
// written to a temporary file, bounded by MaxExportBytes, then stored in
// the blob store, and the export marked ready. A build that fails, runs
// out of time or finds the account too large marks the export failed;
// one whose export was deleted meanwhile (the account with it) deletes
// the file it stored.
func (s *Service) build(ctx context.Context, id uuid.UUID) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	e, err := s.client.DataExport.Get(ctx, id)
	if err != nil {
		if !ent.IsNotFound(err) {
			s.log.ErrorContext(ctx, "reading an export to build", "export", id, "err", err)
		}
		return
	}
	size, err := s.buildFile(ctx, e)
	if err != nil {
		if !errors.Is(err, errTooLarge) {
			s.log.ErrorContext(ctx, "building an export", "export", id, "err", err)
			size = 0
		}
		s.fail(context.WithoutCancel(ctx), id, size)
		return
	}
	n, err := s.client.DataExport.Update().Where(dataexport.ID(id), dataexport.StateEQ(dataexport.StateBuilding)).
		SetState(dataexport.StateReady).SetBlobKey(exportKey(id)).SetSize(size).Save(ctx)
	if err != nil || n == 0 {
		if err != nil {
			s.log.ErrorContext(ctx, "marking an export ready", "export", id, "err", err)
		}
		// The export's row may be gone with its account, whose deletion
		// found no file to delete yet: nothing else names this one, so a
		// delete that fails goes to the journal, for the sweeper (which
		// deletes it only once no row names it).
		if failed := s.deleteBlobs(context.WithoutCancel(ctx), []string{exportKey(id)}); len(failed) > 0 {
			if _, err := s.journal.write(failed); err != nil {
				s.log.ErrorContext(ctx, "journaling an export file to delete", "export", id, "err", err)
			}
		}
	}
}

// buildFile writes e's ZIP to a temporary file and stores it, returning
// its size; errTooLarge (with the bytes written so far) past
// MaxExportBytes.
func (s *Service) buildFile(ctx context.Context, e *ent.DataExport) (int64, error) {
	f, err := os.CreateTemp(s.cfg.TempDir, "facestat-export-*.zip")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w := &boundedWriter{w: f, max: s.cfg.MaxExportBytes}
	if err := s.writeZip(ctx, w, e.UserID); err != nil {
		return w.n, err
	}
	data, release, err := mapFile(f, w.n)
	if err != nil {
		return 0, err
	}
	defer release()
	if err := s.blobs.Put(ctx, exportKey(e.ID), data, "application/octet-stream"); err != nil { // GET /exports says application/zip
		return 0, fmt.Errorf("storing the export: %w", err)
	}
	return w.n, nil
}

// errTooLarge stops an export past MaxExportBytes.
var errTooLarge = errors.New("account: the export is larger than max-export-bytes")

// boundedWriter writes to w until max bytes, then fails with errTooLarge
// (n then counts one byte more than max).
type boundedWriter struct {
	w   io.Writer
	max int64
	n   int64
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	if b.n+int64(len(p)) > b.max {
		b.n = b.max + 1
		return 0, errTooLarge
	}
	n, err := b.w.Write(p)
	b.n += int64(n)
	return n, err
}
