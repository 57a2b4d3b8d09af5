package photos

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
)

// DeleteAllOf deletes every photo of owner within tx, as Delete deletes
// one (locked as votes lock them, then removed with every row that refers
// to them by cascading foreign keys), for the deletion of the owner's
// account. It returns the rows deleted: once tx has committed, pass them
// to Erased, and delete the blobs ImageKeys names.
func (s *Service) DeleteAllOf(ctx context.Context, tx *ent.Tx, owner uuid.UUID) ([]*ent.Photo, error) {
	ids, err := tx.Photo.Query().Where(photo.OwnerID(owner)).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	locked, err := s.Lock(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Photo.Delete().Where(photo.OwnerID(owner)).Exec(ctx); err != nil {
		return nil, err
	}
	rows := make([]*ent.Photo, 0, len(locked))
	for _, p := range locked {
		rows = append(rows, p)
	}
	return rows, nil
}

// Erased tells what follows a deletion (the photos' cached rows, their
// statistics, their live subscribers: see changed) that the photos deleted
// by a committed DeleteAllOf are gone. Their image files are the caller's
// to delete.
func (s *Service) Erased(ctx context.Context, deleted []*ent.Photo) {
	for _, p := range deleted {
		s.changed(ctx, Change{Photo: p, Deleted: true})
	}
}

// AllOf returns every photo row of owner, oldest first (a data export).
func (s *Service) AllOf(ctx context.Context, owner uuid.UUID) ([]*ent.Photo, error) {
	rows, err := s.client.Photo.Query().Where(photo.OwnerID(owner)).Order(photo.ByCreatedAt(), photo.ByID()).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: all of: %w", err)
	}
	return rows, nil
}

// KeyInUse reports whether a photo's row names the blob at key.
func (s *Service) KeyInUse(ctx context.Context, key string) (bool, error) {
	return s.client.Photo.Query().Where(photo.Or(photo.ImageKey(key), photo.ThumbKey(key))).Exist(ctx)
}
