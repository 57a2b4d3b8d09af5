package judging

// Submitted returns how many votes were ever queued on g: less those
// still queued or held (Queued), those a worker has taken.
func Submitted(g *Ingester) int64 { return g.submitted.Load() }
