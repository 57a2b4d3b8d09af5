// Package redis holds FaceStat's Redis adapters: the live-results bus over
// pub/sub. Every key and channel carries the configured prefix.
package redis

import (
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// NewClient connects to the Redis at url with short timeouts, so that a
// Redis outage slows nothing down: callers fall back or skip. Each call
// honours its context's deadline (ContextTimeoutEnabled: without it go-redis
// ignores deadlines and waits out ReadTimeout), so a caller's own shorter
// timeout, such as the cache's, bounds what a stalled Redis costs it.
func NewClient(url string) (*goredis.Client, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	opts.DialTimeout = time.Second
	opts.DialerRetries = 1 // one attempt: a refused dial must fail fast, not after five tries
	opts.ReadTimeout = time.Second
	opts.WriteTimeout = time.Second
	opts.PoolTimeout = time.Second
	opts.MaxRetries = -1 // no command retries: callers fall back instead
	opts.ContextTimeoutEnabled = true
	// Connections kept open ahead of need: a dial inside a call would eat
	// most of a short deadline such as the cache's.
	opts.MinIdleConns = 2
	return goredis.NewClient(opts), nil
}
