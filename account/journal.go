package account

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/ent/dataexport"
)

// journal keeps the blob keys a deletion is about to orphan, in a file of
// their own under the data folder, written before the transaction that
// deletes the rows naming them: blobs cannot be deleted inside a database
// transaction, and a delete that fails after the commit (the store down)
// or never runs (the process stopped) would otherwise leave a file no row
// names, which nothing could find again (the store cannot be listed). The
// sweeper retries every file's keys (retry), deleting only those no row
// names any more, so a journal left by a transaction that rolled back
// deletes nothing.
type journal struct {
	dir string
	mu  sync.Mutex // one retry at a time
}

// write records keys and returns the journal file's name.
func (j *journal) write(keys []string) (string, error) {
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return "", fmt.Errorf("account: journal: %w", err)
	}
	name := filepath.Join(j.dir, uuid.NewString()+".keys")
	if err := os.WriteFile(name, []byte(strings.Join(keys, "\n")), 0o600); err != nil {
		return "", fmt.Errorf("account: journal: %w", err)
	}
	return name, nil
}

// done removes a journal file whose keys are all deleted, or whose
// transaction rolled back.
func (j *journal) done(name string) { os.Remove(name) }

// retry deletes the keys of every journal file that no row names
// (referenced), removing each file once all its keys are dealt with.
func (j *journal) retry(ctx context.Context, blobs blob.Store, referenced func(context.Context, string) (bool, error)) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	files, err := filepath.Glob(filepath.Join(j.dir, "*.keys"))
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var left []string
		for _, key := range strings.Split(string(data), "\n") {
			if !blob.ValidKey(key) {
				continue
			}
			ref, err := referenced(ctx, key)
			if err == nil && !ref {
				err = blobs.Delete(ctx, key)
			}
			if err != nil {
				errs = append(errs, err)
				left = append(left, key)
			}
		}
		if len(left) == 0 {
			os.Remove(name)
		} else if err := os.WriteFile(name, []byte(strings.Join(left, "\n")), 0o600); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// referenced reports whether a row still names the blob at key: a photo's
// image or thumbnail, or a data export that has not been deleted.
func (s *Service) referenced(ctx context.Context, key string) (bool, error) {
	if id, ok := exportOfKey(key); ok {
		return s.client.DataExport.Query().Where(dataexport.ID(id)).Exist(ctx)
	}
	return s.photos.KeyInUse(ctx, key)
}

// deleteBlobs deletes the blobs at keys, with a few quick retries, and
// reports the keys it could not delete.
func (s *Service) deleteBlobs(ctx context.Context, keys []string) (failed []string) {
	for _, k := range keys {
		var err error
		for range 3 {
			if err = s.blobs.Delete(ctx, k); err == nil {
				break
			}
		}
		if err != nil {
			s.log.ErrorContext(ctx, "deleting a blob; the sweeper retries it", "key", k, "err", err)
			failed = append(failed, k)
		}
	}
	return failed
}
