package identity

import "sync"

// inFlight is the set of emails a sign-up is under way for on this
// instance: a second sign-up for one of them while the first runs is told
// at once that it collided (CONFLICT), instead of waiting to be told the
// email is taken by an account that did not exist when it was sent. Across
// instances the database's unique index decides, and the loser's write
// failing on it says the same (see lostSignUp).
type inFlight struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

// claim marks key as under way and returns its release, or ok false when
// it already is.
func (f *inFlight) claim(key string) (release func(), ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, busy := f.keys[key]; busy {
		return nil, false
	}
	if f.keys == nil {
		f.keys = map[string]struct{}{}
	}
	f.keys[key] = struct{}{}
	return func() {
		f.mu.Lock()
		delete(f.keys, key)
		f.mu.Unlock()
	}, true
}
