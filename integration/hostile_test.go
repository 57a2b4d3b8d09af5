package integration_test

// The hostile-client suite: one TestHostile* test per attack a stranger can
// make, each asserting that the attack fails and that honest users are still
// served. The tests live in hostile_*_test.go, one file per surface, and
// docs/SECURITY.md lists every attack they cover with what the service
// answers. This file holds what they share: clients at addresses of the
// test's choosing (X-Forwarded-For from a trusted proxy: the test itself, on
// loopback) and a Redis of the test's own that can be stopped, paused and
// restarted.

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// hostileSettings make the test's loopback connection a trusted proxy, so
// that X-Forwarded-For (see from, in ratelimit_test.go) sets each request's client address.
var hostileSettings = map[string]string{
	"FACESTAT_TRUSTED_PROXIES": "127.0.0.1/32,::1/128",
}

// withSettings returns base with extra on top (neither is changed).
func withSettings(base map[string]string, extra ...map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for _, m := range extra {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// nthIP is a distinct documentation address (198.18.0.0/15, benchmarking)
// for each n < 131072: a crowd of strangers.
func nthIP(n int) string {
	return fmt.Sprintf("198.%d.%d.%d", 18+n>>16, n>>8&0xff, n&0xff)
}

// client returns a go-redis client of r, for tests that act on Redis
// directly (pausing it, reading keys).
func (r *redisServer) client() *goredis.Client {
	rdb := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.Port), MaxRetries: -1, DialTimeout: time.Second})
	r.t.Cleanup(func() { rdb.Close() })
	return rdb
}

// pause stalls every client of r for d (CLIENT PAUSE ALL): commands are
// accepted and answered only when the pause ends, as a stalled Redis does.
// There is no ending it early: CLIENT UNPAUSE waits behind the pause too.
func (r *redisServer) pause(d time.Duration) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.client().Do(ctx, "CLIENT", "PAUSE", d.Milliseconds(), "ALL").Err(); err != nil {
		r.t.Fatalf("CLIENT PAUSE: %v", err)
	}
}
