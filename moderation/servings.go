package moderation

import (
	"bytes"
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photoserving"
	"github.com/facestat/facestat/panics"
)

// Servings records which photos nextPhoto served to which session
// (photo_servings), so that a report can tell whether its reporter was
// shown the photo. nextPhoto's path runs no statement for it: Record only
// queues, and a goroutine writes the queue in batches. The record is
// lossy by design: a full queue or a failed write drops servings (counted
// in Dropped), and a serving lost only means that a report of that photo
// does not count. The guard fails closed. Rows older than ServingsKept
// are swept.
type Servings struct {
	client *ent.Client
	pg     bool // PostgreSQL: a batch is one statement of one text (servingsPG)
	log    *slog.Logger
	queue  chan serving
	flush  chan chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	dropped atomic.Int64
}

type serving struct {
	judge, photo uuid.UUID
	at           time.Time
}

// Limits of the servings writer.
const (
	// ServingsKept is how long a serving is remembered: a report of a
	// photo served longer ago than this (and neither voted on nor
	// public) does not count.
	ServingsKept     = 30 * 24 * time.Hour
	servingsQueue    = 10_000
	servingsBatch    = 500
	servingsWait     = 500 * time.Millisecond
	servingsSweepGap = time.Hour
)

// NewServings starts the writer of servings into client's database, of
// dialectName (entgo.io/ent/dialect). Close stops it.
func NewServings(client *ent.Client, dialectName string, log *slog.Logger) *Servings {
	s := &Servings{client: client, pg: dialectName == dialect.Postgres, log: log, queue: make(chan serving, servingsQueue),
		flush: make(chan chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	panics.Go(log, "servings writer", s.run)
	return s
}

// Record queues that judge was served photo; it never blocks (judging's
// ServingRecorder). When the queue is full the serving is dropped.
func (s *Servings) Record(judge, photo uuid.UUID) {
	select {
	case s.queue <- serving{judge: judge, photo: photo, at: now()}:
	default:
		s.dropped.Add(1)
	}
}

// Dropped returns how many servings were dropped (queue full, or a write
// that failed).
func (s *Servings) Dropped() int64 { return s.dropped.Load() }

// Flush writes every serving queued before it was called, or returns when
// ctx ends. Tests call it; the service never waits for servings.
func (s *Servings) Flush(ctx context.Context) {
	reply := make(chan struct{})
	select {
	case s.flush <- reply:
	case <-s.done:
		return
	case <-ctx.Done():
		return
	}
	select {
	case <-reply:
	case <-ctx.Done():
	}
}

// Close writes what is queued and stops the writer.
func (s *Servings) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

func (s *Servings) run() {
	defer close(s.done)
	ctx := context.Background()
	timer := time.NewTimer(servingsWait)
	defer timer.Stop()
	nextSweep := time.Now().Add(time.Minute) // not at start: a short-lived instance (a test) runs no sweep
	var batch []serving
	write := func() {
		if len(batch) > 0 {
			s.write(ctx, batch)
			batch = batch[:0]
		}
		if time.Now().After(nextSweep) {
			s.sweep(ctx)
			nextSweep = time.Now().Add(servingsSweepGap)
		}
	}
	add := func(sv serving) {
		if batch = append(batch, sv); len(batch) >= servingsBatch {
			write()
		}
	}
	drain := func() {
		for {
			select {
			case sv := <-s.queue:
				add(sv)
			default:
				write()
				return
			}
		}
	}
	for {
		select {
		case sv := <-s.queue:
			add(sv)
		case <-timer.C:
			write()
			timer.Reset(servingsWait)
		case reply := <-s.flush:
			drain()
			close(reply)
		case <-s.stop:
			drain()
			return
		}
	}
}

// write stores a batch in one statement (an upsert: a photo served again
// has its time renewed). When that fails (a photo deleted meanwhile breaks
// its foreign key), each serving is written on its own and those that fail
// are dropped.
func (s *Servings) write(ctx context.Context, batch []serving) {
	type key struct{ judge, photo uuid.UUID }
	latest := make(map[key]time.Time, len(batch))
	for _, sv := range batch {
		latest[key{sv.judge, sv.photo}] = sv.at
	}
	// In (photo, judge) order: the rows' foreign-key checks share-lock
	// their photos in the order the photos' writers lock them (by id), so
	// that two writers of servings, or one and a photo's writer, never
	// wait for each other in a cycle.
	keys := slices.SortedFunc(maps.Keys(latest), func(a, b key) int {
		return cmp.Or(bytes.Compare(a.photo[:], b.photo[:]), bytes.Compare(a.judge[:], b.judge[:]))
	})
	if s.pg {
		judges, photos, at := make([][16]byte, len(keys)), make([][16]byte, len(keys)), make([]time.Time, len(keys))
		for i, k := range keys {
			judges[i], photos[i], at[i] = k.judge, k.photo, latest[k]
		}
		if _, err := s.client.ExecContext(ctx, servingsPG, judges, photos, at); err == nil {
			return
		}
	}
	creates := make([]*ent.PhotoServingCreate, 0, len(latest))
	for _, k := range keys {
		creates = append(creates, s.client.PhotoServing.Create().SetJudgeID(k.judge).SetPhotoID(k.photo).SetServedAt(latest[k]))
	}
	upsert := func(c ...*ent.PhotoServingCreate) error {
		return s.client.PhotoServing.CreateBulk(c...).
			OnConflictColumns(photoserving.FieldJudgeID, photoserving.FieldPhotoID).UpdateServedAt().Exec(ctx)
	}
	if !s.pg {
		if err := upsert(creates...); err == nil {
			return
		}
	}
	for _, c := range creates {
		if err := upsert(c); err != nil {
			s.dropped.Add(1)
			s.log.Debug("dropping a serving", "err", err)
		}
	}
}

// servingsPG is write's statement on PostgreSQL: one text whatever the
// batch's size (ent's bulk insert lists every row's values, a new text
// for each size, planned every time), the rows as three arrays, in the
// arrays' order.
const servingsPG = `INSERT INTO ` + photoserving.Table + ` (` + photoserving.FieldJudgeID + `, ` + photoserving.FieldPhotoID + `, ` + photoserving.FieldServedAt + `)
	SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
	ON CONFLICT (` + photoserving.FieldJudgeID + `, ` + photoserving.FieldPhotoID + `) DO UPDATE SET ` + photoserving.FieldServedAt + ` = EXCLUDED.` + photoserving.FieldServedAt

// sweep deletes servings older than ServingsKept.
func (s *Servings) sweep(ctx context.Context) {
	if _, err := s.client.PhotoServing.Delete().Where(photoserving.ServedAtLT(now().Add(-ServingsKept))).Exec(ctx); err != nil {
		s.log.Warn("sweeping old servings", "err", err)
	}
}
