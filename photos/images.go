package photos

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/entx"
)

// Where a photo's images live follows who may read them (its class):
//
//	public and active:  img/<id>/v<n>/<hh>/<sha256>.jpg, thumb/<id>/v<n>/...
//	private and active: private/img/<id>/v<n>/..., private/thumb/<id>/v<n>/...
//	hidden:             private/hidden/img/<id>/v<n>/..., private/hidden/thumb/...
//
// n is the photo's image_version. Photos uploaded before versions keep
// img/<id>/<hh>/<sha256>.jpg (version 0) while they are public. Keys under
// blob.PrivatePrefix are served only through signed URLs; public keys by
// anyone (FaceStat checks the photo's row first, a bucket or CDN does
// not). SyncImageKeys moves a photo's blobs when its class changes, to a
// new version, so an old URL stops working at the origin: making a photo
// private cuts its public URL off, making it public its signed ones, and
// hiding a private photo the signed URLs strangers were given.
const (
	hiddenPrefix = blob.PrivatePrefix + "hidden/"
)

// classOf returns the key prefix of p's class: "" (public), PrivatePrefix
// or hiddenPrefix.
func classOf(p *ent.Photo) string {
	switch {
	case p.Status == photo.StatusHidden:
		return hiddenPrefix
	case !p.IsPublic:
		return blob.PrivatePrefix
	}
	return ""
}

// keyClass returns the class prefix key is under.
func keyClass(key string) string {
	switch {
	case strings.HasPrefix(key, hiddenPrefix):
		return hiddenPrefix
	case strings.HasPrefix(key, blob.PrivatePrefix):
		return blob.PrivatePrefix
	}
	return ""
}

// IsPrivateKey reports whether key is only ever served with a signature.
func IsPrivateKey(key string) bool { return strings.HasPrefix(key, blob.PrivatePrefix) }

// photoKey is the key of a photo's image (kind imagePrefix) or thumbnail
// (thumbPrefix) in class at version, named by tail ("<hh>/<sha256>.jpg").
func photoKey(class, kind string, id uuid.UUID, version int, tail string) string {
	return class + kind + id.String() + "/v" + strconv.Itoa(version) + "/" + tail
}

// splitKey parses a photo's key into its class, kind, photo and content
// tail (the last two segments).
func splitKey(key string) (class, kind string, id uuid.UUID, tail string, ok bool) {
	class = keyClass(key)
	rest := key[len(class):]
	switch {
	case strings.HasPrefix(rest, imagePrefix):
		kind = imagePrefix
	case strings.HasPrefix(rest, thumbPrefix):
		kind = thumbPrefix
	default:
		return "", "", uuid.UUID{}, "", false
	}
	segs := strings.Split(rest[len(kind):], "/")
	// <id>/<hh>/<hash> (version 0 of old) or <id>/v<n>/<hh>/<hash>
	if len(segs) != 3 && (len(segs) != 4 || !validVersion(segs[1])) {
		return "", "", uuid.UUID{}, "", false
	}
	u, err := uuid.Parse(segs[0])
	if err != nil || u.String() != segs[0] {
		return "", "", uuid.UUID{}, "", false
	}
	return class, kind, u, strings.Join(segs[len(segs)-2:], "/"), true
}

func validVersion(s string) bool {
	n, ok := strings.CutPrefix(s, "v")
	v, err := strconv.Atoi(n)
	return ok && err == nil && v >= 0 && strconv.Itoa(v) == n
}

// signingContext separates the image URLs' key from every other use of
// the instance secret.
const signingContext = "facestat image URL signing v1"

// imageKey derives the key that signs image URLs from the instance's
// signing key (settings.SigningKey: FACESTAT_SECRET, or the one kept in
// the database), so every instance on one database signs alike.
func imageKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signingContext))
	return m.Sum(nil)
}

// now is the service's clock (tests move it).
func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// expiryStep is what signed URLs' expiries are rounded down to: a tenth of
// their lifetime, between a second and a minute. One URL per key is handed
// out within a step, so clients' caches keep working.
func (s *Service) expiryStep() int64 {
	return int64(min(max(s.cfg.SignedURLTTL/10, time.Second), time.Minute) / time.Second)
}

// expiry is when a signed URL made now stops working: now + the TTL,
// rounded down to the step, so a URL lives between TTL - step and TTL.
func (s *Service) expiry() int64 {
	step := s.expiryStep()
	t := s.now().Add(s.cfg.SignedURLTTL).Unix()
	return t - t%step
}

// signature is the HMAC of key and its expiry.
func (s *Service) signature(key string, exp int64) []byte {
	m := hmac.New(sha256.New, s.signKey)
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(exp, 10)))
	return m.Sum(nil)
}

// URL returns the URL of the blob at key: the public URL (ImageBaseURL +
// "/" + key) for public keys, a signed one (ImageURL) for private keys,
// which on failure is FaceStat's own signed URL.
func (s *Service) URL(key string) string {
	u, _ := s.ImageURL(context.Background(), key)
	return u
}

// ImageURL returns the URL of the blob at key that its readers are given:
// for a public key its stable public URL; for a key under the private
// prefix a signed URL that works until the rounded expiry: presigned by
// the store when it can (S3 with credentials), else FaceStat's own
// /images/<key>?exp=<unix>&sig=<base64url HMAC>. The error says why a
// presigned URL could not be made; FaceStat's own is returned with it.
func (s *Service) ImageURL(ctx context.Context, key string) (string, error) {
	if !IsPrivateKey(key) {
		return s.cfg.ImageBaseURL + "/" + key, nil
	}
	exp := s.expiry()
	own := s.cfg.SignedBaseURL + "/" + key + "?exp=" + strconv.FormatInt(exp, 10) +
		"&sig=" + base64.RawURLEncoding.EncodeToString(s.signature(key, exp))
	p, ok := s.blobs.(blob.Presigner)
	if !ok {
		return own, nil
	}
	u, err := p.PresignGet(ctx, key, time.Unix(exp, 0), "private")
	if errors.Is(err, blob.ErrNoPresign) {
		return own, nil // anonymous S3: FaceStat serves its own
	}
	if err != nil {
		s.log.WarnContext(ctx, "presigning an image URL; FaceStat serves it", "key", key, "err", err)
		return own, err
	}
	return u, nil
}

// MaxURLBytes is the length of the longest image URL this service hands
// out (what the API prices imageUrl and thumbnailUrl at): a hidden photo's
// signed thumbnail URL at the largest version, with room for a longer
// expiry; on S3 a presigned URL (made once here: the first may ask the
// store for the bucket's region).
func (s *Service) MaxURLBytes() int {
	key := photoKey(hiddenPrefix, thumbPrefix, uuid.Nil, 1<<31-1, blob.Key("", nil, ".jpg"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	signed, _ := s.ImageURL(ctx, key)
	return max(len(signed), len(s.cfg.ImageBaseURL)+1+len(key)) + 16
}

// CheckSignature reports whether sig signs key until exp (as ImageURL
// makes them) and exp is still ahead, and how long the URL has left. Only
// canonical forms pass: exp in decimal digits, sig unpadded base64url of
// the whole HMAC, compared in constant time. An expiry further away than
// the TTL never passes.
func (s *Service) CheckSignature(key, exp, sig string) (time.Duration, bool) {
	if !IsPrivateKey(key) || len(exp) == 0 || len(exp) > 12 || len(sig) != 43 {
		return 0, false
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || strconv.FormatInt(t, 10) != exp {
		return 0, false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.signature(key, t)) {
		return 0, false
	}
	left := time.Unix(t, 0).Sub(s.now())
	if left <= 0 || left > s.cfg.SignedURLTTL {
		return 0, false
	}
	return left, true
}

// SyncImageKeys moves photo id's image and thumbnail to the keys its
// visibility and status call for (see classOf), when they are elsewhere:
//
//  1. copy both blobs to the new keys, at image_version + 1 (a Put of a
//     key already there is a no-op);
//  2. delete the old blobs, so an old URL stops working at the origin
//     before the new one is handed out (readers of the old row get a 404
//     meanwhile); a delete that fails stops the move here, with the row
//     unchanged, for the sweep to retry;
//  3. update the row's keys and version, on condition that its version
//     is still the one read; then drop its cached row.
//
// Crash-safe: the new keys follow from the row (class, version + 1,
// content), so a retry after a crash between 1 and 3 finds the copies
// (when the old blobs are gone already) and finishes; the sweep
// (SweepImageKeys, at start-up and periodically) retries every row whose
// keys are not in its class. A lost race (another sync, a delete) leaves
// the winner's keys and removes this call's copies. A deleted photo has
// nothing to move (nil).
func (s *Service) SyncImageKeys(ctx context.Context, id uuid.UUID) error {
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		p, err := s.client.Photo.Get(ctx, id)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("photos: syncing image keys: %w", err)
		}
		done, err := s.moveImages(ctx, p)
		if err != nil || done {
			return err
		}
	}
	return fmt.Errorf("photos: syncing image keys of %s: the photo kept changing, or its images are nowhere", id)
}

// moveImages moves p's blobs as SyncImageKeys says; false (and no error)
// when the row changed meanwhile and the caller should read it again.
func (s *Service) moveImages(ctx context.Context, p *ent.Photo) (bool, error) {
	class := classOf(p)
	if keyClass(p.ImageKey) == class && keyClass(p.ThumbKey) == class {
		// In place, unless a move cut short left the row naming
		// deleted blobs (and then turned back): move again, from the
		// copies, to the next version.
		missing, err := s.missing(ctx, p.ImageKey, p.ThumbKey)
		if err != nil || !missing {
			return err == nil, err
		}
	}
	next := p.ImageVersion + 1
	oldKeys := []string{p.ImageKey, p.ThumbKey}
	newKeys := make([]string, 2)
	for i, old := range oldKeys {
		_, kind, id, tail, ok := splitKey(old)
		if !ok || id != p.ID {
			return false, fmt.Errorf("photos: photo %s has a key of another form: %q", p.ID, old)
		}
		newKeys[i] = photoKey(class, kind, p.ID, next, tail)
	}
	for i := range oldKeys {
		ok, err := s.copyBlob(ctx, p.ID, next, oldKeys[i], newKeys[i])
		if err != nil {
			return false, err
		}
		if !ok { // the old blob went: someone else is moving it
			return false, nil
		}
	}
	// The old URL must stop working: a failed delete stops the move
	// before the row changes, so that a retry (the sweep) deletes again.
	for _, k := range oldKeys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return false, fmt.Errorf("photos: deleting %s: %w", k, err)
		}
	}
	n, err := s.client.Photo.Update().
		Where(photo.ID(p.ID), photo.ImageVersion(p.ImageVersion), photo.ImageKey(p.ImageKey)).
		SetImageKey(newKeys[0]).SetThumbKey(newKeys[1]).SetImageVersion(next).
		Save(ctx)
	if err != nil {
		return false, fmt.Errorf("photos: recording moved image keys: %w", err)
	}
	if n == 0 {
		// Changed or deleted meanwhile: keep the copies only if the
		// row took them (another sync with the same target).
		now, err := s.client.Photo.Get(ctx, p.ID)
		if err != nil && !ent.IsNotFound(err) {
			return false, err
		}
		if now == nil || now.ImageKey != newKeys[0] {
			s.dropBlobs(ctx, newKeys...)
		}
		return now == nil, nil
	}
	s.forgetTwice(ctx, p.ID)
	// Copies an interrupted move toward another class may have left at
	// this version (never handed out, but not to be kept either).
	var stale []string
	for _, c := range []string{"", blob.PrivatePrefix, hiddenPrefix} {
		if c == class {
			continue
		}
		for _, k := range newKeys {
			_, kind, _, tail, _ := splitKey(k)
			stale = append(stale, photoKey(c, kind, p.ID, next, tail))
		}
	}
	s.dropBlobs(ctx, stale...)
	return true, nil
}

// ImageKeys returns every key p's blobs may be under: the two its row
// names, and their next version in every class, where a move cut short
// may have left copies (moveImages). Deleting a photo deletes them all.
func ImageKeys(p *ent.Photo) []string {
	keys := []string{p.ImageKey, p.ThumbKey}
	for _, k := range []string{p.ImageKey, p.ThumbKey} {
		_, kind, id, tail, ok := splitKey(k)
		if !ok || id != p.ID {
			continue
		}
		for _, c := range []string{"", blob.PrivatePrefix, hiddenPrefix} {
			keys = append(keys, photoKey(c, kind, p.ID, p.ImageVersion+1, tail))
		}
	}
	return keys
}

// missing reports whether a blob at one of keys is absent.
func (s *Service) missing(ctx context.Context, keys ...string) (bool, error) {
	for _, k := range keys {
		var err error
		if st, ok := s.blobs.(blob.Stater); ok {
			_, err = st.Stat(ctx, k)
		} else {
			var f io.ReadSeekCloser
			if f, _, err = s.blobs.Open(ctx, k); err == nil {
				f.Close()
			}
		}
		if errors.Is(err, blob.ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("photos: looking for %s: %w", k, err)
		}
	}
	return false, nil
}

// copyBlob copies the blob at from to to, reading it from where it may
// be: at from, at to already (a retry), or at version's key of another
// class (an interrupted move whose row still names from). False when it
// is nowhere.
func (s *Service) copyBlob(ctx context.Context, id uuid.UUID, version int, from, to string) (bool, error) {
	_, kind, _, tail, _ := splitKey(from)
	for _, src := range []string{from, to, photoKey("", kind, id, version, tail),
		photoKey(blob.PrivatePrefix, kind, id, version, tail), photoKey(hiddenPrefix, kind, id, version, tail)} {
		f, info, err := s.blobs.Open(ctx, src)
		if errors.Is(err, blob.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("photos: reading %s: %w", src, err)
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return false, fmt.Errorf("photos: reading %s: %w", src, err)
		}
		if src == to {
			return true, nil
		}
		if err := s.blobs.Put(ctx, to, data, info.ContentType); err != nil {
			return false, fmt.Errorf("photos: writing %s: %w", to, err)
		}
		return true, nil
	}
	return false, nil
}

// SweepImageKeys moves the images of every photo whose keys are not in
// its class (SyncImageKeys), in batches by id: the migration of photos
// made private before images had classes, and the retry of moves a crash
// or a failing store interrupted. Idempotent and resumable (it only
// looks at what the rows say); on PostgreSQL one instance at a time
// (a transaction-scoped advisory lock held while it runs), the others
// skip the round. It returns how many photos it moved and the first error
// (it goes on past a photo that fails).
func (s *Service) SweepImageKeys(ctx context.Context) (int, error) {
	if s.cfg.Dialect == dialect.Postgres {
		var moved int
		var sweepErr error
		err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
			ok, err := entx.TryAdvisoryLock(ctx, tx, imageSweepLockKey)
			if err != nil || !ok {
				return err
			}
			moved, sweepErr = s.sweep(ctx)
			return nil
		})
		if err != nil {
			return moved, err
		}
		return moved, sweepErr
	}
	return s.sweep(ctx)
}

// imageSweepLockKey is the PostgreSQL advisory lock of the sweep ("fsik").
const imageSweepLockKey = 0x6673696b

func (s *Service) sweep(ctx context.Context) (int, error) {
	const batch = 100
	wrongPlace := photo.Or(
		photo.And(photo.StatusEQ(photo.StatusHidden),
			photo.Or(photo.Not(photo.ImageKeyHasPrefix(hiddenPrefix)), photo.Not(photo.ThumbKeyHasPrefix(hiddenPrefix)))),
		photo.And(photo.StatusEQ(photo.StatusActive), photo.IsPublic(false),
			photo.Or(photo.Not(photo.ImageKeyHasPrefix(blob.PrivatePrefix)), photo.ImageKeyHasPrefix(hiddenPrefix),
				photo.Not(photo.ThumbKeyHasPrefix(blob.PrivatePrefix)), photo.ThumbKeyHasPrefix(hiddenPrefix))),
		photo.And(photo.StatusEQ(photo.StatusActive), photo.IsPublic(true),
			photo.Or(photo.ImageKeyHasPrefix(blob.PrivatePrefix), photo.ThumbKeyHasPrefix(blob.PrivatePrefix))),
	)
	var after uuid.UUID
	moved := 0
	var first error
	for {
		ids, err := s.client.Photo.Query().Where(wrongPlace, photo.IDGT(after)).
			Order(ent.Asc(photo.FieldID)).Limit(batch).IDs(ctx)
		if err != nil {
			return moved, fmt.Errorf("photos: listing misplaced images: %w", err)
		}
		for _, id := range ids {
			if err := s.SyncImageKeys(ctx, id); err != nil {
				s.log.ErrorContext(ctx, "moving a photo's images", "photo", id, "err", err)
				if first == nil {
					first = err
				}
				if ctx.Err() != nil {
					return moved, first
				}
				continue
			}
			moved++
		}
		if len(ids) < batch {
			return moved, first
		}
		after = ids[len(ids)-1]
	}
}

// RunImageSweep sweeps at once and then every interval until ctx ends,
// reporting each round's failure to fail.
func (s *Service) RunImageSweep(ctx context.Context, interval time.Duration, fail func(error)) {
	for {
		n, err := s.SweepImageKeys(ctx)
		if err != nil && ctx.Err() == nil {
			fail(err)
		}
		if n > 0 {
			s.log.InfoContext(ctx, "moved photos' images to the keys their visibility calls for", "photos", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
