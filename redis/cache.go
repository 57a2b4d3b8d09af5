package redis

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/cache"
)

// Cache is the shared cache.Store on Redis: MGET for reads, one pipeline
// for writes. Each call gives up after callTimeout, and after a failure the
// cache stays out of the way for breakFor (the database answers), so an
// outage costs at most one short wait per breakFor; it comes back by itself.
type Cache struct {
	rdb       *goredis.Client
	prefix    string
	downUntil atomic.Int64 // unix nanos
}

var _ cache.Store = (*Cache)(nil)

// NewCache returns a cache whose keys start with prefix.
func NewCache(rdb *goredis.Client, prefix string) *Cache {
	return &Cache{rdb: rdb, prefix: prefix + "cache:"}
}

var errDown = errors.New("redis cache: skipped after a recent failure")

const (
	callTimeout = 150 * time.Millisecond
	breakFor    = 5 * time.Second
)

func (c *Cache) up() bool { return time.Now().UnixNano() >= c.downUntil.Load() }

func (c *Cache) failed(err error) error {
	if err != nil && !errors.Is(err, goredis.Nil) {
		c.downUntil.Store(time.Now().Add(breakFor).UnixNano())
	}
	return err
}

// GetMulti implements cache.Store.
func (c *Cache) GetMulti(ctx context.Context, keys []string) (map[string][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if !c.up() {
		return nil, errDown
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + k
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	vals, err := c.rdb.MGet(ctx, full...).Result()
	if err != nil {
		return nil, c.failed(err)
	}
	out := make(map[string][]byte, len(keys))
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[keys[i]] = []byte(s)
		}
	}
	return out, nil
}

// AddMulti implements cache.Store: SET NX, pipelined.
func (c *Cache) AddMulti(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if len(items) == 0 {
		return nil
	}
	if !c.up() {
		return errDown
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := c.rdb.Pipeline()
	for k, v := range items {
		pipe.SetNX(ctx, c.prefix+k, v, ttl)
	}
	_, err := pipe.Exec(ctx)
	return c.failed(err)
}

// setNewer stores ARGV[2] under KEYS[1] for ARGV[3] ms unless the value
// there has a "v" of ARGV[1] or more (atomic: Redis runs scripts alone).
var setNewer = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and type(old) == 'table' and tonumber(old['v'] or 0) >= tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// SetNewer implements cache.Store.
func (c *Cache) SetNewer(ctx context.Context, key string, version int64, data []byte, ttl time.Duration) error {
	if !c.up() {
		return errDown
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	err := setNewer.Run(ctx, c.rdb, []string{c.prefix + key}, version, data, ttl.Milliseconds()).Err()
	return c.failed(err)
}

// Delete implements cache.Store. It is tried even while the cache is
// skipped: a stale entry must not outlive an outage.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + k
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return c.failed(c.rdb.Del(ctx, full...).Err())
}
