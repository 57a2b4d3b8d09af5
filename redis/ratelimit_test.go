package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/facestat/facestat/ratelimit"
	"github.com/facestat/facestat/redis"
	"github.com/facestat/facestat/redis/redistest"
)

func TestLimiter(t *testing.T) {
	url := redistest.Start(t)
	// Two limiters on one Redis: two instances sharing a budget.
	var limiters [2]*redis.Limiter
	for i := range limiters {
		rdb, err := redis.NewClient(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		limiters[i] = redis.NewLimiter(rdb, "test:")
	}
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "sign_in", Limit: 5, Per: time.Minute}

	t.Run("SharedBudget", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			d, err := limiters[i%2].Allow(ctx, rule, "203.0.113.7")
			if err != nil || !d.Allowed {
				t.Fatalf("event %d: %+v, %v", i, d, err)
			}
		}
		d, err := limiters[1].Allow(ctx, rule, "203.0.113.7")
		if err != nil || d.Allowed {
			t.Fatalf("sixth event: %+v, %v", d, err)
		}
		// The next token arrives one interval (Per/Limit = 12 s) after the first.
		if d.RetryAfter <= 10*time.Second || d.RetryAfter > 12*time.Second {
			t.Fatalf("RetryAfter = %v, want about 12s", d.RetryAfter)
		}
	})
	t.Run("KeysIndependent", func(t *testing.T) {
		if d, err := limiters[0].Allow(ctx, rule, "198.51.100.1"); err != nil || !d.Allowed {
			t.Fatalf("another key: %+v, %v", d, err)
		}
	})
	t.Run("Refills", func(t *testing.T) {
		fast := ratelimit.Rule{Name: "fast", Limit: 2, Per: 200 * time.Millisecond}
		for i := 0; i < 2; i++ {
			limiters[0].Allow(ctx, fast, "k")
		}
		d, _ := limiters[0].Allow(ctx, fast, "k")
		if d.Allowed {
			t.Fatal("third event within the period allowed")
		}
		time.Sleep(d.RetryAfter + 20*time.Millisecond) // waiting out the advertised time is the behaviour under test
		if d, err := limiters[0].Allow(ctx, fast, "k"); err != nil || !d.Allowed {
			t.Fatalf("after RetryAfter: %+v, %v", d, err)
		}
	})
	t.Run("Disabled", func(t *testing.T) {
		off := ratelimit.Rule{Name: "off", Limit: 0}
		for i := 0; i < 100; i++ {
			if d, _ := limiters[0].Allow(ctx, off, "k"); !d.Allowed {
				t.Fatal("a disabled rule refused")
			}
		}
	})
}
