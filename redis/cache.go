package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/panics"
)

// Cache is the shared cache.Store on Redis: MGET for reads, one script
// call for writes. Each call gives up after callTimeout, and after a
// failure the cache stays out of the way for breakFor (the database
// answers), so an outage costs at most one short wait per breakFor; it
// comes back by itself.
//
// An invalidation that fails is not lost. Every value is stored with the
// cache's epoch (a counter under one key, read in the same MGET as the
// values), and a value of another epoch is a miss. When a Delete fails, the
// cache is skipped by this instance (reads, and writes, go to the
// database) until a goroutine has moved the epoch on, which drops every
// entry written before, on every instance at once: nothing the failed
// Delete should have removed can be served again. The journal is thus one
// flag, whatever the outage's length.
type Cache struct {
	rdb      *goredis.Client
	prefix   string
	epochKey string
	log      *slog.Logger

	downUntil atomic.Int64 // unix nanos
	// timeout bounds each call (callTimeout; tests shorten it).
	timeout time.Duration
	// probing is set while a probe (see failed) runs.
	probing atomic.Bool
	// slow counts the calls that timed out since the last one that did
	// not (see failed).
	slow atomic.Int32
	// seen is the epoch of the last read ("" before the first): writes
	// carry it, and are dropped if the epoch moved since, so that a value
	// read from the database before an epoch bump is not stored after it.
	seen atomic.Pointer[string]
	// failures counts the Deletes that failed since the epoch last moved;
	// while it is not zero the cache is skipped and bumping runs.
	failures atomic.Int64
	bumping  atomic.Bool

	// near is the in-process cache in front of this one (cache.Near),
	// kept coherent by the invalidations every instance publishes on
	// channel and hears through RunNear; nil when off.
	near    *cache.Near
	channel string
	// sender ends this instance's invalidations ("\n@" and a random
	// name), so that it can tell its own from the others' (listen).
	sender string
}

var _ cache.Store = (*Cache)(nil)

// NewCache returns a cache whose keys start with prefix. log hears of
// invalidations that failed and of the epoch moving on.
func NewCache(rdb *goredis.Client, prefix string, log *slog.Logger) *Cache {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{rdb: rdb, prefix: prefix + "cache:", epochKey: prefix + "cache-epoch", log: log,
		channel: prefix + "cache-invalidations", timeout: callTimeout, sender: "\n@" + rand.Text()}
}

// WithNear puts an in-process near cache of decoded values, whose entries
// live at most ttl, in front of c (ttl 0: none), and returns c. The near
// cache is used only while RunNear holds its subscription.
func (c *Cache) WithNear(ttl time.Duration) *Cache {
	if ttl > 0 {
		c.near = cache.NewNear(ttl)
	}
	return c
}

// Near implements cache.NearStore: the near cache, or nil when it is off
// or may be stale (a Delete failed: its invalidation was not published).
func (c *Cache) Near() *cache.Near {
	if c.near == nil || c.failures.Load() != 0 {
		return nil
	}
	return c.near
}

// flushAll is the invalidation that drops every near-cached entry.
const flushAll = "*"

// publish adds to pipe the invalidation of keys (unprefixed), or flushAll,
// for every instance's near cache, and drops them from this one's now.
// Once pipe has run, the caller drops them again (dropNear): see
// invalidate.
func (c *Cache) publish(ctx context.Context, pipe goredis.Pipeliner, keys ...string) {
	if msg, ok := c.invalidate(keys); ok {
		pipe.Publish(ctx, c.channel, msg)
	}
}

// invalidate drops keys (unprefixed), or flushAll, from this instance's
// near cache and returns the message that drops them from every other's,
// to be published on c.channel; false without a near cache.
//
// The message ends with c.sender, and this instance skips it when Redis
// sends it back: it has its own news at once, where its echo would come
// later and drop, for nothing, what a read stored in between (Near.Put
// skips a fill when any key of its shard was dropped meanwhile, so an echo
// costs the fills of 63 other keys' shard too). But a reader may read the
// old value from Redis after the drop and before the write runs, and store
// it: so the writer drops the keys again (dropNear) once its write has
// run, which is what the echo used to do. (flushAll, rare, is sent bare:
// instances of an earlier release know it only so.)
func (c *Cache) invalidate(keys []string) (string, bool) {
	if !c.dropNear(keys) {
		return "", false
	}
	if len(keys) == 1 && keys[0] == flushAll {
		return flushAll, true
	}
	return strings.Join(keys, "\n") + c.sender, true
}

// dropNear drops keys (unprefixed), or flushAll, from this instance's
// near cache; false without one.
func (c *Cache) dropNear(keys []string) bool {
	if c.near == nil {
		return false
	}
	if len(keys) == 1 && keys[0] == flushAll {
		c.near.Clear()
	} else {
		c.near.Invalidate(keys...)
	}
	return true
}

// heard applies an invalidation published on c.channel: flushAll, or keys
// ending with their sender's name, which this instance skips when it is
// its own (see invalidate).
func (c *Cache) heard(msg string) {
	if msg == flushAll {
		c.near.Clear()
		return
	}
	if strings.HasSuffix(msg, c.sender) {
		return
	}
	for key := range strings.SplitSeq(msg, "\n") {
		if !strings.HasPrefix(key, "@") { // a sender's name (no key starts so)
			c.near.Invalidate(key)
		}
	}
}

// nearPing is how long the invalidation subscription may stay silent
// before it is pinged; a ping unanswered for as long again ends it (the
// near cache is off until it is back).
const nearPing = time.Second

// RunNear holds the subscription to invalidations until ctx ends,
// reconnecting whenever it fails. The near cache is on only while the
// subscription is established and answering: messages published while it
// is down are lost, so the near cache is emptied and turned off at once
// when it fails, and emptied again when it is back. Without a near cache
// it returns at once.
func (c *Cache) RunNear(ctx context.Context) {
	if c.near == nil {
		return
	}
	defer c.near.Disable()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		established, err := c.listen(ctx)
		c.near.Disable()
		if ctx.Err() != nil || errors.Is(err, goredis.ErrClosed) {
			return
		}
		if established {
			backoff = 100 * time.Millisecond
		}
		c.log.Warn("redis cache: invalidation subscription lost; the near cache is off until it is back", "err", err, "in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (c *Cache) listen(ctx context.Context) (established bool, err error) {
	defer panics.Recover(c.log, "redis cache invalidations", func(v any) { err = panics.Error(v) })
	ps := c.rdb.Subscribe(ctx, c.channel)
	defer ps.Close()
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, nearPing)
		if err != nil {
			var ne interface{ Timeout() bool }
			if ctx.Err() != nil || !errors.As(err, &ne) || !ne.Timeout() || pinged {
				return established, err
			}
			if err := ps.Ping(ctx); err != nil {
				return established, err
			}
			pinged = true
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				established = true
				c.near.Enable()
			}
		case *goredis.Message:
			c.heard(m.Payload)
		case *goredis.Pong:
		default:
			return established, errors.New("unexpected pub/sub message")
		}
	}
}

var errDown = errors.New("redis cache: skipped after a recent failure")

const (
	callTimeout = 150 * time.Millisecond
	// probeTimeout bounds the probe a timed-out call starts (see failed):
	// far longer than a busy machine delays a goroutine, far shorter than
	// a stall worth stepping aside for.
	probeTimeout = time.Second
	// slowTrip timeouts in a row start the breaker even while Redis
	// answers its probe (see failed).
	slowTrip = 16
	breakFor = 5 * time.Second
	// bumpEvery is how often the epoch bump is retried while Redis does
	// not answer: soon after it returns, entries a lost Delete left are
	// dead for every instance.
	bumpEvery = 250 * time.Millisecond
)

// up reports whether the cache may be used: no recent failure and no
// failed invalidation waiting for the epoch to move.
func (c *Cache) up() bool {
	return time.Now().UnixNano() >= c.downUntil.Load() && c.failures.Load() == 0
}

// failed records err, the outcome of a call made for a caller whose
// context is ctx, and returns it. A failure of Redis starts the breaker:
// for breakFor the cache is skipped. But not every error is one:
//
//   - a caller that gave up (a client that went away) is no failure of
//     Redis, and stops nothing: otherwise a stranger cancelling requests
//     could keep the cache off;
//
//   - a call that timed out may have met a stalled Redis, or a machine so
//     busy that the answer, in time, was read too late (CPU saturation
//     delays goroutines by tens of milliseconds). It starts a probe, one
//     at a time: a PING with a timeout (probeTimeout) a busy scheduler
//     does not reach. Only a probe that fails starts the breaker; until
//     then calls go on, each bounded by its own timeout.
//
//   - but a Redis that answers its probe and yet too slowly for every
//     call (each waiting out its timeout, one after another) is no help:
//     slowTrip timeouts in a row, with no call answered in between,
//     start the breaker too. A busy machine delays some answers, not all.
//
// Any other error (a refused connection, a closed one) starts it at once.
func (c *Cache) failed(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, goredis.Nil) {
		c.answered()
		return err
	}
	if ctx.Err() != nil {
		return err
	}
	if isTimeout(err) {
		if c.slow.Add(1) >= slowTrip {
			c.slow.Store(0)
			c.trip(fmt.Errorf("%d calls in a row timed out: %w", slowTrip, err))
			return err
		}
		if c.probing.CompareAndSwap(false, true) {
			panics.Go(c.log, "probing redis", c.probe)
		}
		return err
	}
	c.trip(err)
	return err
}

// answered records a call Redis answered in time: the run of timeouts
// (slow) ends. The load first keeps the hot path free of shared writes.
func (c *Cache) answered() {
	if c.slow.Load() != 0 {
		c.slow.Store(0)
	}
}

// trip starts the breaker.
func (c *Cache) trip(err error) {
	if time.Now().UnixNano() >= c.downUntil.Load() {
		c.log.Warn("redis cache: skipped for a while after a failure", "for", breakFor.String(), "err", err)
	}
	c.downUntil.Store(time.Now().Add(breakFor).UnixNano())
}

// probe pings Redis and starts the breaker if it does not answer within
// probeTimeout.
func (c *Cache) probe() {
	defer c.probing.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	if err := c.rdb.Ping(ctx).Err(); err != nil && !errors.Is(err, goredis.ErrClosed) {
		c.trip(err)
	}
}

// isTimeout reports whether err is a call's deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// GetMulti implements cache.Store: one MGET of the epoch and the keys.
func (c *Cache) GetMulti(ctx context.Context, keys []string) (map[string][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if !c.up() {
		return nil, errDown
	}
	full := make([]string, len(keys)+1)
	full[0] = c.epochKey
	for i, k := range keys {
		full[i+1] = c.prefix + k
	}
	call, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	vals, err := c.rdb.MGet(call, full...).Result()
	if err != nil {
		return nil, c.failed(ctx, err)
	}
	c.answered()
	epoch, _ := vals[0].(string)
	if epoch == "" {
		epoch = "0"
	}
	c.seen.Store(&epoch)
	out := make(map[string][]byte, len(keys))
	for i, v := range vals[1:] {
		s, _ := v.(string)
		if data, ok := strings.CutPrefix(s, epoch+"|"); ok {
			out[keys[i]] = []byte(data)
		}
	}
	return out, nil
}

// seenEpoch returns the epoch of the last read, or "" before any.
func (c *Cache) seenEpoch() string {
	if e := c.seen.Load(); e != nil {
		return *e
	}
	return ""
}

// addMulti stores ARGV[2+i] under KEYS[1+i] for ARGV[1] ms, tagged with
// the epoch (under KEYS[1]), unless the key holds a value of this epoch
// already (a reader filling the cache never overwrites a writer's value).
// Nothing is stored when ARGV[2], the epoch the writer last read, is set
// and is not the epoch now. Atomic: Redis runs scripts alone.
var addMulti = goredis.NewScript(`
local e = redis.call('GET', KEYS[1]) or '0'
if ARGV[2] ~= '' and ARGV[2] ~= e then
  return 0
end
local tag = e .. '|'
for i = 2, #KEYS do
  local cur = redis.call('GET', KEYS[i])
  if not cur or string.sub(cur, 1, #tag) ~= tag then
    redis.call('SET', KEYS[i], tag .. ARGV[i + 1], 'PX', ARGV[1])
  end
end
return 1
`)

// AddMulti implements cache.Store: one script call.
func (c *Cache) AddMulti(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if len(items) == 0 {
		return nil
	}
	if !c.up() {
		return errDown
	}
	keys := make([]string, 1, len(items)+1)
	keys[0] = c.epochKey
	args := make([]any, 2, len(items)+2)
	args[0], args[1] = ttl.Milliseconds(), c.seenEpoch()
	for k, v := range items {
		keys = append(keys, c.prefix+k)
		args = append(args, v)
	}
	call, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.failed(ctx, addMulti.Run(call, c.rdb, keys, args...).Err())
}

// setNewer stores, for each key KEYS[1+k] (k = 1, 2, ...), ARGV[3+2k]
// for ARGV[1] ms, tagged with the epoch (under KEYS[1]), unless the value
// there is of this epoch and has a "v" of ARGV[2+2k] or more (read from
// the value's first bytes when it begins {"v":, as the statistics' JSON
// does, else decoded whole: a photo's statistics are kilobytes of JSON,
// and reading and decoding them whole was half of Redis's CPU in a
// judging view); then, when
// ARGV[2] names a channel, it publishes ARGV[3], the keys' invalidation.
// One script, so atomic: Redis runs a command it received whole or not
// at all, and the invalidation never misses a value the script wrote (a
// pipeline cut short by its deadline could write values and lose the
// PUBLISH after them).
var setNewer = goredis.NewScript(`
local e = redis.call('GET', KEYS[1]) or '0'
local tag = e .. '|'
for i = 2, #KEYS do
  local v, data = ARGV[2 * i], ARGV[2 * i + 1]
  local cur = redis.call('GETRANGE', KEYS[i], 0, #tag + 40)
  local newer = true
  if string.sub(cur, 1, #tag) == tag then
    local old = string.match(cur, '^{"v":(%d+)[,}]', #tag + 1)
    if not old then
      cur = redis.call('GET', KEYS[i])
      local ok, t = pcall(cjson.decode, string.sub(cur, #tag + 1))
      if ok and type(t) == 'table' then
        old = t['v']
      end
    end
    if tonumber(old or 0) >= tonumber(v) then
      newer = false
    end
  end
  if newer then
    redis.call('SET', KEYS[i], tag .. data, 'PX', ARGV[1])
  end
end
if ARGV[2] ~= '' then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1
`)

// setNewerChunk bounds the values one setNewer script writes: a batch of
// more (a refit's hundreds of photos) takes a round trip per chunk.
const setNewerChunk = 128

// SetNewer implements cache.Store: one script call (EVALSHA; EVAL if
// Redis lacks it) per setNewerChunk items, each with the cache's call
// timeout, writing them and publishing their invalidation, for as long as
// ctx lasts.
func (c *Cache) SetNewer(ctx context.Context, ttl time.Duration, items ...cache.Versioned) error {
	for chunk := range slices.Chunk(items, setNewerChunk) {
		if err := c.setNewer(ctx, ttl, chunk); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cache) setNewer(ctx context.Context, ttl time.Duration, items []cache.Versioned) error {
	if !c.up() {
		return errDown
	}
	keys := make([]string, 1, len(items)+1)
	keys[0] = c.epochKey
	plain := make([]string, len(items))
	args := make([]any, 3, 3+2*len(items))
	args[0], args[1], args[2] = ttl.Milliseconds(), "", ""
	for i, it := range items {
		keys = append(keys, c.prefix+it.Key)
		plain[i] = it.Key
		args = append(args, it.Version, it.Data)
	}
	if msg, ok := c.invalidate(plain); ok {
		args[1], args[2] = c.channel, msg
	}
	call, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := setNewer.Run(call, c.rdb, keys, args...).Err()
	c.dropNear(plain) // what a reader stored meanwhile (see invalidate)
	return c.failed(ctx, err)
}

// Delete implements cache.Store. It is tried even while the cache is
// skipped, and whether or not the caller has given up (ctx's cancellation
// is ignored): a change that committed must leave the cache whatever its
// client does, and a client that cancels its request must not make every
// instance drop the cache by moving the epoch. When it fails, the cache is skipped until the epoch has moved
// on (see Cache): Delete starts the goroutine that moves it, unless it
// runs already.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + k
	}
	ctx = context.WithoutCancel(ctx)
	call, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// One round trip: the delete and the invalidation, published after it.
	pipe := c.rdb.Pipeline()
	pipe.Del(call, full...)
	c.publish(call, pipe, keys...)
	_, err := pipe.Exec(call)
	c.dropNear(keys) // what a reader stored meanwhile (see invalidate)
	if err != nil {
		if c.near != nil {
			c.near.Clear() // and Near is nil until the epoch moves on
		}
		c.failures.Add(1)
		c.log.Warn("redis cache: an invalidation failed; the cache is skipped until its epoch moves on", "keys", len(keys), "err", err)
		if c.bumping.CompareAndSwap(false, true) {
			panics.Go(c.log, "moving the cache's epoch on", c.bump)
		}
	}
	return c.failed(ctx, err)
}

// bump moves the epoch on, retrying every bumpEvery until Redis answers
// (or the client is closed), then lets the cache be used again unless
// another Delete failed meanwhile, in which case it moves the epoch again:
// that Delete's entry may have been written under the new epoch.
func (c *Cache) bump() {
	for {
		c.bumpUntilClean()
		c.bumping.Store(false)
		// A Delete that failed just before the flag dropped started no
		// goroutine: this one goes on for it.
		if c.failures.Load() == 0 || !c.bumping.CompareAndSwap(false, true) {
			return
		}
	}
}

// bumpUntilClean increments the epoch until an increment succeeds with no
// Delete failing meanwhile, then clears the failures.
func (c *Cache) bumpUntilClean() {
	for {
		n := c.failures.Load()
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		pipe := c.rdb.Pipeline()
		incr := pipe.Incr(ctx, c.epochKey)
		c.publish(ctx, pipe, flushAll) // every instance's near cache holds entries of the old epoch
		_, err := pipe.Exec(ctx)
		c.dropNear([]string{flushAll})
		epoch := incr.Val()
		cancel()
		switch {
		case errors.Is(err, goredis.ErrClosed):
			return
		case err != nil:
			time.Sleep(bumpEvery) // paces the retries while Redis does not answer
		case c.failures.CompareAndSwap(n, 0):
			c.log.Info("redis cache: epoch moved on after failed invalidations; the cache is used again", "epoch", strconv.FormatInt(epoch, 10))
			return
		}
	}
}
