package integration_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/api"
)

// redisCounter is a go-redis hook that counts the round trips (one per
// command sent alone, one per pipeline) of one request at a time, told
// apart by its X-Request-Id as statementCounter does, and what each sent.
type redisCounter struct {
	mu    sync.Mutex
	tag   string
	trips []string // the commands of each round trip of the request counted
}

// start counts from zero the round trips of the request tagged tag.
func (c *redisCounter) start(tag string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tag, c.trips = tag, nil
}

// count returns the round trips of the request counted, and what they sent.
func (c *redisCounter) count() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.trips), append([]string(nil), c.trips...)
}

func (c *redisCounter) record(ctx context.Context, cmds ...goredis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tag == "" || api.RequestID(ctx) != c.tag {
		return
	}
	if handshake(cmds) {
		return
	}
	names := make([]string, len(cmds))
	for i, cmd := range cmds {
		names[i] = cmd.Name()
	}
	c.trips = append(c.trips, strings.Join(names, "+"))
}

// handshake reports whether cmds are a new connection's set-up (HELLO,
// CLIENT SETINFO), which go-redis sends through the hooks under the
// context of the request that found the pool without an idle connection:
// the pool's work, not the request's (CI counted one in an uncached read:
// 6 round trips where 4 were the request's).
func handshake(cmds []goredis.Cmder) bool {
	for _, cmd := range cmds {
		name := cmd.Name()
		if name != "hello" && !(name == "client" && len(cmd.Args()) > 1 && strings.EqualFold(fmt.Sprint(cmd.Args()[1]), "setinfo")) {
			return false
		}
	}
	return len(cmds) > 0
}

func (c *redisCounter) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (c *redisCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.record(ctx, cmd)
		return next(ctx, cmd)
	}
}

func (c *redisCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.record(ctx, cmds...)
		return next(ctx, cmds)
	}
}
