package ratelimit

// Leases reports how many leases l keeps, expired ones included.
func (l *Leasing) Leases() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.leases)
}
