package inmem

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/facestat/facestat/cache"
)

// Cache is the embedded default's cache.Store: a bounded LRU in memory.
type Cache struct {
	lru *expirable.LRU[string, entry]
}

type entry struct {
	data []byte
	exp  time.Time
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

// SetMulti implements cache.Store.
func (c *Cache) SetMulti(_ context.Context, items map[string][]byte, ttl time.Duration) error {
	exp := time.Now().Add(ttl)
	for k, v := range items {
		c.lru.Add(k, entry{data: v, exp: exp})
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
