package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/facestat/facestat/config"
)

// bodyBackstop bounds the whole of a request whose body no handler reads
// (net/http drains up to 256 KiB of it to reuse the connection). Bodies
// FaceStat reads follow min-body-rate instead (see rateReader), which
// replaces this deadline as their bytes arrive.
const bodyBackstop = 2 * time.Minute

// NewHTTPServer returns the http.Server that serves h with cfg's bounds on
// slow clients: the headers must arrive within read-header-timeout and fit
// in max-header-bytes (431 beyond, from net/http), an idle kept-alive
// connection is closed after idle-timeout, and a body no handler reads is
// bounded by bodyBackstop. Write timeouts are left to each response: a
// subscription or a large image may rightly take long.
func NewHTTPServer(cfg *config.Config, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       bodyBackstop,
		IdleTimeout:       cfg.IdleTimeout,
		// net/http allows 4 KiB beyond this before it answers 431.
		MaxHeaderBytes: int(cfg.MaxHeaderBytes),
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
