package account

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/fsblob"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/photos"
)

// movingStore runs before once, on the first Open of key: a move of the
// photo's images that lands between the export's reading of the photo's
// row and its reading of the image.
type movingStore struct {
	blob.Store
	key    string
	before func()
	done   atomic.Bool
}

func (m *movingStore) Open(ctx context.Context, key string) (io.ReadSeekCloser, blob.Info, error) {
	if key == m.key && m.done.CompareAndSwap(false, true) {
		m.before() // its own Opens of key pass through
	}
	return m.Store.Open(ctx, key)
}

// TestExportWhileImagesMove: a photo made private while its owner's export
// is being built has its images moved (photos.SyncImageKeys) from the key
// the export read in its row; the export still holds the image (before,
// the build failed on the vanished key and the owner had to ask again,
// spending the export rate limit).
func TestExportWhileImagesMove(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	owner := d.Client.User.Create().SetID(uuid.New()).SetHandle("mover").SetEmail("mover@example.com").
		SetPasswordHash("x").SaveX(ctx)
	id := uuid.New()
	image, thumb := []byte("the image's bytes"), []byte("the thumbnail's bytes")
	imageKey := "img/" + id.String() + "/v0/" + blob.Key("", image, ".jpg")
	thumbKey := "thumb/" + id.String() + "/v0/" + blob.Key("", thumb, ".jpg")
	for k, data := range map[string][]byte{imageKey: image, thumbKey: thumb} {
		if err := fs.Put(ctx, k, data, "image/jpeg"); err != nil {
			t.Fatal(err)
		}
	}
	d.Client.Photo.Create().SetID(id).SetOwnerID(owner.ID).SetImageKey(imageKey).SetThumbKey(thumbKey).
		SetWidth(10).SetHeight(10).SetThumbWidth(5).SetThumbHeight(5).SetIsPublic(true).ExecX(ctx)

	var ph *photos.Service
	store := &movingStore{Store: fs, key: imageKey, before: func() {
		d.Client.Photo.UpdateOneID(id).SetIsPublic(false).ExecX(ctx)
		if err := ph.SyncImageKeys(ctx, id); err != nil {
			t.Errorf("moving the images: %v", err)
		}
	}}
	ph = photos.NewService(d.Client, store, photos.Config{SigningKey: []byte("k")}, log)
	j, err := judging.NewService(ctx, judging.Deps{Client: d.Client, Dialect: dialect.SQLite, Photos: ph, Log: log},
		judging.Config{MinVotes: 5, CandidatePool: 10, TopSize: 10, Ingest: judging.IngestConfig{MaxBatch: 10, QueueSize: 10, Workers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s := NewService(d.Client, store, ph, j, nil, Config{DataDir: dir, TempDir: dir, ExportTTL: time.Hour, MaxExportBytes: 1 << 20}, log)
	defer s.Close()
	now := time.Now().UTC()
	e := d.Client.DataExport.Create().SetUserID(owner.ID).SetCreatedAt(now).SetExpiresAt(now.Add(time.Hour)).SaveX(ctx)

	if _, err := s.buildFile(ctx, e); err != nil {
		t.Fatalf("building the export while the images moved: %v", err)
	}
	f, _, err := fs.Open(ctx, exportKey(e.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range z.File {
		if zf.Name == "photos/"+id.String()+".jpg" {
			r, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, image) {
				t.Fatalf("the exported image: %q", got)
			}
			return
		}
	}
	t.Fatal("the export holds no image of the photo")
}
