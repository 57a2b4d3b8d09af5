package cache

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Near is an in-process cache of decoded values in front of a shared
// Store (issue 16): a read it answers costs no round trip and no decoding.
// It is only as good as what keeps it coherent, which is its Store's job:
// the Store drops an entry here (Invalidate) whenever the entry may have
// changed anywhere (every instance hears of every Delete and SetNewer
// through Redis, see redis.Cache), and turns the whole cache off (Disable)
// whenever it may miss such news, as while its subscription to them is
// down. On top of that, entries live at most ttl.
//
// A value read from the Store or the database before an invalidation and
// stored after it would stay stale: Gen and Put prevent it. A reader takes
// the key's generation before reading; Put stores nothing if an
// invalidation of the key (or of any key of its shard) came in meanwhile.
//
// Values are shared by every request that reads them: callers must treat
// them as read-only.
type Near struct {
	ttl     time.Duration
	enabled atomic.Bool
	seed    maphash.Seed
	shards  [nearShards]nearShard
	hits    atomic.Int64
	enables atomic.Int64
}

const nearShards = 64

// maxPerShard bounds the entries of a shard: a full shard drops an
// arbitrary half (an eviction policy would cost more than it saves).
const maxPerShard = 4096

type nearShard struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]nearEntry
}

type nearEntry struct {
	v       any
	expires int64 // unix nanos
}

// NewNear returns a disabled near cache whose entries live at most ttl.
func NewNear(ttl time.Duration) *Near {
	n := &Near{ttl: ttl, seed: maphash.MakeSeed()}
	for i := range n.shards {
		n.shards[i].entries = map[string]nearEntry{}
	}
	return n
}

func (n *Near) shard(key string) *nearShard {
	return &n.shards[maphash.String(n.seed, key)%nearShards]
}

// Enabled reports whether the near cache may be used.
func (n *Near) Enabled() bool { return n != nil && n.enabled.Load() }

// Enable lets the near cache be used. Its Store calls it once it hears
// every invalidation (its subscription is established), after Clear.
func (n *Near) Enable() { n.Clear(); n.enabled.Store(true); n.enables.Add(1) }

// Enables returns how many times the near cache was enabled (its
// subscription established).
func (n *Near) Enables() int64 { return n.enables.Load() }

// Disable turns the near cache off and empties it: its Store may miss
// invalidations from now on.
func (n *Near) Disable() { n.enabled.Store(false); n.Clear() }

// Clear drops every entry (and moves every shard's generation on).
func (n *Near) Clear() {
	for i := range n.shards {
		s := &n.shards[i]
		s.mu.Lock()
		s.gen++
		clear(s.entries)
		s.mu.Unlock()
	}
}

// Get returns the value under key, if the near cache is enabled and holds
// one that has not expired.
func (n *Near) Get(key string) (any, bool) {
	if !n.Enabled() {
		return nil, false
	}
	s := n.shard(key)
	s.mu.Lock()
	e, ok := s.entries[key]
	s.mu.Unlock()
	if !ok || time.Now().UnixNano() >= e.expires {
		return nil, false
	}
	n.hits.Add(1)
	return e.v, true
}

// Hits returns how many reads the near cache answered.
func (n *Near) Hits() int64 { return n.hits.Load() }

// Gen returns the generation of key, to be handed to Put.
func (n *Near) Gen(key string) uint64 {
	s := n.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// Put stores v under key for at most ttl (and the near cache's own), unless
// an invalidation reached key's shard since gen was taken or the near cache
// is off.
func (n *Near) Put(key string, gen uint64, v any, ttl time.Duration) {
	if !n.Enabled() {
		return
	}
	ttl = min(ttl, n.ttl)
	s := n.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	if len(s.entries) >= maxPerShard {
		i := 0
		for k := range s.entries { // map order is random enough
			if i%2 == 0 {
				delete(s.entries, k)
			}
			i++
		}
	}
	s.entries[key] = nearEntry{v: v, expires: time.Now().Add(ttl).UnixNano()}
}

// Invalidate drops keys: what they hold may have changed.
func (n *Near) Invalidate(keys ...string) {
	for _, k := range keys {
		s := n.shard(k)
		s.mu.Lock()
		s.gen++
		delete(s.entries, k)
		s.mu.Unlock()
	}
}

// NearStore is a Store with a near cache in front of it (Load and Put use
// it when it is enabled).
type NearStore interface {
	Store
	Near() *Near
}

// NearOf returns s's near cache, or nil.
func NearOf(s Store) *Near {
	if ns, ok := s.(NearStore); ok {
		return ns.Near()
	}
	return nil
}

// Peek returns the value of type V under key in s's near cache, if it
// holds one: what Load would answer for key with no round trip, without
// waiting to be batched with other keys.
func Peek[V any](s Store, key string) (V, bool) {
	var zero V
	near := NearOf(s)
	if !near.Enabled() {
		return zero, false
	}
	v, ok := near.Get(key)
	if !ok {
		return zero, false
	}
	tv, ok := v.(V)
	return tv, ok
}
