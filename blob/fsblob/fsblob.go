// Package fsblob implements blob.Store on a local folder.
//
// Layout: the object stored under key K is the regular file <dir>/K (with
// '/' mapped to the OS separator); folders are created as needed with mode
// 0o750 and objects are written with mode 0o640. Nothing else is stored: the
// content type is derived from the key's extension (see ContentType), so
// there are no sidecar files.
//
// Writes are atomic: data goes to a temporary file in the object's own
// folder, which is fsynced and then renamed over the final name, and the
// folder is fsynced afterwards. Temporary files are named "~tmp-<random>";
// '~' is not allowed in keys, so a temporary file is never mistaken for an
// object. They are removed when a Put fails; only a crash can leave one
// behind, and any file whose name starts with "~tmp-" may then be deleted
// safely while no Put is running.
//
// Several Stores (also in several processes) may share one folder.
package fsblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/facestat/facestat/blob"
)

// TempPrefix starts the name of every temporary file a Store creates. It is
// never the start of a valid key segment.
const TempPrefix = "~tmp-"

const (
	dirPerm  fs.FileMode = 0o750
	filePerm fs.FileMode = 0o640
	// putRetries bounds how often Put recreates the object's folder after a
	// concurrent Delete removed it (it empties and removes folders).
	putRetries = 32
)

// Store is a blob.Store backed by a local folder. It is safe for concurrent
// use. The zero value is not usable; create one with New.
type Store struct {
	dir   string // absolute, cleaned
	cache *cache // small objects' bytes (Cached); nil: none
}

var _ blob.Store = (*Store)(nil)

// New returns a Store keeping its objects under dir, which is created (with
// its parents, mode 0o750) if missing. It returns an error if dir is empty,
// cannot be created, or is not a folder. A relative dir is resolved against
// the current working directory once, here.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("fsblob: empty folder name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("fsblob: %s is not a folder", abs)
	}
	return &Store{dir: abs}, nil
}

// Dir returns the absolute path of the folder the Store keeps objects in.
func (s *Store) Dir() string { return s.dir }

// ContentType returns the media type recorded for objects stored under key,
// derived from its extension: ".jpg" and ".jpeg" give "image/jpeg", ".png"
// gives "image/png", ".webp" gives "image/webp", anything else gives
// "application/octet-stream".
func ContentType(key string) string {
	switch path.Ext(key) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".webp":
		return "image/webp"
	default:
		return "application/octet-stream"
	}
}

// Put stores data under key atomically (see the package documentation). If
// an object is already stored under key, Put does nothing and returns nil,
// even if data differs. Since the content type is not stored but derived
// from key, Put returns an error, and stores nothing, if contentType is
// neither empty nor equal (parameters aside) to ContentType(key). It returns
// an error wrapping blob.ErrBadKey for an invalid key, and an error if key
// names a folder (a prefix of other keys).
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if want := ContentType(key); contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != want {
			return fmt.Errorf("fsblob: put %q: content type %q does not match the key's extension (%s)", key, contentType, want)
		}
	}
	p := s.path(key)
	switch fi, err := os.Lstat(p); {
	case err == nil && fi.Mode().IsRegular():
		return nil // already stored; keys are content addresses
	case err == nil:
		return fmt.Errorf("fsblob: put %q: name is taken by a %s", key, kind(fi))
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("fsblob: put %q: %w", key, err)
	}
	parent := filepath.Dir(p)
	_, statErr := os.Stat(parent)
	newDirs := statErr != nil // folders are probably created below
	for attempt := 0; ; attempt++ {
		err := s.write(parent, p, data)
		if err == nil {
			break
		}
		// A concurrent Delete may have removed a folder that was empty
		// between our MkdirAll and CreateTemp: create it again.
		if errors.Is(err, fs.ErrNotExist) && attempt < putRetries {
			newDirs = true
			continue
		}
		return fmt.Errorf("fsblob: put %q: %w", key, err)
	}
	// Make the new directory entries durable: the object's folder, and its
	// ancestors up to dir when some of them may be new.
	for d := parent; ; d = filepath.Dir(d) {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("fsblob: put %q: %w", key, err)
		}
		if !newDirs || len(d) <= len(s.dir) {
			break
		}
	}
	return nil
}

// write creates parent if needed and atomically places data at p.
func (s *Store) write(parent, p string, data []byte) (err error) {
	if err := os.MkdirAll(parent, dirPerm); err != nil {
		return err
	}
	f, err := os.CreateTemp(parent, TempPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(filePerm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Concurrent Puts of the same key each rename their own copy of the
	// same content; the last one wins, and readers see one whole copy.
	return os.Rename(tmp, p)
}

// Open returns the object stored under key, as an *os.File positioned at
// its start, and its Info (ModTime is the file's modification time). It
// returns an error wrapping blob.ErrNotFound if no object is stored under
// key (including when key names a folder), and one wrapping blob.ErrBadKey
// for an invalid key. The caller must Close the reader; it keeps reading
// the object even if it is deleted meanwhile.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, blob.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, blob.Info{}, err
	}
	if err := checkKey(key); err != nil {
		return nil, blob.Info{}, err
	}
	p := s.path(key)
	var r io.ReadSeekCloser
	var fi fs.FileInfo
	if s.cache != nil && strings.HasPrefix(ContentType(key), "image/") {
		var err error
		r, fi, err = s.cache.open(p)
		switch {
		case err != nil && notFound(err):
			s.cache.drop(p)
			return nil, blob.Info{}, fmt.Errorf("fsblob: open %q: %w", key, blob.ErrNotFound)
		case err != nil:
			return nil, blob.Info{}, fmt.Errorf("fsblob: open %q: %w", key, err)
		}
	}
	if r == nil { // not an image, not kept (too large), or no cache
		f, err := os.Open(p)
		if err != nil {
			if notFound(err) {
				return nil, blob.Info{}, fmt.Errorf("fsblob: open %q: %w", key, blob.ErrNotFound)
			}
			return nil, blob.Info{}, fmt.Errorf("fsblob: open %q: %w", key, err)
		}
		if fi, err = f.Stat(); err != nil {
			f.Close()
			return nil, blob.Info{}, fmt.Errorf("fsblob: open %q: %w", key, err)
		}
		if !fi.Mode().IsRegular() {
			f.Close()
			return nil, blob.Info{}, fmt.Errorf("fsblob: open %q: %w", key, blob.ErrNotFound)
		}
		r = f
	}
	return r, blob.Info{Size: fi.Size(), ContentType: ContentType(key), ModTime: fi.ModTime()}, nil
}

// Delete removes the object stored under key, then removes the folders
// above it, up to but excluding dir, that it left empty; so deleting every
// object brings dir back to its former listing. (Which folders Put created
// is not recorded, so a folder on the object's path that already existed
// before, empty, is removed too; dir itself never is.) Deleting an absent key
// (including a key naming a folder, which is left alone) returns nil. It
// returns an error wrapping blob.ErrBadKey for an invalid key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	p := s.path(key)
	fi, err := os.Lstat(p)
	switch {
	case err != nil && notFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("fsblob: delete %q: %w", key, err)
	case fi.IsDir():
		return nil // a folder is not an object
	}
	if err := os.Remove(p); err != nil {
		if notFound(err) {
			return nil // deleted concurrently
		}
		return fmt.Errorf("fsblob: delete %q: %w", key, err)
	}
	if s.cache != nil {
		s.cache.drop(p)
	}
	// Remove the folders left empty, deepest first. Removal fails, and the
	// walk stops, at the first folder still holding something (an object or
	// a concurrent Put's temporary file), or already removed concurrently.
	for d := filepath.Dir(p); len(d) > len(s.dir); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return nil
}

func (s *Store) path(key string) string {
	return filepath.Join(s.dir, filepath.FromSlash(key))
}

func checkKey(key string) error {
	if !blob.ValidKey(key) {
		return fmt.Errorf("fsblob: %w: %q", blob.ErrBadKey, key)
	}
	return nil
}

// notFound reports whether err means that no file exists at the path,
// including because one of its parents is a regular file.
func notFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func kind(fi fs.FileInfo) string {
	if fi.IsDir() {
		return "folder"
	}
	return "non-regular file"
}

// syncDir makes dir's entries durable. Windows cannot fsync a folder (and
// does not need to); there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
