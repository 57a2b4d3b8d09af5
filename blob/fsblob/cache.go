package fsblob

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// The small objects' cache (issue 16): a judging view serves two images,
// and opening each file (open, fstat, close) was 5 % of the server's CPU
// in a judging replay. A Store made with Cached keeps the bytes of
// objects up to a size in memory, at most a total, least recently used
// first out, and serves them after one stat of the file: an object served from memory is the file as it is
// now, never one deleted or replaced, since the stat must find the same
// file (device, inode, size, modification time) the bytes were read
// from. Put never replaces an object (keys are content addresses), but
// another process sharing the folder may delete one, or a hand rename a
// new file over it (a new inode): the next Open sees it. Only images are
// kept (data exports are read once). The check is as good as stat is: on
// a network file system whose client caches attributes (NFS's actimeo),
// a file deleted by another machine may be served for that long.

// cache is the Store's cache of small objects; nil: none.
type cache struct {
	each int64 // the largest object kept

	mu    sync.Mutex
	total int64 // the bytes kept, at most max
	max   int64
	lru   *simplelru.LRU[string, *kept]
}

// kept is one object's bytes and the file they were read from.
type kept struct {
	data []byte
	id   fileID
}

// fileID tells two files, or a file and its replacement, apart.
type fileID struct {
	dev, ino uint64
	size     int64
	mod      time.Time
}

func idOf(fi fs.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino, size: fi.Size(), mod: fi.ModTime()}, true // Dev is uint32 on some platforms
}

// Cached returns s keeping, in memory, the bytes of the images up to
// each bytes that it serves, total bytes at most (see cache). total <= 0
// keeps none.
func (s *Store) Cached(total, each int64) *Store {
	if total <= 0 || each <= 0 {
		return s
	}
	l, _ := simplelru.NewLRU[string, *kept](1<<20, nil) // bounded by bytes below
	c := *s
	c.cache = &cache{each: min(each, total), max: total, lru: l}
	return &c
}

// open is Store.Open through the cache: one stat, and the bytes from
// memory when they are the file's; else the file is read, and kept. It
// returns no reader (and no error) when the caller should open the file
// itself: too large to keep, or a platform without inodes.
func (c *cache) open(path string) (io.ReadSeekCloser, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fs.ErrNotExist
	}
	id, ok := idOf(fi)
	if !ok || fi.Size() > c.each {
		return nil, nil, nil
	}
	c.mu.Lock()
	k, hit := c.lru.Get(path)
	c.mu.Unlock()
	if hit && k.id == id {
		return readSeekNopCloser{bytes.NewReader(k.data)}, fi, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	// The file as it is now (it may have changed since the stat).
	if fi, err = f.Stat(); err != nil {
		return nil, nil, err
	}
	if id, ok = idOf(fi); !ok || fi.Size() > c.each || !fi.Mode().IsRegular() {
		return nil, nil, nil
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	c.put(path, &kept{data: data, id: id})
	return readSeekNopCloser{bytes.NewReader(data)}, fi, nil
}

// put keeps k under path, dropping the least recently used objects past
// the total.
func (c *cache) put(path string, k *kept) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.lru.Peek(path); ok {
		c.total -= int64(len(old.data))
	}
	c.lru.Add(path, k)
	c.total += int64(len(k.data))
	for c.total > c.max {
		_, old, ok := c.lru.RemoveOldest()
		if !ok {
			break
		}
		c.total -= int64(len(old.data))
	}
}

// drop forgets the object at path (Delete, and an Open that found no
// file): its memory goes at once, not when the cache needs it.
func (c *cache) drop(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.lru.Peek(path); ok {
		c.total -= int64(len(old.data))
		c.lru.Remove(path)
	}
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }
