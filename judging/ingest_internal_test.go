package judging

import (
	"slices"
	"testing"

	"github.com/google/uuid"
)

// TestClaimKeepsBatchesApart: with several workers, a batch claims its
// photos; the votes on a photo another batch is writing are held back
// until that batch ends, then come first.
func TestClaimKeepsBatchesApart(t *testing.T) {
	g := &Ingester{cfg: IngestConfig{Workers: 2, MaxBatch: 10}, flying: map[uuid.UUID]struct{}{}, wake: make(chan struct{}, 1)}
	x, y, z := uuid.New(), uuid.New(), uuid.New()
	vote := func(photo uuid.UUID) *pending { return &pending{b: Ballot{Judge: uuid.New(), Photo: photo}} }
	x1, y1, x2, z1, x3 := vote(x), vote(y), vote(x), vote(z), vote(y)

	first := g.claim([]*pending{x1, y1})
	if !slices.Equal(first, []*pending{x1, y1}) {
		t.Fatalf("the first batch: %v", first)
	}
	second := g.claim([]*pending{x2, z1, x3})
	if !slices.Equal(second, []*pending{z1}) || !slices.Equal(g.held, []*pending{x2, x3}) {
		t.Fatalf("the second batch %v, held %v; want z's vote alone, x's and y's held", second, g.held)
	}
	if free := g.freeHeld(); len(free) != 0 {
		t.Fatalf("held votes freed while their photos' batch runs: %v", free)
	}
	if g.Queued() != 2 {
		t.Errorf("Queued() = %d, want the 2 held", g.Queued())
	}
	g.release(first)
	select {
	case <-g.wake:
	default:
		t.Error("the end of a batch with votes held for its photos woke no worker")
	}
	if free := g.freeHeld(); !slices.Equal(free, []*pending{x2, x3}) || len(g.held) != 0 {
		t.Fatalf("after the first batch: freed %v, held %v", free, g.held)
	}
	if third := g.claim([]*pending{x2, x3}); len(third) != 2 {
		t.Fatalf("the held votes' batch: %v", third)
	}
	g.release(second)
	if _, busy := g.flying[z]; busy {
		t.Error("z still marked as being written")
	}
}
