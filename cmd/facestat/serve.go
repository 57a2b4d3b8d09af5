package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/panics"
)

// serve runs the service until ctx is cancelled (SIGTERM or SIGINT), then
// shuts down gracefully: /readyz turns 503, the listener closes, and
// in-flight requests get ShutdownTimeout to finish.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, log, err := loadConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	app.SetGCPolicy(cfg, getenv, log)
	panics.Go(log, "gc headroom", func() { app.RunGCHeadroom(ctx, cfg, getenv) })
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	srv := a.Server
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	httpSrv := api.NewHTTPServer(cfg, srv, log)
	httpSrv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	panics.Go(a.Log, "session sweeper", func() { sweepSessions(ctx, a) })
	a.Start(ctx)
	srv.SetReady(true)
	url := "http://" + ln.Addr().String()
	log.Info("FaceStat is listening", "url", url, "public_url", cfg.PublicURL, "database", a.DB.Dialect)
	fmt.Fprintf(stdout, "FaceStat is running at %s\n", url)

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "drain_delay", cfg.DrainDelay.String(), "timeout", cfg.ShutdownTimeout.String())
	srv.SetReady(false)
	time.Sleep(cfg.DrainDelay) // the load balancer sees /readyz fail and stops sending
	srv.CloseSockets()         // 1012: subscribers reconnect to another instance
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// sweepSessions deletes expired sessions every hour until ctx ends.
func sweepSessions(ctx context.Context, a *app.App) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.Identity.SweepExpired(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("sweeping sessions", "err", err)
		} else if n > 0 {
			a.Log.Info("swept expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
