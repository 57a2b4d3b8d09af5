package admission

import "sync"

// PerKey bounds how many of something one key (a client address) holds at
// once on this instance: uploads in flight, open WebSockets. It is the
// bound a stranger meets before the instance-wide ones, so that one
// address cannot take every slot. The zero value is not usable: see
// NewPerKey.
type PerKey struct {
	max  int
	mu   sync.Mutex
	held map[string]int // only keys holding something: the map shrinks back
}

// NewPerKey returns a PerKey allowing max per key.
func NewPerKey(max int) *PerKey { return &PerKey{max: max, held: map[string]int{}} }

// Acquire takes one for key, or reports false when key holds max already.
// On true the caller must call the returned release exactly once.
func (p *PerKey) Acquire(key string) (release func(), ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held[key] >= p.max {
		return nil, false
	}
	p.held[key]++
	var once sync.Once
	return func() { once.Do(func() { p.release(key) }) }, true
}

func (p *PerKey) release(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held[key]--; p.held[key] <= 0 {
		delete(p.held, key)
	}
}

// Held returns how many key holds now.
func (p *PerKey) Held(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held[key]
}
