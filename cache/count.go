package cache

import (
	"context"
	"strings"
)

// Lookup results, as counted by Counted.
const (
	Hit   = "hit"   // the key held a value
	Miss  = "miss"  // it did not: the database answers
	Error = "error" // the store failed: the database answers
)

// Kinds are the kinds of cached values as Counted names them (the key
// builders' kinds). Any other key counts as "other", so the kinds stay a
// small fixed set.
var Kinds = []string{photoKind, accessKind, statsKind, userKind, sessionKind, apiKeyKind}

// OtherKind is the kind of a key with none of the known prefixes.
const OtherKind = "other"

// CountFunc is told, after each read of the cache, how many keys of a kind
// gave each result. It must be safe for concurrent use.
type CountFunc func(kind, result string, n int)

// Counted returns s reporting every key its GetMulti looks up to count, by
// kind and result (so Load, the dataloaders behind it and the session
// lookup are all counted where they read). A nil s stays nil: no cache.
func Counted(s Store, count CountFunc) Store {
	if s == nil || count == nil {
		return s
	}
	return counted{Store: s, count: count}
}

type counted struct {
	Store
	count CountFunc
}

// kindIndex returns the index in Kinds of key's kind, or len(Kinds).
func kindIndex(key string) int {
	if i := strings.IndexByte(key, ':'); i > 0 {
		for j, k := range Kinds {
			if key[:i] == k {
				return j
			}
		}
	}
	return len(Kinds)
}

// GetMulti implements Store, counting each key.
func (c counted) GetMulti(ctx context.Context, keys []string) (map[string][]byte, error) {
	found, err := c.Store.GetMulti(ctx, keys)
	n := make([][3]int, len(Kinds)+1) // hits, misses, errors per kind
	for _, k := range keys {
		i := kindIndex(k)
		switch _, ok := found[k]; {
		case err != nil:
			n[i][2]++
		case ok:
			n[i][0]++
		default:
			n[i][1]++
		}
	}
	for i, counts := range n {
		kind := OtherKind
		if i < len(Kinds) {
			kind = Kinds[i]
		}
		for j, result := range [3]string{Hit, Miss, Error} {
			if counts[j] > 0 {
				c.count(kind, result, counts[j])
			}
		}
	}
	return found, err
}

// Near implements NearStore: the counted store's near cache, if any. Reads
// the near cache answers are not counted here (they are Near.Hits).
func (c counted) Near() *Near { return NearOf(c.Store) }
