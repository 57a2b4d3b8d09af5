package redis_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/redis"
	"github.com/facestat/facestat/redis/redistest"
)

// newCaches returns n caches on one redis-server of the test's own (n
// instances sharing it) and a client to stall that server with.
func newCaches(t *testing.T, n int) ([]*redis.Cache, *goredis.Client) {
	t.Helper()
	url := redistest.Start(t)
	var out []*redis.Cache
	for range n + 1 {
		rdb, err := redis.NewClient(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		if len(out) == n {
			return out, rdb
		}
		out = append(out, redis.NewCache(rdb, "test:", nil))
	}
	panic("unreachable")
}

// pause stalls every client of the server for d (CLIENT PAUSE ALL), as a
// stalled Redis does: commands wait until the pause ends.
func pause(t *testing.T, admin *goredis.Client, d time.Duration) {
	t.Helper()
	if err := admin.Do(context.Background(), "CLIENT", "PAUSE", d.Milliseconds(), "ALL").Err(); err != nil {
		t.Fatalf("CLIENT PAUSE: %v", err)
	}
}

// TestCacheCallsHonourTheirTimeout: while Redis stalls, a read and a
// delete each give up after the cache's short call timeout (not the
// client's one-second read timeout, nor the pause), and the reads after a
// failure skip Redis altogether.
func TestCacheCallsHonourTheirTimeout(t *testing.T) {
	caches, admin := newCaches(t, 1)
	c, ctx := caches[0], context.Background()
	if _, err := c.GetMulti(ctx, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	pause(t, admin, 3*time.Second)
	// A correctness bound, far above the 150 ms timeout: without it a call
	// waits out the pause (3 s) or the read timeout (1 s).
	const bound = 800 * time.Millisecond
	for i, call := range []func() error{
		func() error { _, err := c.GetMulti(ctx, []string{"k"}); return err },
		func() error { _, err := c.GetMulti(ctx, []string{"k"}); return err }, // skipped
		func() error { return c.Delete(ctx, "k") },
	} {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if err == nil || took > bound {
			t.Errorf("call %d during a stall: %v after %v, want an error within %v", i, err, took, bound)
		}
		t.Logf("call %d during a stall: %v after %v", i, err, took)
	}
}

// TestCacheFailedDeleteIsNotLost: a value cached before a stall, whose
// delete failed during it, is never served again, by the instance whose
// delete failed nor by another sharing Redis; writes based on reads from
// before are dropped; and the cache works again by itself.
func TestCacheFailedDeleteIsNotLost(t *testing.T) {
	caches, admin := newCaches(t, 2)
	a, b, ctx := caches[0], caches[1], context.Background()
	for _, c := range caches {
		if _, err := c.GetMulti(ctx, []string{"k"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.AddMulti(ctx, map[string][]byte{"k": []byte("old")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	pause(t, admin, time.Second)
	if err := a.Delete(ctx, "k"); err == nil {
		t.Fatal("Delete succeeded during the stall")
	}
	// a skips the cache until its epoch has moved on and its breaker is
	// over: meanwhile it never answers the old value.
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := a.GetMulti(ctx, []string{"k"})
		if got["k"] != nil {
			t.Fatalf("the deleted value came back: %q", got["k"])
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache did not come back: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling, with the deadline above
	}
	// b last read before the epoch moved: its write carries the old epoch.
	if err := b.AddMulti(ctx, map[string][]byte{"k": []byte("stale fill")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*redis.Cache{"a": a, "b": b} {
		got, err := c.GetMulti(ctx, []string{"k"})
		if err != nil || got["k"] != nil {
			t.Fatalf("%s reads %q, %v after the stall; want a miss", name, got["k"], err)
		}
	}
	if err := b.AddMulti(ctx, map[string][]byte{"k": []byte("new")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := a.GetMulti(ctx, []string{"k"}); err != nil || string(got["k"]) != "new" {
		t.Fatalf("after recovery a reads %q, %v; want new", got["k"], err)
	}
}

// TestCacheCallerGivingUpIsNoFault: a caller that gives up (a client that
// went away) is not a fault of Redis. Its invalidation is still made, and
// neither its delete nor its read turns the cache off for this instance or
// moves the epoch on for every instance: otherwise any stranger could
// empty the shared cache with a request it cancels.
func TestCacheCallerGivingUpIsNoFault(t *testing.T) {
	caches, admin := newCaches(t, 1)
	c, ctx := caches[0], context.Background()
	if _, err := c.GetMulti(ctx, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddMulti(ctx, map[string][]byte{"k": []byte("old"), "other": []byte("kept")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	c.Delete(gone, "k")
	c.GetMulti(gone, []string{"other"})
	got, err := c.GetMulti(ctx, []string{"k", "other"})
	if err != nil || got["k"] != nil || string(got["other"]) != "kept" {
		t.Fatalf("after a caller gave up: %q, %v; want k deleted, other kept, the cache in use", got, err)
	}
	if epoch, _ := admin.Get(ctx, "test:cache-epoch").Result(); epoch != "" {
		t.Fatalf("the epoch moved on to %q for a caller that gave up", epoch)
	}
}
