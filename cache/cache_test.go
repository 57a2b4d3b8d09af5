package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/redis"
	"github.com/facestat/facestat/redis/redistest"
)

// stores returns each implementation of cache.Store: in memory, and on a
// redis-server of the test's own (never the machine's shared one).
func stores(t *testing.T) map[string]cache.Store {
	out := map[string]cache.Store{"inmem": inmem.NewCache(100)}
	if testing.Short() {
		return out
	}
	rdb, err := redis.NewClient(redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	store := redis.NewCache(rdb, "test:", nil)
	// The first calls dial; on a loaded machine one may pass the cache's
	// short deadline, after which the store is skipped for a while.
	for deadline := time.Now().Add(15 * time.Second); ; {
		if _, err := store.GetMulti(context.Background(), []string{"warm"}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the redis store never answered")
		}
		time.Sleep(50 * time.Millisecond) // polling, with the deadline above
	}
	out["redis"] = store
	return out
}

func get(t *testing.T, s cache.Store, key string) string {
	t.Helper()
	got, err := s.GetMulti(context.Background(), []string{key})
	if err != nil {
		t.Fatal(err)
	}
	return string(got[key])
}

func TestStores(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("AddDoesNotOverwrite", func(t *testing.T) {
				s.AddMulti(ctx, map[string][]byte{"a": []byte(`{"x":1}`)}, time.Minute)
				s.AddMulti(ctx, map[string][]byte{"a": []byte(`{"x":2}`)}, time.Minute)
				if got := get(t, s, "a"); got != `{"x":1}` {
					t.Fatalf("got %s", got)
				}
			})
			t.Run("SetNewerKeepsNewest", func(t *testing.T) {
				s.SetNewer(ctx, time.Minute, cache.Versioned{Key: "b", Version: 5, Data: []byte(`{"v":5}`)})
				s.SetNewer(ctx, time.Minute, cache.Versioned{Key: "b", Version: 4, Data: []byte(`{"v":4}`)}) // late, older
				if got := get(t, s, "b"); got != `{"v":5}` {
					t.Fatalf("an older version overwrote a newer one: %s", got)
				}
				s.SetNewer(ctx, time.Minute, cache.Versioned{Key: "b", Version: 6, Data: []byte(`{"v":6}`)})
				if got := get(t, s, "b"); got != `{"v":6}` {
					t.Fatalf("a newer version was refused: %s", got)
				}
			})
			t.Run("SetNewerReplacesAFill", func(t *testing.T) {
				s.AddMulti(ctx, map[string][]byte{"c": []byte(`{"q":1}`)}, time.Minute) // a fill: no version
				s.SetNewer(ctx, time.Minute, cache.Versioned{Key: "c", Version: 1, Data: []byte(`{"v":1}`)})
				if got := get(t, s, "c"); got != `{"v":1}` {
					t.Fatalf("got %s", got)
				}
			})
			t.Run("Delete", func(t *testing.T) {
				s.Delete(ctx, "a", "b", "c")
				for _, k := range []string{"a", "b", "c"} {
					if got := get(t, s, k); got != "" {
						t.Fatalf("%s still holds %s", k, got)
					}
				}
			})
			t.Run("Expiry", func(t *testing.T) {
				s.AddMulti(ctx, map[string][]byte{"d": []byte(`{}`)}, 50*time.Millisecond)
				deadline := time.Now().Add(5 * time.Second)
				for get(t, s, "d") != "" {
					if time.Now().After(deadline) {
						t.Fatal("the entry never expired")
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		})
	}
}
