package redis_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/cache"
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
		func() error { _, err := c.GetMulti(ctx, []string{"k"}); return err }, // skipped, or timed out while the probe runs
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

// TestCacheBreakerTellsStallFromBusy (issue 16): calls that time out
// because the machine is too busy to read Redis's answers in time (here:
// a timeout too short for any answer) do not turn the cache off: the probe
// they start finds Redis well. Calls that time out because Redis stalls
// do: the probe fails too, and the cache is skipped until the breaker is
// over.
func TestCacheBreakerTellsStallFromBusy(t *testing.T) {
	caches, admin := newCaches(t, 1)
	c, ctx := caches[0], context.Background()
	if _, err := c.GetMulti(ctx, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	waitProbe := func() {
		deadline := time.Now().Add(10 * time.Second)
		for redis.Probing(c) {
			if time.Now().After(deadline) {
				t.Fatal("the probe did not end")
			}
			time.Sleep(10 * time.Millisecond) // polling, with the deadline above
		}
	}

	redis.SetCallTimeout(c, time.Microsecond) // "busy": no answer is read in time
	for range 5 {
		if _, err := c.GetMulti(ctx, []string{"k"}); err == nil {
			t.Fatal("a call with a 1 µs timeout succeeded")
		}
	}
	waitProbe()
	if redis.Down(c) {
		t.Fatal("timeouts of a busy machine turned the cache off; Redis answers its probe")
	}
	redis.SetCallTimeout(c, 150*time.Millisecond)
	if _, err := c.GetMulti(ctx, []string{"k"}); err != nil {
		t.Fatalf("after the busy spell: %v", err)
	}

	// A Redis that answers its probe, yet too slowly for every call: the
	// calls' timeouts in a row turn the cache off all the same.
	redis.SetCallTimeout(c, time.Microsecond)
	for i := 0; !redis.Down(c); i++ {
		if i == 16 {
			t.Fatal("16 calls in a row timed out and the cache is still on")
		}
		c.GetMulti(ctx, []string{"k"})
		waitProbe()
	}
	redis.SetCallTimeout(c, 150*time.Millisecond)
	redis.Reset(c)

	pause(t, admin, 3*time.Second) // a stalled Redis
	if _, err := c.GetMulti(ctx, []string{"k"}); err == nil {
		t.Fatal("a read succeeded during the stall")
	}
	waitProbe()
	if !redis.Down(c) {
		t.Fatal("a stalled Redis did not turn the cache off")
	}
	if _, err := c.GetMulti(ctx, []string{"k"}); err == nil {
		t.Fatal("the cache was used while its breaker was open")
	}
}

// TestCacheCancelledCallerKeepsBreakerClosed: requests whose callers go
// away mid-call (a load test's end, a client disconnecting) never open the
// breaker, however many.
func TestCacheCancelledCallerKeepsBreakerClosed(t *testing.T) {
	caches, _ := newCaches(t, 1)
	c, ctx := caches[0], context.Background()
	for range 20 {
		gone, cancel := context.WithCancel(ctx)
		cancel()
		c.GetMulti(gone, []string{"k"})
		c.AddMulti(gone, map[string][]byte{"k": []byte("v")}, time.Minute)
	}
	if redis.Probing(c) || redis.Down(c) {
		t.Fatal("cancelled callers started the probe or the breaker")
	}
	// The cache is in use: a call succeeds (one may time out on a machine
	// as busy as CI's: that, too, leaves the breaker closed).
	var err error
	for range 3 {
		if _, err = c.GetMulti(ctx, []string{"k"}); err == nil {
			break
		}
	}
	if err != nil || redis.Down(c) {
		t.Fatalf("after cancelled callers: %v, breaker open %v", err, redis.Down(c))
	}
}

// TestNearCacheCoherent (issue 16): two instances with near caches on one
// Redis. A value one keeps decoded in memory is dropped there as soon as
// the other deletes or replaces it, and the near cache is off (nothing is
// served from it) while its subscription to invalidations is down.
func TestNearCacheCoherent(t *testing.T) {
	caches, admin := newCaches(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := caches[0].WithNear(time.Minute), caches[1].WithNear(time.Minute)
	for _, c := range []*redis.Cache{a, b} {
		go c.RunNear(ctx)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond) // polling, with the deadline above
		}
	}
	waitFor("the subscriptions", func() bool { return a.Near().Enabled() && b.Near().Enabled() })

	fetches := 0
	load := func(c *redis.Cache) string {
		t.Helper()
		got, err := cache.Load(ctx, c, []string{"x"}, func(k string) string { return "photo:" + k },
			func(context.Context, []string) (map[string]string, error) {
				fetches++
				return map[string]string{"x": "from the database"}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return got["x"]
	}
	load(a) // fills Redis and a's near cache
	hits := a.Near().Hits()
	if got := load(a); got != "from the database" || a.Near().Hits() != hits+1 || fetches != 1 {
		t.Fatalf("second read: %q, near hits %d→%d, fetches %d; want a near hit", got, hits, a.Near().Hits(), fetches)
	}

	// b replaces the value (as the ingester does with statistics): a drops
	// its copy and reads the new one.
	if err := b.SetNewer(ctx, time.Minute, cache.Versioned{Key: "photo:x", Version: 1, Data: []byte(`"new"`)}); err != nil {
		t.Fatal(err)
	}
	waitFor("a to hear of the new value", func() bool { return load(a) == "new" })

	// b deletes it (as a change of visibility does): a reads it again.
	if err := b.Delete(ctx, "photo:x"); err != nil {
		t.Fatal(err)
	}
	waitFor("a to hear of the delete", func() bool { return load(a) == "from the database" })

	// An instance skips its own invalidations when Redis sends them back:
	// it dropped the keys itself, before and after its write, and the
	// echo would only drop what a read stored since. Another instance
	// hears them. A message published as a's own, then one of b's after
	// it (Redis delivers a channel's messages in order): once a has heard
	// b's, it has heard its own, and kept x.
	nearHas := func(c *redis.Cache, key string) bool { _, ok := c.Near().Get(key); return ok }
	waitFor("x in both near caches", func() bool { load(a); load(b); return nearHas(a, "photo:x") && nearHas(b, "photo:x") })
	if _, err := cache.Load(ctx, a, []string{"y"}, func(k string) string { return "photo:" + k },
		func(context.Context, []string) (map[string]string, error) { return map[string]string{"y": "y"}, nil }); err != nil {
		t.Fatal(err)
	}
	if !nearHas(a, "photo:y") {
		t.Fatal("y is not in a's near cache after a read")
	}
	for _, msg := range []string{"photo:x" + redis.Sender(a), "photo:y" + redis.Sender(b)} {
		if err := admin.Publish(ctx, "test:cache-invalidations", msg).Err(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor("b to hear a's invalidation of x", func() bool { return !nearHas(b, "photo:x") })
	waitFor("a to hear b's invalidation of y", func() bool { return !nearHas(a, "photo:y") })
	if !nearHas(a, "photo:x") {
		t.Fatal("a dropped x on hearing its own invalidation back")
	}

	// The subscription drops (Redis kills the client): the near cache is
	// off at once, and on again once the subscription is back.
	enables := a.Near().Enables()
	if err := admin.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	waitFor("the near cache to be back", func() bool { return a.Near().Enables() > enables && a.Near().Enabled() })
	hits = a.Near().Hits()
	load(a)
	load(a)
	if a.Near().Hits() != hits+1 {
		t.Fatalf("after the subscription came back: near hits %d→%d, want the cache emptied then used", hits, a.Near().Hits())
	}
}

// roundTrips is a go-redis hook that counts round trips: one per command
// sent alone, one per pipeline.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// TestSetNewerOneRoundTrip: SetNewer writes a batch's values (as the
// ingester does with the statistics of every photo of a vote batch) in
// one round trip, each value only if newer than the one stored, and
// writes them again when Redis has lost its scripts (EVAL after NOSCRIPT).
func TestSetNewerOneRoundTrip(t *testing.T) {
	url := redistest.Start(t)
	var trips roundTrips
	clients := make([]*goredis.Client, 2)
	for i := range clients {
		rdb, err := redis.NewClient(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		clients[i] = rdb
	}
	admin := clients[1]
	clients[0].AddHook(&trips)
	c := redis.NewCache(clients[0], "test:", nil).WithNear(time.Minute) // its invalidations are published too
	ctx := context.Background()
	get := func() map[string][]byte {
		t.Helper()
		got, err := c.GetMulti(ctx, []string{"stats:a", "stats:b", "stats:c"})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	v := func(key string, version int64) cache.Versioned {
		return cache.Versioned{Key: key, Version: version, Data: fmt.Appendf(nil, `{"v":%d}`, version)}
	}
	if err := c.SetNewer(ctx, time.Minute, v("stats:b", 5)); err != nil {
		t.Fatal(err)
	}
	get() // connections made (their set-up goes through the hooks too)
	trips.n.Store(0)
	if err := c.SetNewer(ctx, time.Minute, v("stats:a", 1), v("stats:b", 4), v("stats:c", 2)); err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Load(); n != 1 {
		t.Fatalf("SetNewer of three values took %d round trips, want 1", n)
	}
	want := map[string]string{"stats:a": `{"v":1}`, "stats:b": `{"v":5}`, "stats:c": `{"v":2}`}
	for k, data := range get() {
		if string(data) != want[k] {
			t.Errorf("%s holds %s, want %s (an older version must not overwrite a newer one)", k, data, want[k])
		}
	}

	// The version is read from the value's start ({"v":N, as the
	// statistics' JSON begins), compared as a number; a value whose "v" is
	// elsewhere is decoded.
	set := func(key string, version int64, data string) {
		t.Helper()
		if err := c.SetNewer(ctx, time.Minute, cache.Versioned{Key: key, Version: version, Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	holds := func(key, want string) {
		t.Helper()
		got, err := c.GetMulti(ctx, []string{key})
		if err != nil || string(got[key]) != want {
			t.Fatalf("%s holds %s (%v), want %s", key, got[key], err, want)
		}
	}
	set("stats:d", 10, `{"v":10,"q":{"1":{"n":2}}}`)
	set("stats:d", 9, `{"v":9,"q":{}}`)
	holds("stats:d", `{"v":10,"q":{"1":{"n":2}}}`)
	set("stats:d", 11, `{"v":11,"q":{}}`)
	holds("stats:d", `{"v":11,"q":{}}`)
	set("stats:e", 10, `{"q":{"1":{"n":2}},"v":10}`)
	set("stats:e", 9, `{"v":9}`)
	holds("stats:e", `{"q":{"1":{"n":2}},"v":10}`)
	set("stats:e", 12, `{"v":12}`)
	holds("stats:e", `{"v":12}`)

	// A batch larger than a script's chunk: a round trip per chunk.
	var many []cache.Versioned
	for i := range 300 {
		many = append(many, v(fmt.Sprintf("stats:m%d", i), 1))
	}
	trips.n.Store(0)
	if err := c.SetNewer(ctx, time.Minute, many...); err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Load(); n != 3 {
		t.Fatalf("SetNewer of 300 values took %d round trips, want 3 (chunks of 128)", n)
	}
	if got, err := c.GetMulti(ctx, []string{"stats:m0", "stats:m299"}); err != nil || len(got) != 2 {
		t.Fatalf("the first and last of 300 values: %v, %v", got, err)
	}

	if err := admin.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetNewer(ctx, time.Minute, v("stats:a", 3), v("stats:c", 3)); err != nil {
		t.Fatalf("SetNewer after SCRIPT FLUSH: %v", err)
	}
	if got := get(); string(got["stats:a"]) != `{"v":3}` || string(got["stats:c"]) != `{"v":3}` {
		t.Fatalf("after SCRIPT FLUSH: %s, %s; want version 3 of both", got["stats:a"], got["stats:c"])
	}
}

// BenchmarkSetNewer writes a vote batch's statistics through, as the
// ingester does: 8 photos' values of about 2 KB (a photo's statistics'
// JSON, which begins with its version), each newer than the one stored.
// redis-us/op is Redis's own time per script call (INFO commandstats):
// the script reads only the first bytes of the value it may replace.
func BenchmarkSetNewer(b *testing.B) {
	rdb, err := redis.NewClient(redistest.Start(b))
	if err != nil {
		b.Fatal(err)
	}
	defer rdb.Close()
	c := redis.NewCache(rdb, "bench:", nil)
	ctx := context.Background()
	body := []byte(`"q":{`)
	for q := range 8 {
		body = fmt.Appendf(body, `"%d":{"Count":286,"Sum":9365,"SumSq":344153,"Histogram":{`, q+1)
		for v := range 20 {
			body = fmt.Appendf(body, `"%d":%d,`, v+20, v*3+1)
		}
		body = append(body, `"60":1},"wt":{"w":3.2873679538108034,"m":34.565853708708005,"s":1346.8403307997544}},`...)
	}
	body = append(body[:len(body)-1], "}}"...)
	items := make([]cache.Versioned, 8)
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	calls := 0
	for i := 0; b.Loop(); i++ {
		for k := range items {
			v := int64(i + 1)
			items[k] = cache.Versioned{Key: "stats:" + strconv.Itoa((i*8+k)%100), Version: v,
				Data: append(fmt.Appendf(nil, `{"v":%d,`, v), body...)}
		}
		if err := c.SetNewer(ctx, time.Minute, items...); err != nil {
			b.Fatal(err)
		}
		calls++
	}
	stats, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	// cmdstat_evalsha:calls=N,usec=U,...
	_, rest, _ := strings.Cut(stats, "cmdstat_evalsha:calls=")
	_, rest, _ = strings.Cut(rest, ",usec=")
	usec, _, _ := strings.Cut(rest, ",")
	if us, err := strconv.ParseFloat(usec, 64); err == nil && calls > 0 {
		b.ReportMetric(us/float64(calls), "redis-us/op")
	}
	b.ReportMetric(float64(len(items[0].Data)), "bytes/value")
}
