package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/inmem"
)

// tally records what a Counted store reports.
type tally struct {
	mu sync.Mutex
	n  map[string]int // "kind/result" -> keys
}

func (t *tally) count(kind, result string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[kind+"/"+result] += n
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k, v := range t.n {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// failing is a store whose reads fail.
type failing struct{ cache.Store }

func (failing) GetMulti(context.Context, []string) (map[string][]byte, error) {
	return nil, errors.New("store down")
}

// TestCountedCountsEveryKeyByKindAndResult: each key a read looks up is
// counted once, as a hit, a miss or (when the store fails) an error, under
// its kind; keys of no known kind count as "other".
func TestCountedCountsEveryKeyByKindAndResult(t *testing.T) {
	ctx := context.Background()
	var got tally
	s := cache.Counted(inmem.NewCache(100), got.count)
	s.AddMulti(ctx, map[string][]byte{cache.PhotoKey(id(1)): []byte(`1`), cache.SessionKey("h"): []byte(`1`)}, time.Minute)
	s.GetMulti(ctx, []string{cache.PhotoKey(id(1)), cache.PhotoKey(id(2)), cache.PhotoKey(id(3)), cache.UserKey(id(1)),
		cache.StatsKey(id(1)), cache.SessionKey("h"), "whatever:1", "nocolon"})
	if want := "other/miss=2 photo/hit=1 photo/miss=2 session/hit=1 stats/miss=1 user/miss=1"; got.String() != want {
		t.Fatalf("counted %s, want %s", got.String(), want)
	}

	var bad tally
	f := cache.Counted(failing{}, bad.count)
	if _, err := f.GetMulti(ctx, []string{cache.StatsKey(id(1)), cache.StatsKey(id(2)), cache.UserKey(id(1))}); err == nil {
		t.Fatal("the store's error was swallowed")
	}
	if want := "stats/error=2 user/error=1"; bad.String() != want {
		t.Fatalf("counted %s, want %s", bad.String(), want)
	}
}

// TestCountedKindsAreTheKeyBuilders: every key builder's keys count under
// a kind of their own, never as "other".
func TestCountedKindsAreTheKeyBuilders(t *testing.T) {
	for key, kind := range map[string]string{cache.PhotoKey(id(1)): "photo", cache.StatsKey(id(1)): "stats",
		cache.UserKey(id(1)): "user", cache.SessionKey("ab12"): "session"} {
		var got tally
		cache.Counted(inmem.NewCache(10), got.count).GetMulti(context.Background(), []string{key})
		if want := kind + "/miss=1"; got.String() != want {
			t.Errorf("key %q: counted %s, want %s", key, got.String(), want)
		}
	}
}

// id returns a fixed UUID numbered n.
func id(n byte) uuid.UUID { return uuid.UUID{15: n} }

// TestLoadIsCounted: Load through a Counted store counts its misses, then,
// once it has filled the cache, its hits.
func TestLoadIsCounted(t *testing.T) {
	ctx := context.Background()
	var got tally
	s := cache.Counted(inmem.NewCache(100), got.count)
	fetch := func(_ context.Context, ids []int) (map[int]int, error) {
		out := map[int]int{}
		for _, id := range ids {
			out[id] = id * 10
		}
		return out, nil
	}
	keyOf := func(n int) string { return cache.PhotoKey(id(byte(n))) }
	if _, err := cache.Load(ctx, s, []int{1, 2}, keyOf, fetch); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Load(ctx, s, []int{1, 2, 3}, keyOf, fetch); err != nil {
		t.Fatal(err)
	}
	if want := "photo/hit=2 photo/miss=3"; got.String() != want {
		t.Fatalf("counted %s, want %s", got.String(), want)
	}
}

// TestCountedNilIsNil: no cache stays no cache (callers test for nil).
func TestCountedNilIsNil(t *testing.T) {
	if s := cache.Counted(nil, func(string, string, int) {}); s != nil {
		t.Fatalf("Counted(nil) = %#v, want nil", s)
	}
}
