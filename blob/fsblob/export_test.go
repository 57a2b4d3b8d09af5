package fsblob

// CachedBytes is what s's cache of small objects holds, in bytes and
// objects.
func CachedBytes(s *Store) (int64, int) {
	if s.cache == nil {
		return 0, 0
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.total, s.cache.lru.Len()
}
