package redis

import "time"

// SetCallTimeout shortens c's call timeout, so that a test can make calls
// time out while Redis is well (as on a machine too busy to read answers
// in time).
func SetCallTimeout(c *Cache, d time.Duration) { c.timeout = d }

// Down reports whether c's breaker is open (the cache skipped).
func Down(c *Cache) bool { return !c.up() }

// Probing reports whether a probe started by a timed-out call runs.
func Probing(c *Cache) bool { return c.probing.Load() }

// Reset closes the breaker and forgets the timeouts counted.
func Reset(c *Cache) { c.downUntil.Store(0); c.slow.Store(0) }

// Sender returns how c's invalidations end (its name), so that a test can
// publish one as if c had.
func Sender(c *Cache) string { return c.sender }
