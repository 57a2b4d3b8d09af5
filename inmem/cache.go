package inmem

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/facestat/facestat/cache"
)

// Cache is the embedded default's cache.Store: a bounded LRU in memory.
type Cache struct {
	mu  sync.Mutex // makes the check-and-set of AddMulti and SetNewer atomic
	lru *expirable.LRU[string, entry]
}

type entry struct {
	data    []byte
	exp     time.Time
	version int64
}

var _ cache.Store = (*Cache)(nil)

// NewCache returns a cache of at most size entries, none older than
// cache.TTL.
func NewCache(size int) *Cache {
	return &Cache{lru: expirable.NewLRU[string, entry](size, nil, cache.TTL)}
}

// GetMulti implements cache.Store.
func (c *Cache) GetMulti(_ context.Context, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	now := time.Now()
	for _, k := range keys {
		if e, ok := c.lru.Get(k); ok && now.Before(e.exp) {
			out[k] = e.data
		}
	}
	return out, nil
}

// AddMulti implements cache.Store.
func (c *Cache) AddMulti(_ context.Context, items map[string][]byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for k, v := range items {
		if e, ok := c.lru.Peek(k); ok && now.Before(e.exp) {
			continue
		}
		c.lru.Add(k, entry{data: v, exp: now.Add(ttl)})
	}
	return nil
}

// SetNewer implements cache.Store.
func (c *Cache) SetNewer(_ context.Context, ttl time.Duration, items ...cache.Versioned) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for _, it := range items {
		if e, ok := c.lru.Peek(it.Key); ok && now.Before(e.exp) && e.version >= it.Version {
			continue
		}
		c.lru.Add(it.Key, entry{data: it.Data, exp: now.Add(ttl), version: it.Version})
	}
	return nil
}

// Delete implements cache.Store.
func (c *Cache) Delete(_ context.Context, keys ...string) error {
	for _, k := range keys {
		c.lru.Remove(k)
	}
	return nil
}
