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
	x1, y1, x2, z1, y2 := vote(x), vote(y), vote(x), vote(z), vote(y)

	first := g.claim([]*pending{x1, y1})
	if !slices.Equal(first, []*pending{x1, y1}) {
		t.Fatalf("the first batch: %v", first)
	}
	second := g.claim([]*pending{x2, z1, y2})
	if !slices.Equal(second, []*pending{z1}) || !slices.Equal(g.held, []*pending{x2, y2}) {
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
	if free := g.freeHeld(); !slices.Equal(free, []*pending{x2, y2}) || len(g.held) != 0 {
		t.Fatalf("after the first batch: freed %v, held %v", free, g.held)
	}
	if third := g.claim([]*pending{x2, y2}); len(third) != 2 {
		t.Fatalf("the held votes' batch: %v", third)
	}
	g.release(second)
	if _, busy := g.flying[z]; busy {
		t.Error("z still marked as being written")
	}
}

// TestClaimKeepsOrderOnAPhoto: a vote from the queue on a photo that older
// held votes wait for waits behind them, even once the photo is free, so
// that the older go first; the held ones, freed, are claimed.
func TestClaimKeepsOrderOnAPhoto(t *testing.T) {
	g := &Ingester{cfg: IngestConfig{Workers: 2, MaxBatch: 1}, flying: map[uuid.UUID]struct{}{}, wake: make(chan struct{}, 1)}
	x := uuid.New()
	judgeID := uuid.New()
	older, newer := &pending{b: Ballot{Judge: judgeID, Photo: x}}, &pending{b: Ballot{Judge: judgeID, Photo: x}}
	other := &pending{b: Ballot{Judge: uuid.New(), Photo: x}}

	first := g.claim([]*pending{other})
	if held := g.claim([]*pending{older}); len(held) != 0 {
		t.Fatalf("a vote on a photo being written was claimed: %v", held)
	}
	g.release(first)
	// Another worker's batch from the queue, before the held vote is freed.
	if got := g.claim([]*pending{newer}); len(got) != 0 {
		t.Fatalf("a newer vote went before the older one held on its photo: %v", got)
	}
	free := g.freeHeld() // MaxBatch 1: the older alone
	if !slices.Equal(free, []*pending{older}) {
		t.Fatalf("freed %v, want the older vote first", free)
	}
	if got := g.claim(free); !slices.Equal(got, []*pending{older}) {
		t.Fatalf("the freed older vote was held again: %v (held %v)", got, g.held)
	}
}
