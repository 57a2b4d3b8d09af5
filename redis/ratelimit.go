package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/ratelimit"
)

// Limiter is the shared ratelimit.Limiter on Redis: every instance draws
// on the same budget. Each rule is a token bucket kept as one key per
// (rule, key) with GCRA (the theoretical arrival time of the next event),
// updated atomically by a script using Redis's own clock.
type Limiter struct {
	rdb    *goredis.Client
	prefix string
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// NewLimiter returns a limiter whose keys start with prefix.
func NewLimiter(rdb *goredis.Client, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix + "rl:"}
}

// gcra allows one event at most every ARGV[1] µs with a burst of one
// period (ARGV[2] µs, = limit × interval). It returns {1, 0} when allowed
// (and records it), {0, wait µs} when refused (recording nothing).
var gcra = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if allow_at > now then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, 0}
`)

// Allow implements ratelimit.Limiter. It gives up after 150 ms; the
// caller decides whether a failing limiter lets events through.
func (l *Limiter) Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error) {
	if err := rule.Validate(); err != nil {
		return ratelimit.Decision{}, err
	}
	if rule.Disabled() {
		return ratelimit.Decision{Allowed: true}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	interval := rule.Per.Microseconds() / int64(rule.Limit)
	res, err := gcra.Run(ctx, l.rdb, []string{l.prefix + rule.Name + ":" + key}, max(interval, 1), rule.Per.Microseconds()).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redis limiter: %w", err)
	}
	if res[0] == 1 {
		return ratelimit.Decision{Allowed: true}, nil
	}
	return ratelimit.Decision{RetryAfter: time.Duration(res[1]) * time.Microsecond}, nil
}
