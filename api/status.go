package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/facestat/facestat"
)

// withStatus runs a gqlgen HTTP transport (GET, POST, multipart) so that
// an operation's HTTP status follows from its response: GraphQL over HTTP
// answers 200 whatever the errors, except that an operation refused with
// RATE_LIMITED or THROTTLED answers 429 and one refused with UNAVAILABLE
// 503, each with Retry-After, the longest retryAfter of its errors
// (docs/ERRORS.md). The status is read from the response the transport is
// about to write, never passed along beside it.
type withStatus struct{ graphql.Transport }

// Do implements graphql.Transport.
func (t withStatus) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t.Transport.Do(w, r, statusExecutor{GraphExecutor: exec, w: w})
}

// statusExecutor sets w's status from the first response of each
// operation it dispatches, just before the transport writes it.
type statusExecutor struct {
	graphql.GraphExecutor
	w http.ResponseWriter
}

// DispatchOperation implements graphql.GraphExecutor.
func (e statusExecutor) DispatchOperation(ctx context.Context, rc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	next, ctx := e.GraphExecutor.DispatchOperation(ctx, rc)
	first := true
	return func(ctx context.Context) *graphql.Response {
		resp := next(ctx)
		if first && resp != nil {
			first = false
			if status, retry := responseStatus(resp); status != http.StatusOK {
				if retry > 0 {
					e.w.Header().Set("Retry-After", strconv.Itoa(retry))
				}
				e.w.WriteHeader(status)
			}
		}
		return resp
	}, ctx
}

// responseStatus is the HTTP status of an operation's response and its
// Retry-After in seconds (0: none), from its errors' extensions.
func responseStatus(resp *graphql.Response) (status, retryAfter int) {
	status = http.StatusOK
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if code != string(facestat.RateLimited) && code != string(facestat.Throttled) && code != string(facestat.Unavailable) {
			continue
		}
		status = httpStatus(facestat.Code(code))
		if n, ok := e.Extensions["retryAfter"].(int); ok {
			retryAfter = max(retryAfter, n)
		}
	}
	return status, retryAfter
}
