// Package cache is the read-through cache behind the dataloaders: photos,
// users, statistics and sessions, shared by every instance through Redis in
// production and kept in-process on the embedded default. A cache that
// fails is skipped: the database answers.
package cache

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Store keeps encoded values under string keys. Implementations are safe
// for concurrent use; errors mean "not cached", never "does not exist".
type Store interface {
	// GetMulti returns the values found; missing keys are absent.
	GetMulti(ctx context.Context, keys []string) (map[string][]byte, error)
	// AddMulti stores each value for ttl unless its key holds one already:
	// a reader filling the cache from the database never overwrites what
	// a writer put there meanwhile.
	AddMulti(ctx context.Context, items map[string][]byte, ttl time.Duration) error
	// SetNewer stores each item's data for ttl unless its key holds a
	// value whose version (the JSON field "v") is the item's or higher,
	// so that writes arriving out of order never put an older state back.
	// All in one round trip.
	SetNewer(ctx context.Context, ttl time.Duration, items ...Versioned) error
	// Delete removes keys.
	Delete(ctx context.Context, keys ...string) error
}

// Versioned is a value for Store.SetNewer: data under key, at version.
type Versioned struct {
	Key     string
	Version int64
	Data    []byte
}

// The key builders: every key in the cache is made by one of these (the
// Redis adapter adds the instance's prefix), so what is cached, under
// which name and for how long (TTLOf), is read here. A kind's entries are
// used only by the package that owns its rows: photos (PhotoKey,
// PhotoAccessKey), judging (StatsKey), identity (UserKey, SessionKey).
// User rows are never dropped: what they hold that others read (a handle)
// does not change; they expire with TTL.

// The kinds of cached values: each key is its kind, a colon and an id.
const (
	photoKind   = "photo"
	accessKind  = "access"
	statsKind   = "stats"
	userKind    = "user"
	sessionKind = "session"
	apiKeyKind  = "apikey"
)

// PhotoKey names a photo's row. It grants: the row's visibility says who
// may see the photo.
func PhotoKey(id uuid.UUID) string { return photoKind + ":" + id.String() }

// PhotoAccessKey names what serving a photo's images needs of its row
// (its image keys and visibility), kept apart from the row, which every
// vote batch drops. It grants, as the row does, and goes with the row on
// every other change.
func PhotoAccessKey(id uuid.UUID) string { return accessKind + ":" + id.String() }

// StatsKey names a photo's aggregates (judging.Aggregates).
func StatsKey(id uuid.UUID) string { return statsKind + ":" + id.String() }

// UserKey names a user's row. Only its handle is read from the cache
// (roles are read with sessions).
func UserKey(id uuid.UUID) string { return userKind + ":" + id.String() }

// DocumentKey names a GraphQL document registered by Apollo's automatic
// persisted queries, by the SHA-256 of its text (hex); api/apq.go checks
// the hash again when it reads one.
func DocumentKey(sha256Hex string) string { return "apq:" + sha256Hex }

// SessionKey names a session, by the SHA-256 of its token (hex). It
// grants: it says who the caller is and with which role.
func SessionKey(tokenHash string) string { return sessionKind + ":" + tokenHash }

// APIKeyKey names an API key, by the SHA-256 of the key (hex). It grants,
// as a session does; revoking the key deletes it.
func APIKeyKey(keyHash string) string { return apiKeyKind + ":" + keyHash }

// TTL bounds how long an entry that grants nothing (statistics, handles)
// may be served without being written again, and so how stale one can get
// if a change never reached the cache.
const TTL = 2 * time.Minute

// GrantTTL bounds how long an entry that grants anything (sessions and the
// role they carry, photo rows and their visibility) may be served. A change
// made through FaceStat reaches the cache at once: its entries are deleted
// (and a delete that fails is not lost: the Redis store skips the cache
// and then moves its epoch on, see redis.Cache). GrantTTL bounds the
// changes that never reach it: a role or visibility edited in the database
// by hand, an invalidation lost with the instance that owed it.
const GrantTTL = 10 * time.Second

// TTLOf returns the lifetime of an entry under key: GrantTTL for the kinds
// that grant anything, TTL for the rest.
func TTLOf(key string) time.Duration {
	if kind, _, _ := strings.Cut(key, ":"); kind == photoKind || kind == accessKind || kind == sessionKind || kind == apiKeyKind {
		return GrantTTL
	}
	return TTL
}

// Load returns the values of keys: those in the store's near cache (see
// Near: decoded already, no round trip), then those in the cache, then the
// rest from fetch, which are written to the cache (in one round trip) for
// their kind's lifetime (TTLOf). What the cache and fetch answer is kept
// in the near cache too. A failing store is skipped. keyOf names a key in
// the cache.
func Load[K comparable, V any](ctx context.Context, s Store, keys []K, keyOf func(K) string,
	fetch func(context.Context, []K) (map[K]V, error)) (map[K]V, error) {
	if s == nil {
		return fetch(ctx, keys)
	}
	out := make(map[K]V, len(keys))
	near := NearOf(s)
	if !near.Enabled() {
		near = nil
	}
	names := make([]string, 0, len(keys))
	var gens []uint64
	var rest []K
	for _, k := range keys {
		name := keyOf(k)
		if near != nil {
			if v, ok := near.Get(name); ok {
				if v, ok := v.(V); ok {
					out[k] = v
					continue
				}
			}
			gens = append(gens, near.Gen(name)) // before the read: see Near
		}
		names = append(names, name)
		rest = append(rest, k)
	}
	if len(rest) == 0 {
		return out, nil
	}
	hits, _ := s.GetMulti(ctx, names) // an error: nothing is cached
	var misses []K
	for i, k := range rest {
		var v V
		if raw, ok := hits[names[i]]; ok && json.Unmarshal(raw, &v) == nil {
			out[k] = v
			if near != nil {
				near.Put(names[i], gens[i], v, TTLOf(names[i]))
			}
			continue
		}
		misses = append(misses, k)
	}
	if len(misses) == 0 {
		return out, nil
	}
	fetched, err := fetch(ctx, misses)
	if err != nil {
		return nil, err
	}
	gen := make(map[string]uint64, len(names))
	for i, name := range names {
		if near != nil {
			gen[name] = gens[i]
		}
	}
	items := make(map[string][]byte, len(fetched))
	ttl := TTL
	for k, v := range fetched {
		out[k] = v
		if raw, err := json.Marshal(v); err == nil {
			name := keyOf(k)
			items[name] = raw
			ttl = TTLOf(name) // one kind per Load
			if g, ok := gen[name]; ok {
				near.Put(name, g, v, ttl)
			}
		}
	}
	if len(items) > 0 {
		s.AddMulti(ctx, items, ttl) // best effort
	}
	return out, nil
}

// Put adds values to the cache (where their keys are empty), best effort.
func Put[K comparable, V any](ctx context.Context, s Store, values map[K]V, keyOf func(K) string, ttl time.Duration) {
	if s == nil || len(values) == 0 {
		return
	}
	items := make(map[string][]byte, len(values))
	for k, v := range values {
		if raw, err := json.Marshal(v); err == nil {
			items[keyOf(k)] = raw
		}
	}
	s.AddMulti(ctx, items, ttl)
}
