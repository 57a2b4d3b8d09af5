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
// their token expires (signed out, refreshed away), or whose account's
// role changed since the socket opened (the client reconnects with the new
// role), on any instance: every interval it asks the database which of its
// sockets' sessions still exist, with their roles.
type sessionWatch struct {
	identity *identity.Service
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	byID    map[int]map[*context.CancelCauseFunc]identity.Role // the role each socket opened with
	started bool
	stop    chan struct{}
}

func newSessionWatch(id *identity.Service, interval time.Duration, log *slog.Logger) *sessionWatch {
	return &sessionWatch{identity: id, interval: interval, log: log, byID: map[int]map[*context.CancelCauseFunc]identity.Role{}, stop: make(chan struct{})}
}

// watch returns ctx, cancelled with cause errCredentialEnded when the
// session ends or the role of the viewer ctx carries changes; it stops
// watching when ctx ends.
func (w *sessionWatch) watch(ctx context.Context, session int) context.Context {
	role := identity.FromContext(ctx).Role
	ctx, cancel := context.WithCancelCause(ctx)
	key := &cancel
	w.mu.Lock()
	set := w.byID[session]
	if set == nil {
		set = map[*context.CancelCauseFunc]identity.Role{}
		w.byID[session] = set
	}
	set[key] = role
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
	roles, err := w.identity.SessionRoles(ctx, ids)
	if err != nil {
		w.log.Warn("checking socket sessions", "err", err)
		return
	}
	var ended []context.CancelCauseFunc
	w.mu.Lock()
	for _, id := range ids {
		now, alive := roles[id]
		for c, opened := range w.byID[id] {
			if !alive || now != opened {
				ended = append(ended, *c)
			}
		}
	}
	w.mu.Unlock()
	for _, c := range ended {
		c(errCredentialEnded)
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
