package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
)

// httpStatus is the HTTP status of a request refused outright with code.
// Errors raised while executing an operation answer 200 with the error in
// the body (GraphQL over HTTP), except RATE_LIMITED and THROTTLED (429)
// and UNAVAILABLE (503). docs/ERRORS.md documents the table.
func httpStatus(code facestat.Code) int {
	switch code {
	case facestat.BadUserInput:
		return http.StatusBadRequest
	case facestat.Unauthenticated:
		return http.StatusUnauthorized
	case facestat.Forbidden:
		return http.StatusForbidden
	case facestat.NotFound:
		return http.StatusNotFound
	case facestat.Conflict:
		return http.StatusConflict
	case facestat.RateLimited, facestat.Throttled:
		return http.StatusTooManyRequests
	case facestat.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// extensions returns the extensions a *facestat.Error is presented with.
func extensions(e *facestat.Error) map[string]any {
	ext := map[string]any{"code": string(e.Code)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	if e.Reason != "" {
		ext["reason"] = e.Reason
	}
	if e.RetryAfter > 0 {
		ext["retryAfter"] = retrySeconds(e.RetryAfter)
	}
	return ext
}

func retrySeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// writeError refuses a request before GraphQL sees it, with a body shaped
// like a GraphQL response so clients handle it the same way.
func writeError(w http.ResponseWriter, e *facestat.Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retrySeconds(e.RetryAfter)))
	}
	if e.Code == facestat.Unauthenticated {
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	w.WriteHeader(httpStatus(e.Code))
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": e.Message, "extensions": extensions(e)}},
	})
}

// presentError is the one place errors become what clients see: domain
// errors keep their message and get extensions {code, field, reason,
// retryAfter}; gqlgen's own errors keep their codes; anything else is logged
// with the request id and shown only as "internal error".
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	switch fe := domainError(err); {
	case fe != nil:
		gqlErr.Message = fe.Message
		gqlErr.Extensions = extensions(fe)
	case ent.IsNotFound(err):
		gqlErr.Message = "not found"
		gqlErr.Extensions = map[string]any{"code": string(facestat.NotFound)}
	case gqlErr.Err == nil && gqlErr.Extensions["code"] != nil:
		// gqlgen's own (parse, validation, complexity, persisted query).
	case gqlErr.Err == nil && strings.HasPrefix(gqlErr.Message, "json request body could not be decoded"):
		gqlErr.Message = "the request body is not valid JSON"
		gqlErr.Extensions = map[string]any{"code": "GRAPHQL_PARSE_FAILED"}
	case gqlErr.Err == nil:
		// Request-shape errors gqlgen raises without a code.
		gqlErr.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	default: // INTERNAL and anything unexpected, panics included
		logger(ctx).ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
		gqlErr.Message = "internal error"
		gqlErr.Extensions = map[string]any{"code": string(facestat.Internal), "requestId": requestID(ctx)}
	}
	return gqlErr
}

// domainError returns the first error in err's chain whose code clients
// may see, or nil. An INTERNAL error wrapping one is passed through: a
// database outage met deep inside an operation (UNAVAILABLE, DATABASE_DOWN)
// is presented as such, not as INTERNAL.
func domainError(err error) *facestat.Error {
	var fe *facestat.Error
	for errors.As(err, &fe) {
		if fe.Code != facestat.Internal {
			return fe
		}
		err = fe.Err
	}
	return nil
}

// recoverPanic turns a resolver's panic into an INTERNAL error carrying the
// panic and its stack, which presentError logs with the request id; nothing
// of it reaches the client.
func recoverPanic(_ context.Context, v any) error {
	return &facestat.Error{Code: facestat.Internal, Message: "internal error",
		Err: fmt.Errorf("panic in resolver: %v\n%s", v, debug.Stack())}
}

// codeTransportErrors gives a code to the errors gqlgen's transports write
// without one (an unsupported content type, a malformed multipart request,
// a mutation over GET): the response is buffered only when its status is
// 400 or more, and each error lacking a code gets GRAPHQL_PARSE_FAILED.
func codeTransportErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &codingWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		cw.flush()
	})
}

type codingWriter struct {
	http.ResponseWriter
	status int
	buf    *bytes.Buffer // non-nil when the response is held back for coding
}

func (w *codingWriter) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	if status >= 400 {
		w.buf = &bytes.Buffer{}
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *codingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.buf != nil {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *codingWriter) flush() {
	if w.buf == nil {
		return
	}
	body := w.buf.Bytes()
	var resp struct {
		Errors []map[string]any `json:"errors"`
		Data   json.RawMessage  `json:"data,omitempty"`
	}
	if json.Unmarshal(body, &resp) == nil && len(resp.Errors) > 0 {
		changed := false
		for _, e := range resp.Errors {
			ext, _ := e["extensions"].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				e["extensions"] = ext
			}
			if _, ok := ext["code"]; !ok {
				ext["code"] = "GRAPHQL_PARSE_FAILED"
				changed = true
			}
		}
		if changed {
			body, _ = json.Marshal(resp)
			w.Header().Set("Content-Type", "application/json")
		}
	}
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(body)
}

func (w *codingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
