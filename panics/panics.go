// Package panics is the one place FaceStat recovers from panics: every
// goroutine FaceStat starts, the loops that must outlive one bad iteration
// and the HTTP layer's recover middleware all come through here, so a
// panic is logged as a panic in what (the value and the stack) and never
// takes the process down. (A resolver's panic is turned into an INTERNAL
// error by gqlgen's recover hook, api.recoverPanic, and logged with the
// request id by the error presenter.)
package panics

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover, when deferred, stops a panic of the calling goroutine, logs it
// as a panic in what (with the stack) and, when then is not nil, calls it
// with the panic's value. It must be deferred directly:
//
//	defer panics.Recover(log, "vote ingester", func(v any) { ... })
func Recover(log *slog.Logger, what string, then func(v any)) {
	if v := recover(); v != nil {
		Log(log, what, v)
		if then != nil {
			then(v)
		}
	}
}

// Catch, when deferred, stops a panic of the calling goroutine and calls
// then with its value, logging nothing: for code that hands the value to a
// hook that logs it (gqlgen's recover func, api.recoverPanic, as the
// generated resolvers' own recovery does; see graph/inline.go). Defer it
// directly, like Recover.
func Catch(then func(v any)) {
	if v := recover(); v != nil {
		then(v)
	}
}

// RecoverHandler is Recover for an HTTP handler: http.ErrAbortHandler,
// net/http's own way of aborting a response, is no bug and goes on to the
// server, which expects it. Defer it directly, like Recover.
func RecoverHandler(log *slog.Logger, what string, then func(v any)) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	Log(log, what, v)
	if then != nil {
		then(v)
	}
}

// Log logs v, the value of a panic in what, with the current stack.
func Log(log *slog.Logger, what string, v any) {
	if log == nil {
		log = slog.Default()
	}
	log.Error("panic in "+what, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
}

// Go runs fn in a new goroutine that logs a panic instead of crashing the
// process.
func Go(log *slog.Logger, what string, fn func()) {
	go func() {
		defer Recover(log, what, nil)
		fn()
	}()
}

// Error turns v, the value of a recovered panic, into an error.
func Error(v any) error {
	if err, ok := v.(error); ok {
		return fmt.Errorf("panic: %w", err)
	}
	return fmt.Errorf("panic: %v", v)
}
