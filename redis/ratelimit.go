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
// (rule, key) with GCRA (the theoretical arrival time of the next token,
// one emission interval later per token taken), updated atomically by a
// script using Redis's own clock. Keys are bounded in length (see key),
// whatever the client chose.
type Limiter struct {
	rdb    *goredis.Client
	prefix string
}

var (
	_ ratelimit.Limiter     = (*Limiter)(nil)
	_ ratelimit.PairLimiter = (*Limiter)(nil)
)

// NewLimiter returns a limiter whose keys start with prefix.
func NewLimiter(rdb *goredis.Client, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix + "rl:"}
}

// gcra gives ARGV[4] tokens back, when set (the rest of an expired
// lease: see Limiter.RenewN), as refund does, then takes ARGV[3], one
// every ARGV[1] µs with a burst of ARGV[2] µs (= limit × interval). It
// returns {1, 0, tokens left} when allowed (and records it), {0, wait µs,
// tokens held} when refused (recording only the give-back, which stands).
var gcra = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local back = tonumber(ARGV[4]) or 0
local stored = tonumber(redis.call('GET', KEYS[1]))
local tat = stored or now
if stored and back > 0 then
  tat = tat - back * interval
end
if tat < now then tat = now end
local new_tat = tat + tonumber(ARGV[3]) * interval
if new_tat - burst > now then
  if stored and back > 0 then
    if tat <= now then
      redis.call('DEL', KEYS[1])
    else
      redis.call('SET', KEYS[1], tat, 'PX', math.ceil((tat - now) / 1000) + 1)
    end
  end
  return {0, new_tat - burst - now, math.floor((burst - (tat - now)) / interval)}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, 0, math.floor((burst - (new_tat - now)) / interval)}
`)

// refund gives ARGV[2] tokens of ARGV[1] µs each back: the key's tat moves
// back, never before now (a key whose tat reaches now is full, and goes).
var refund = goredis.NewScript(`
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local new_tat = tat - tonumber(ARGV[2]) * tonumber(ARGV[1])
if new_tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
end
return 1
`)

// gcraPair takes one token of KEYS[1] (emission interval ARGV[1] µs,
// burst ARGV[2] µs), then one of KEYS[2] (ARGV[3], ARGV[4]), recording
// them only when both are there: {1, 0, first's tokens left} when allowed,
// {0, wait µs, tokens held, 1 or 2 (the key that refused)} when refused.
var gcraPair = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats, lefts = {}, {}
for i = 1, 2 do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  if new_tat - burst > now then
    return {0, new_tat - burst - now, math.floor((burst - (tat - now)) / interval), i}
  end
  tats[i], lefts[i] = new_tat, math.floor((burst - (new_tat - now)) / interval)
end
for i = 1, 2 do
  redis.call('SET', KEYS[i], tats[i], 'PX', math.ceil((tats[i] - now) / 1000) + 1)
end
return {1, 0, lefts[1]}
`)

// AllowPair implements ratelimit.PairLimiter in one round trip (the
// script above): one event of first for firstKey and of second for
// secondKey, both or neither. It gives up after callTimeout.
func (l *Limiter) AllowPair(ctx context.Context, first ratelimit.Rule, firstKey string, second ratelimit.Rule, secondKey string) (ratelimit.Decision, error) {
	k1, k2 := l.key(first, firstKey), l.key(second, secondKey)
	if first.Disabled() || second.Disabled() || k1 == k2 {
		// One bucket twice: the script would read it once for both.
		return ratelimit.AllowPair(ctx, limiterOnly{l}, first, firstKey, second, secondKey)
	}
	for _, r := range []ratelimit.Rule{first, second} {
		if err := r.Validate(); err != nil {
			return ratelimit.Decision{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	iv1, iv2 := interval(first), interval(second)
	res, err := gcraPair.Run(ctx, l.rdb, []string{k1, k2},
		iv1, iv1*int64(first.Limit), iv2, iv2*int64(second.Limit)).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redis limiter: %w", err)
	}
	return decisionOf(res)
}

// limiterOnly hides AllowPair, so that ratelimit.AllowPair takes the rules
// one after the other.
type limiterOnly struct{ ratelimit.Limiter }

// Allow implements ratelimit.Limiter: AllowN for one token.
func (l *Limiter) Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error) {
	return l.AllowN(ctx, rule, key, 1)
}

// AllowN implements ratelimit.Limiter. It gives up after callTimeout; the
// caller decides what a failing limiter means (see ratelimit.Fallback).
func (l *Limiter) AllowN(ctx context.Context, rule ratelimit.Rule, key string, n int) (ratelimit.Decision, error) {
	return l.charge(ctx, rule, key, 0, n)
}

// RenewN implements ratelimit.Renewer in one round trip (the gcra
// script): back tokens given back, then n taken. It gives up after
// callTimeout.
func (l *Limiter) RenewN(ctx context.Context, rule ratelimit.Rule, key string, back, n int) (ratelimit.Decision, error) {
	return l.charge(ctx, rule, key, back, n)
}

var _ ratelimit.Renewer = (*Limiter)(nil)

// charge gives back tokens back, when there are any, then takes n: one
// gcra script.
func (l *Limiter) charge(ctx context.Context, rule ratelimit.Rule, key string, back, n int) (ratelimit.Decision, error) {
	if err := rule.Validate(); err != nil {
		return ratelimit.Decision{}, err
	}
	if err := ratelimit.ValidN(rule, n); err != nil {
		return ratelimit.Decision{}, err
	}
	if rule.Disabled() {
		return ratelimit.Decision{Allowed: true}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	iv := interval(rule)
	keys := []string{l.key(rule, key)}
	res, err := gcra.Run(ctx, l.rdb, keys, iv, iv*int64(rule.Limit), n, back).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redis limiter: %w", err)
	}
	return decisionOf(res)
}

// decisionOf reads a GCRA script's answer: {allowed (1 or 0), wait µs,
// tokens left, ...}.
func decisionOf(res []int64) (ratelimit.Decision, error) {
	if len(res) < 3 {
		return ratelimit.Decision{}, fmt.Errorf("redis limiter: %d values answered", len(res))
	}
	left := max(int(res[2]), 0)
	if res[0] == 1 {
		return ratelimit.Decision{Allowed: true, Remaining: left}, nil
	}
	return ratelimit.Decision{RetryAfter: time.Duration(res[1]) * time.Microsecond, Remaining: left}, nil
}

// Refund implements ratelimit.Limiter. It gives up after callTimeout.
func (l *Limiter) Refund(ctx context.Context, rule ratelimit.Rule, key string, n int) error {
	if err := rule.Validate(); err != nil {
		return err
	}
	if rule.Disabled() || n <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := refund.Run(ctx, l.rdb, []string{l.key(rule, key)}, interval(rule), n).Err(); err != nil {
		return fmt.Errorf("redis limiter: refund: %w", err)
	}
	return nil
}

// key is the Redis key of the bucket of (rule, k), bounded in length.
func (l *Limiter) key(rule ratelimit.Rule, k string) string {
	return key(l.prefix, rule.Name, k)
}

// interval is rule's emission interval in µs (Redis's clock), at least 1.
func interval(rule ratelimit.Rule) int64 {
	return max(rule.Per.Microseconds()/int64(rule.Limit), 1)
}
