package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/panics"
)

// sessionWatch closes the sockets of account sessions that end before
// their token expires (signed out, refreshed away), on any instance: every
// interval it asks the database which of its sockets' sessions still exist,
// in one query.
type sessionWatch struct {
	identity *identity.Service
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	byID    map[int]map[*context.CancelFunc]struct{}
	started bool
	stop    chan struct{}
}

func newSessionWatch(id *identity.Service, interval time.Duration, log *slog.Logger) *sessionWatch {
	return &sessionWatch{identity: id, interval: interval, log: log, byID: map[int]map[*context.CancelFunc]struct{}{}, stop: make(chan struct{})}
}

// watch returns ctx, cancelled when the session ends; it stops watching
// when ctx ends.
func (w *sessionWatch) watch(ctx context.Context, session int) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	key := &cancel
	w.mu.Lock()
	set := w.byID[session]
	if set == nil {
		set = map[*context.CancelFunc]struct{}{}
		w.byID[session] = set
	}
	set[key] = struct{}{}
	if !w.started {
		w.started = true
		go w.run()
	}
	w.mu.Unlock()
	context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.byID[session], key)
		if len(w.byID[session]) == 0 {
			delete(w.byID, session)
		}
	})
	return ctx
}

func (w *sessionWatch) run() {
	defer panics.Recover(w.log, "socket session watch", nil)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.check()
		}
	}
}

func (w *sessionWatch) check() {
	w.mu.Lock()
	ids := make([]int, 0, len(w.byID))
	for id := range w.byID {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	alive, err := w.identity.SessionsAlive(ctx, ids)
	if err != nil {
		w.log.Warn("checking socket sessions", "err", err)
		return
	}
	var ended []context.CancelFunc
	w.mu.Lock()
	for _, id := range ids {
		if !alive[id] {
			for c := range w.byID[id] {
				ended = append(ended, *c)
			}
		}
	}
	w.mu.Unlock()
	for _, c := range ended {
		c()
	}
}

func (w *sessionWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
}
