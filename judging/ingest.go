package judging

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/schema"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/panics"
	"github.com/facestat/facestat/photos"
)

// Ballot is one vote on its way to the database.
type Ballot struct {
	Judge     uuid.UUID
	Anonymous bool // the judge's row is created by its first vote
	Photo     uuid.UUID
	Answers   []schema.Answer
	Network   string // the voter's network (clientaddr.Network); "" unknown
	// Next are the candidates for the judge's next photo
	// (photos.Candidates): the first still judgeable is read once the
	// vote's batch has committed (nextPhotos). None: no next photo is drawn.
	Next []uuid.UUID
}

// IngestConfig tunes the group commit.
type IngestConfig struct {
	MaxBatch int // votes written in one transaction at most
	// MaxWait bounds how long a batch waits for company, which it does
	// only while another batch is in flight: on an idle ingester a vote
	// is written at once (see collect).
	MaxWait time.Duration
	// Overlap is how many votes a batch that waits beside one in flight
	// gathers before it is written anyway (0: MaxBatch). Fewer wait for
	// the batch in flight to end (see collect).
	Overlap   int
	QueueSize int // votes waiting at most; beyond, Submit answers UNAVAILABLE
	Workers   int // batches in flight at once
	// Observe, when set, is told each committed batch's size and how many
	// of its votes were stored (for metrics).
	Observe func(batch, stored int)

	// syncCommit makes each vote transaction on PostgreSQL turn
	// synchronous_commit on (NewService sets it when the server's setting
	// is off, which would acknowledge commits before they are durable).
	syncCommit bool
}

// CommitHook receives, after each commit and before the batch's callers
// are answered, the fresh snapshots of the photos whose statistics
// changed (each once), made from what the batch wrote: no statement reads
// them again.
type CommitHook func(ctx context.Context, fresh []*Snapshot)

// Ingester writes votes by group commit: the votes that queue up while a
// transaction is being written are stored together in the next one, and
// each caller gets its answer only after its transaction commits. The
// batch size adapts to the load by itself: a lone vote on an idle
// ingester is written at once, in a batch of one; under load the votes
// arriving during one commit make the next batch, up to MaxBatch. See
// collect and Submit.
type Ingester struct {
	client  *ent.Client
	dialect string
	survey  *Survey
	photos  *photos.Service
	cfg     IngestConfig
	log     *slog.Logger
	hook    CommitHook
	recent  recent // the aggregates written last (see recent)

	mu     sync.RWMutex // guards closed against Submit's send
	closed bool
	queue  chan *pending
	wg     sync.WaitGroup

	busy      sync.Mutex    // guards inFlight, idle, flying and held
	inFlight  int           // batches being written (write), for collect
	idle      chan struct{} // closed when inFlight drops to 0
	submitted atomic.Int64  // votes ever queued (for tests: with Queued, how many a worker holds)
	// With several workers, the photos of the batches being written, and
	// the votes taken from the queue that wait for their photo's batch to
	// end (see claim): two batches in flight never share a photo, so they
	// never wait for each other's row locks.
	flying map[uuid.UUID]struct{}
	held   []*pending
	wake   chan struct{} // a worker that left free held votes behind tells the others
}

type pending struct {
	b    Ballot
	done chan error // buffered: the worker never blocks on a caller that left

	photo    *ent.Photo  // the photo as the vote left it, once stored
	aggs     *Aggregates // and its aggregates, when the ingester made them
	next     *ent.Photo  // the judge's next photo, when drawn (Ballot.Next)
	answered bool        // set by reply, on the worker's goroutine
	wasHeld  bool        // claim held it back once (under busy)
	result   error       // what the caller was answered
	firstOf  *pending    // for a repeat within its batch: the first vote
}

// NewIngester starts cfg.Workers goroutines that write votes until Close.
// hook may be nil.
func NewIngester(client *ent.Client, dialectName string, survey *Survey, photos *photos.Service, cfg IngestConfig, hook CommitHook, log *slog.Logger) *Ingester {
	cfg.MaxBatch = max(cfg.MaxBatch, 1)
	cfg.Workers = max(cfg.Workers, 1)
	cfg.QueueSize = max(cfg.QueueSize, cfg.MaxBatch)
	if cfg.Overlap <= 0 || cfg.Overlap > cfg.MaxBatch {
		cfg.Overlap = cfg.MaxBatch
	}
	g := &Ingester{client: client, dialect: dialectName, survey: survey, photos: photos, cfg: cfg, log: log, hook: hook,
		queue: make(chan *pending, cfg.QueueSize), idle: make(chan struct{}),
		flying: map[uuid.UUID]struct{}{}, wake: make(chan struct{}, 1)}
	close(g.idle) // nothing in flight yet
	for range cfg.Workers {
		g.wg.Go(g.work)
	}
	return g
}

// Submit hands b to the ingester and waits until it is durably stored or
// refused. It returns the photo as the vote's transaction left it once
// that transaction has committed;
// CONFLICT when the judge has voted on the photo already (nothing changes,
// so a client may retry safely); NOT_FOUND when the photo is gone or
// hidden; UNAUTHENTICATED when an anonymous judge's token was retired by
// signing up or in; UNAVAILABLE when the queue is full or the ingester is
// shutting down. If ctx ends first, Submit returns ctx's error and the vote
// may still be stored.
func (g *Ingester) Submit(ctx context.Context, b Ballot) (*ent.Photo, error) {
	p, err := g.submit(ctx, b)
	if err != nil {
		return nil, err
	}
	return p.photo, nil
}

// submit is Submit, answering with the vote's pending, whose photo, aggs
// (the photo's aggregates as the vote left them, when the ingester made
// them: it does when it has a commit hook) and next are set.
func (g *Ingester) submit(ctx context.Context, b Ballot) (*pending, error) {
	p := &pending{b: b, done: make(chan error, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return nil, &facestat.Error{Code: facestat.Unavailable, Message: "the server is restarting; try again", RetryAfter: 2 * time.Second}
	}
	if g.cfg.Workers > 1 && g.Queued() >= g.cfg.QueueSize {
		g.mu.RUnlock()
		return nil, &facestat.Error{Code: facestat.Unavailable, Message: "too many votes at once; try again", RetryAfter: time.Second}
	}
	select {
	case g.queue <- p:
		g.mu.RUnlock()
		g.submitted.Add(1)
	default:
		g.mu.RUnlock()
		return nil, &facestat.Error{Code: facestat.Unavailable, Message: "too many votes at once; try again", RetryAfter: time.Second}
	}
	select {
	case err := <-p.done:
		if err != nil {
			return nil, err
		}
		return p, nil // its fields written before done was sent
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Queued returns how many votes wait for a transaction.
func (g *Ingester) Queued() int {
	g.busy.Lock()
	held := len(g.held)
	g.busy.Unlock()
	return len(g.queue) + held
}

// Close stops accepting votes, writes every vote already queued and
// returns when the workers are done.
func (g *Ingester) Close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.queue)
	}
	g.mu.Unlock()
	g.wg.Wait()
}

// work collects batches and writes them until the queue is closed and
// drained.
func (g *Ingester) work() {
	for {
		votes, ok := g.gather()
		if !ok {
			return
		}
		if batch := g.claim(votes); len(batch) > 0 {
			g.begin()
			g.write(batch)
			// Its photos free before a waiting worker wakes (end), so
			// that the votes that worker holds on them are not held back.
			g.release(batch)
			g.end()
		}
	}
}

// gather returns the votes of the next batch, before claim: the held
// votes whose photos no batch is writing any more, else the votes the
// queue brings (collect). It reports false once the queue is closed and
// no held vote is free (a worker writing their photos takes them after).
func (g *Ingester) gather() ([]*pending, bool) {
	for {
		if free := g.freeHeld(); len(free) > 0 {
			return g.collect(free), true
		}
		select {
		case p, ok := <-g.queue:
			if !ok {
				return nil, false
			}
			return g.collect([]*pending{p}), true
		case <-g.wake:
		}
	}
}

// freeHeld takes from the held votes those whose photos no batch is
// writing, up to MaxBatch.
func (g *Ingester) freeHeld() []*pending {
	g.busy.Lock()
	defer g.busy.Unlock()
	var free []*pending
	kept := g.held[:0]
	for _, p := range g.held {
		if _, busy := g.flying[p.b.Photo]; busy || len(free) >= g.cfg.MaxBatch {
			kept = append(kept, p)
			continue
		}
		free = append(free, p)
	}
	clear(g.held[len(kept):])
	g.held = kept
	return free
}

// claim makes votes a batch of the photos no other batch is writing: it
// marks them as being written, and holds back the votes on the others
// until the batch writing them ends (release), and any vote from the
// queue on a photo that older held votes wait for, so that votes on a
// photo are written in the order they came (a judge's repeat is the
// later one). With one worker there is no other batch.
func (g *Ingester) claim(votes []*pending) []*pending {
	if g.cfg.Workers == 1 {
		return votes
	}
	g.busy.Lock()
	defer g.busy.Unlock()
	waiting := make(map[uuid.UUID]bool, len(g.held))
	for _, p := range g.held {
		waiting[p.b.Photo] = true
	}
	batch := votes[:0:0]
	for _, p := range votes {
		_, busy := g.flying[p.b.Photo]
		if busy || (!p.wasHeld && waiting[p.b.Photo]) {
			p.wasHeld = true
			g.held = append(g.held, p)
			continue
		}
		batch = append(batch, p)
	}
	for _, p := range batch {
		g.flying[p.b.Photo] = struct{}{}
	}
	return batch
}

// release ends claim's hold on the batch's photos, and tells an idle
// worker if votes wait for them.
func (g *Ingester) release(batch []*pending) {
	if g.cfg.Workers == 1 {
		return
	}
	g.busy.Lock()
	for _, p := range batch {
		delete(g.flying, p.b.Photo)
	}
	waiting := len(g.held) > 0
	g.busy.Unlock()
	if waiting {
		select {
		case g.wake <- struct{}{}:
		default:
		}
	}
}

// collect makes the batch that starts with batch. The rule, in two steps:
//
//  1. Take every vote already queued, up to MaxBatch, without waiting.
//     Votes queue up while transactions are being written, so the batch
//     grows with the load by itself: about the arrival rate times the
//     commit time, and 1 when votes come one at a time.
//  2. Wait for more only while another batch is in flight (from its
//     claim to its callers' answers: the transaction, the next photos'
//     draw and the commit hook), and stop waiting as soon as none is, or
//     the batch holds Overlap votes, or after MaxWait. An idle database
//     is never kept waiting. A busy one gets fewer, larger transactions:
//     under a moderate load the batches follow one another, each taking
//     what arrived during the last, as with one worker; two are written
//     at once when a load brings Overlap votes during a batch, or when a
//     batch stays in flight past MaxWait (a slow commit or hook). MaxWait
//     bounds each wait, not a vote's whole time in the queue.
//     Every batch pays a fixed part (its round trips, the judges'
//     admission, the photos' lock, the next photos' draw): when two
//     workers took turns at any load, a replay's judging views wrote
//     batches of 8.6 votes and cost about a tenth more server CPU a view
//     than the batches of 15 this rule makes (docs/PERFORMANCE.md,
//     section 6, fourteenth session).
//
// With one worker (SQLite's default) step 2 never waits: the worker's own
// batch is the only one, and step 1 already takes what arrived during it.
func (g *Ingester) collect(batch []*pending) []*pending {
queued:
	for len(batch) < g.cfg.MaxBatch {
		select {
		case p, ok := <-g.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
		default:
			break queued
		}
	}
	if len(batch) >= g.cfg.Overlap || g.cfg.MaxWait <= 0 {
		return batch
	}
	g.busy.Lock()
	idle := g.idle
	g.busy.Unlock()
	select {
	case <-idle:
		return batch // nothing in flight: write now
	default:
	}
	timer := time.NewTimer(g.cfg.MaxWait)
	defer timer.Stop()
	for len(batch) < g.cfg.Overlap {
		select {
		case p, ok := <-g.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
		case <-idle:
			return batch
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// begin and end bracket a batch in flight, for collect's step 2.
func (g *Ingester) begin() {
	g.busy.Lock()
	if g.inFlight == 0 {
		g.idle = make(chan struct{})
	}
	g.inFlight++
	g.busy.Unlock()
}

func (g *Ingester) end() {
	g.busy.Lock()
	g.inFlight--
	if g.inFlight == 0 {
		close(g.idle)
	}
	g.busy.Unlock()
}

// write stores one batch and answers every caller in it, exactly once. A
// panic is logged and answers the callers not yet answered with INTERNAL.
func (g *Ingester) write(batch []*pending) {
	defer panics.Recover(g.log, "vote ingester", func(v any) {
		for _, p := range batch {
			reply(p, &facestat.Error{Code: facestat.Internal, Message: "internal error", Err: panics.Error(v)})
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A judge's second vote on a photo within one batch is a repeat of the
	// first: it is answered once the first's fate is known (CONFLICT if the
	// first was stored, the first's own error otherwise).
	first := make(map[[2]uuid.UUID]*pending, len(batch))
	var todo, repeats []*pending
	for _, p := range batch {
		k := [2]uuid.UUID{p.b.Judge, p.b.Photo}
		if f, ok := first[k]; ok {
			p.firstOf = f
			repeats = append(repeats, p)
			continue
		}
		first[k] = p
		todo = append(todo, p)
	}
	defer func() {
		for _, p := range repeats {
			if err := p.firstOf.result; err != nil {
				reply(p, err)
			} else {
				reply(p, errRepeat())
			}
		}
	}()
	results, out, err := g.commit(ctx, todo)
	var ce commitError
	switch {
	case errors.As(err, &ce):
		// The commit's fate is unknown: the votes may be stored. A retry
		// by the client settles it (stored: CONFLICT; lost: stored now).
		g.log.Error("vote commit failed", "votes", len(todo), "err", err)
		for _, p := range todo {
			reply(p, &facestat.Error{Code: facestat.Unavailable, Message: "the vote may not have been stored; send it again", RetryAfter: time.Second, Err: err})
		}
		return
	case err != nil && len(todo) > 1:
		// A statement of the batch failed (a race with a delete, say):
		// nothing was stored; write each vote on its own, so that one bad
		// vote fails only itself.
		g.log.Warn("vote batch failed; retrying one by one", "votes", len(todo), "err", err)
		for _, p := range todo {
			g.write([]*pending{p})
		}
		return
	case err != nil:
		reply(todo[0], &facestat.Error{Code: facestat.Internal, Message: "internal error", Err: err})
		return
	}
	// Counted before anyone is answered: a caller that reads the metrics
	// after its vote is acknowledged finds the vote counted.
	stored := 0
	for i := range todo {
		if results[i] == nil {
			stored++
		}
	}
	if g.cfg.Observe != nil {
		g.cfg.Observe(len(todo), stored)
	}
	next := g.nextPhotos(ctx, todo, results)
	// The fresh statistics go to the cache and the observers before anyone
	// is answered: a voter's next read finds its vote counted.
	g.runHook(ctx, out.fresh)
	for i, p := range todo {
		if results[i] == nil {
			p.photo, p.aggs, p.next = out.photos[p.b.Photo], out.aggs[p.b.Photo], next[i]
		}
		reply(p, results[i])
	}
}

// runHook hands the fresh snapshots to the hook; a panic there is logged
// and does not disturb the ingester.
func (g *Ingester) runHook(ctx context.Context, fresh []*Snapshot) {
	if g.hook == nil || len(fresh) == 0 {
		return
	}
	defer panics.Recover(g.log, "vote commit hook", nil)
	g.hook(ctx, fresh)
}

// reply answers p unless it has been answered already. Only the worker
// goroutine that owns the batch calls it.
func reply(p *pending, err error) {
	if p.answered {
		return
	}
	p.answered, p.result = true, err
	p.done <- err // buffered: never blocks
}

func errRepeat() error {
	return facestat.Errorf(facestat.Conflict, "you have judged this photo already")
}

// commitError marks a failed COMMIT: unlike a failed statement, the
// transaction may have been committed by the server all the same.
type commitError struct{ err error }

func (e commitError) Error() string { return "commit: " + e.err.Error() }
func (e commitError) Unwrap() error { return e.err }

// committed is what a batch's transaction left: the rows of the photos
// it changed, and their fresh snapshots (in id order) when there is a
// hook to hand them to.
type committed struct {
	photos map[uuid.UUID]*ent.Photo
	aggs   map[uuid.UUID]*Aggregates
	fresh  []*Snapshot
}

// commit writes the batch in one transaction and returns each ballot's
// outcome and what the transaction left.
func (g *Ingester) commit(ctx context.Context, batch []*pending) ([]error, committed, error) {
	var out committed
	results := make([]error, len(batch))
	tx, err := g.client.Tx(ctx)
	if err != nil {
		return nil, out, err
	}
	defer tx.Rollback()

	if g.cfg.syncCommit && g.dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit TO on"); err != nil {
			return nil, out, fmt.Errorf("synchronous commit: %w", err)
		}
	}

	if err := g.admitJudges(ctx, tx, batch, results); err != nil {
		return nil, out, err
	}
	locked, err := g.lockPhotos(ctx, tx, batch, results)
	if err != nil {
		return nil, out, err
	}
	accepted, err := g.insertVotes(ctx, tx, batch, results)
	if err != nil {
		return nil, out, err
	}
	d := newDeltas()
	for _, b := range accepted {
		d.add(g.survey, b, 1)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	w, err := d.apply(ctx, tx, g.dialect, g.photos, now)
	if err != nil {
		return nil, out, err
	}
	// The photos as the transaction leaves them: their locked rows with
	// what photos.AddVotes added.
	touched := d.photos()
	out.photos = make(map[uuid.UUID]*ent.Photo, len(touched))
	for _, id := range touched {
		row := *locked[id]
		row.VoteCount += d.votes[id]
		row.VoteTier = photos.VoteTier(row.VoteCount)
		row.StatsVersion++
		row.StatsUpdatedAt = &now
		if row.FitDue == nil {
			row.FitDue = &now
		}
		out.photos[id] = &row
	}
	var aggs map[uuid.UUID]*Aggregates
	if g.hook != nil {
		if aggs, err = g.freshAggregates(ctx, tx, locked, touched, d, w); err != nil {
			return nil, out, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, out, commitError{err}
	}
	if g.hook != nil {
		g.recent.put(aggs)
		out.aggs = aggs
		out.fresh = make([]*Snapshot, len(touched))
		for i, id := range touched {
			out.fresh[i] = NewSnapshot(out.photos[id], aggs[id])
		}
	}
	return results, out, nil
}

// nextPhotos draws, once the batch has committed, for each vote stored
// that carries candidates (Ballot.Next), its judge's next photo: the first
// candidate still judgeable, the batch's votes counted (photos.DrawNext:
// one statement). By ballot; nil where none was drawn, and for every vote
// when the statement fails (logged): the next field then picks after the
// vote, as it does without candidates. A vote is never failed for it.
func (g *Ingester) nextPhotos(ctx context.Context, batch []*pending, results []error) []*ent.Photo {
	picks := make([]photos.NextPick, len(batch))
	some := false
	for i, p := range batch {
		if results[i] == nil && len(p.b.Next) > 0 {
			picks[i] = photos.NextPick{Judge: p.b.Judge, Candidates: p.b.Next}
			some = true
		}
	}
	if !some {
		return make([]*ent.Photo, len(batch))
	}
	next, err := g.photos.DrawNext(ctx, picks)
	if err != nil {
		g.log.Warn("drawing the next photos of a vote batch; their picks follow the votes", "votes", len(batch), "err", err)
		return make([]*ent.Photo, len(batch))
	}
	return next
}

// freshAggregates returns the aggregates of the photos touched as tx
// leaves them, each with its new stats version: those the ingester wrote
// last at the version locked read, with the deltas d and the word rows w
// laid over them (no statement); the others read within tx (three
// statements).
func (g *Ingester) freshAggregates(ctx context.Context, tx *ent.Tx, locked map[uuid.UUID]*ent.Photo, touched []uuid.UUID, d *deltas, w *written) (map[uuid.UUID]*Aggregates, error) {
	aggs := make(map[uuid.UUID]*Aggregates, len(touched))
	changes := byPhoto(d, w)
	var missing []uuid.UUID
	for _, id := range touched {
		if prev := g.recent.get(id, locked[id].StatsVersion); prev != nil {
			aggs[id] = overlay(prev, d, w, changes[id])
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		read, err := loadAggregates(ctx, tx.Client(), missing)
		if err != nil {
			return nil, err
		}
		maps.Copy(aggs, read)
	}
	for _, id := range touched {
		aggs[id].Version = locked[id].StatsVersion + 1
	}
	return aggs, nil
}

// admitJudges creates the rows of anonymous judges voting for the first
// time, and refuses the tokens of anonymous judges that have since become
// (or merged into) an account.
func (g *Ingester) admitJudges(ctx context.Context, tx *ent.Tx, batch []*pending, results []error) error {
	var anon []uuid.UUID
	for i, p := range batch {
		if results[i] == nil && p.b.Anonymous && !slices.Contains(anon, p.b.Judge) {
			anon = append(anon, p.b.Judge)
		}
	}
	if len(anon) == 0 {
		return nil
	}
	slices.SortFunc(anon, compareUUID)
	admit := admitJudgesSQL
	if g.dialect == dialect.Postgres {
		admit = admitJudgesPG
	}
	retired, err := admit(ctx, tx, anon)
	if err != nil {
		return err
	}
	for i, p := range batch {
		if results[i] == nil && p.b.Anonymous && slices.Contains(retired, p.b.Judge) {
			results[i] = &facestat.Error{Code: facestat.Unauthenticated, Reason: facestat.ReasonTokenInvalid,
				Message: "this judge token was retired when its judge signed up or in; use the account's token"}
		}
	}
	return nil
}

// admitJudgesSQL is admitJudges' statements on SQLite (where a write
// transaction holds the whole database): the judges' rows made sure of,
// then read. It returns the retired judges among anon.
func admitJudgesSQL(ctx context.Context, tx *ent.Tx, anon []uuid.UUID) ([]uuid.UUID, error) {
	creates := make([]*ent.UserCreate, len(anon))
	for i, id := range anon {
		creates[i] = tx.User.Create().SetID(id).SetAnonymous(true)
	}
	err := tx.User.CreateBulk(creates...).OnConflictColumns(user.FieldID).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("creating judges: %w", err)
	}
	judges, err := tx.User.Query().Where(user.IDIn(anon...)).Order(user.ByID()).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking judges: %w", err)
	}
	var retired []uuid.UUID
	for _, j := range judges {
		if !j.Anonymous || j.MergedIntoID != nil {
			retired = append(retired, j.ID)
		}
	}
	return retired, nil
}

// admitJudgesPG is admitJudges on PostgreSQL, in one statement of one
// text (admitJudgesStmt): it share-locks the judges' rows that exist (in
// id order, before any photo, as sign-in does: a judge signing in
// meanwhile either waits for this batch, so that its merge sees these
// votes, or has retired the judge already) and creates the others. A row
// that another transaction created and committed while the statement ran
// is neither locked nor created by it: those judges (rare) are locked
// and read by a second statement. It returns the retired judges among
// anon (sorted).
func admitJudgesPG(ctx context.Context, tx *ent.Tx, anon []uuid.UUID) ([]uuid.UUID, error) {
	raw := entx.BinaryUUIDs(anon)
	seen := make(map[uuid.UUID]bool, len(anon))
	var retired []uuid.UUID
	err := entx.QueryRows(ctx, tx, admitJudgesStmt, []any{raw, time.Now().UTC().Truncate(time.Microsecond)}, func(rows *sql.Rows) error {
		var id uuid.UUID
		var ok bool
		if err := rows.Scan(&id, &ok); err != nil {
			return err
		}
		seen[id] = true
		if !ok {
			retired = append(retired, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("admitting judges: %w", err)
	}
	var late []uuid.UUID
	for _, id := range anon {
		if !seen[id] {
			late = append(late, id)
		}
	}
	if len(late) > 0 {
		judges, err := tx.User.Query().Where(user.IDIn(late...)).Order(user.ByID()).ForShare().All(ctx)
		if err != nil {
			return nil, fmt.Errorf("checking judges: %w", err)
		}
		for _, j := range judges {
			if !j.Anonymous || j.MergedIntoID != nil {
				retired = append(retired, j.ID)
			}
		}
	}
	slices.SortFunc(retired, compareUUID)
	return retired, nil
}

// admitJudgesStmt locks the existing rows of the judges $1 (FOR SHARE,
// in id order) and then creates the missing ones as anonymous judges
// (the rows' other columns take their defaults). It returns each judge
// it locked or created, with whether the judge may vote as an anonymous
// judge (anonymous and not merged into an account): the rows it created
// may. The lock's snapshot does not see the rows the INSERT creates, nor
// does it need to.
const admitJudgesStmt = `WITH l AS (
		SELECT ` + user.FieldID + `, ` + user.FieldAnonymous + ` AND ` + user.FieldMergedIntoID + ` IS NULL AS ok
		FROM ` + user.Table + ` WHERE ` + user.FieldID + ` = ANY($1) ORDER BY ` + user.FieldID + ` FOR SHARE
	), c AS (
		INSERT INTO ` + user.Table + ` (` + user.FieldID + `, ` + user.FieldAnonymous + `, ` + user.FieldCreatedAt + `)
		SELECT id, true, $2 FROM unnest($1::uuid[]) AS n(id) WHERE id NOT IN (SELECT id FROM l)
		ON CONFLICT (` + user.FieldID + `) DO NOTHING
		RETURNING ` + user.FieldID + `
	)
	SELECT id, ok FROM l UNION ALL SELECT id, true FROM c`

// lockPhotos locks the batch's photos (photos.Lock: in id order, so that
// concurrent batches never deadlock) and refuses the votes their judges
// may not cast (authz.PhotoAccess's Judge): on photos that are gone or
// hidden (NOT_FOUND) or the judge's own (FORBIDDEN). Every aggregate row
// is keyed by photo, so holding the photo's lock serialises its updates.
func (g *Ingester) lockPhotos(ctx context.Context, tx *ent.Tx, batch []*pending, results []error) (map[uuid.UUID]*ent.Photo, error) {
	var ids []uuid.UUID
	for i, p := range batch {
		if results[i] == nil && !slices.Contains(ids, p.b.Photo) {
			ids = append(ids, p.b.Photo)
		}
	}
	locked, err := g.photos.LockForCounts(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	for i, p := range batch {
		if results[i] != nil {
			continue
		}
		row := locked[p.b.Photo]
		if row == nil {
			results[i] = facestat.Errorf(facestat.NotFound, "no such photo")
			continue
		}
		judge := &identity.Viewer{ID: p.b.Judge, Anonymous: p.b.Anonymous}
		facts := photos.FactsOf(row)
		switch {
		case authz.PhotoAccess(judge, facts, false).Judge:
		case facts.Active: // active, yet not theirs to judge: their own
			results[i] = facestat.Errorf(facestat.Forbidden, "you cannot judge your own photo")
		default:
			results[i] = facestat.Errorf(facestat.NotFound, "no such photo")
		}
	}
	return locked, nil
}

// insertVotes writes the admitted votes in one multi-row insert; the
// (judge, photo) unique index drops repeats, which answer CONFLICT. It
// returns the ballots that were stored.
func (g *Ingester) insertVotes(ctx context.Context, tx *ent.Tx, batch []*pending, results []error) ([]Ballot, error) {
	ins := entsql.Dialect(g.dialect).Insert(vote.Table).
		Columns(vote.FieldJudgeID, vote.FieldPhotoID, vote.FieldAnswers, vote.FieldCreatedAt, vote.FieldNetwork)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var judges, photoIDs [][16]byte // binary for pgx (see upsertStatsPG)
	var answerDocs, networks []string
	for i, p := range batch {
		if results[i] != nil {
			continue
		}
		answers, err := json.Marshal(p.b.Answers)
		if err != nil {
			return nil, err
		}
		judges, photoIDs = append(judges, p.b.Judge), append(photoIDs, p.b.Photo)
		answerDocs, networks = append(answerDocs, string(answers)), append(networks, p.b.Network)
		if g.dialect != dialect.Postgres {
			var network any // NULL when unknown
			if p.b.Network != "" {
				network = p.b.Network
			}
			ins.Values(p.b.Judge, p.b.Photo, string(answers), now, network)
		}
	}
	if len(judges) == 0 {
		return nil, nil
	}
	query, args := insertVotesPG, []any{judges, photoIDs, answerDocs, now, networks}
	if g.dialect != dialect.Postgres {
		ins.OnConflict(entsql.ConflictColumns(vote.FieldJudgeID, vote.FieldPhotoID), entsql.DoNothing()).
			Returning(vote.FieldJudgeID, vote.FieldPhotoID)
		query, args = ins.Query()
	}
	stored := make(map[[2]uuid.UUID]bool, len(judges))
	err := entx.QueryRows(ctx, tx, query, args, func(rows *sql.Rows) error {
		var judge, ph uuid.UUID
		if err := rows.Scan(&judge, &ph); err != nil {
			return err
		}
		stored[[2]uuid.UUID{judge, ph}] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inserting votes: %w", err)
	}
	var accepted []Ballot
	for i, p := range batch {
		if results[i] != nil {
			continue
		}
		if stored[[2]uuid.UUID{p.b.Judge, p.b.Photo}] {
			accepted = append(accepted, p.b)
		} else {
			results[i] = errRepeat()
		}
	}
	return accepted, nil
}

// insertVotesPG is insertVotes' statement on PostgreSQL: one text for any
// number of votes, which travel as arrays ("" network: NULL, unknown).
const insertVotesPG = `INSERT INTO ` + vote.Table + ` (` + vote.FieldJudgeID + `, ` + vote.FieldPhotoID + `, ` + vote.FieldAnswers + `, ` +
	vote.FieldCreatedAt + `, ` + vote.FieldNetwork + `)
	SELECT j, p, a::jsonb, $4, NULLIF(n, '') FROM unnest($1::uuid[], $2::uuid[], $3::text[], $5::text[]) AS d(j, p, a, n)
	ON CONFLICT (` + vote.FieldJudgeID + `, ` + vote.FieldPhotoID + `) DO NOTHING
	RETURNING ` + vote.FieldJudgeID + `, ` + vote.FieldPhotoID

func compareUUID(a, b uuid.UUID) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
