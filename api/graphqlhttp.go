package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The response media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// graphqlHTTP is GraphQL over HTTP
// (https://graphql.github.io/graphql-over-http/draft/) for GET (queries
// only: any other operation answers 405 with Allow: POST before it runs,
// so a GET never changes anything) and POST with a JSON body. The response
// media type follows Accept (see responseMedia). A request that does not
// get as far as execution (its document does not parse or validate, is
// over a limit, or names an unknown persisted query) answers without
// `data`: under application/graphql-response+json with 400, under
// application/json with 200 as the spec's legacy rules say (and as Apollo's
// persisted queries link expects); a malformed request (not JSON, a
// variables that is not an object, a hash that cannot match) 400 under
// both; RATE_LIMITED, THROTTLED and UNAVAILABLE their own statuses
// (429/503, see withStatus). An operation that ran answers 200 (or 429/503).
type graphqlHTTP struct {
	method string
}

var _ graphql.Transport = graphqlHTTP{}

// Supports implements graphql.Transport.
func (t graphqlHTTP) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != t.method {
		return false
	}
	if t.method == http.MethodGet {
		return true
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == mediaJSON
}

// Do implements graphql.Transport.
func (t graphqlHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := responseMedia(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	ctx := context.WithValue(r.Context(), httpRequestKey{}, r)
	raw, bad := t.params(r)
	if bad != "" {
		writeGraphQL(w, http.StatusBadRequest, &graphql.Response{Errors: gqlerror.List{{Message: bad,
			Extensions: map[string]any{"code": "GRAPHQL_PARSE_FAILED"}}}}, false)
		return
	}
	raw.Headers = r.Header
	raw.ReadTime.Start, raw.ReadTime.End = graphql.Now(), graphql.Now()
	oc, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		writeGraphQL(w, refusedStatus(resp, media), resp, false)
		return
	}
	if op := oc.Doc.Operations.ForName(oc.OperationName); t.method == http.MethodGet && (op == nil || op.Operation != ast.Query) {
		w.Header().Set("Allow", http.MethodPost)
		writeGraphQL(w, http.StatusMethodNotAllowed, &graphql.Response{Errors: gqlerror.List{{
			Message:    "GET runs queries only: send mutations and subscriptions by POST",
			Extensions: map[string]any{"code": "METHOD_NOT_ALLOWED"}}}}, false)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{}
	}
	status, _ := responseStatus(resp)
	if status == http.StatusOK && len(resp.Errors) == 0 && publicQuery(r, oc.Doc.Operations.ForName(oc.OperationName)) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(publicMaxAge))
	}
	writeGraphQL(w, status, resp, true)
}

// params reads a request's GraphQL parameters, or says why it cannot.
func (t graphqlHTTP) params(r *http.Request) (*graphql.RawParams, string) {
	raw := &graphql.RawParams{}
	if t.method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, "the query string does not parse"
		}
		raw.Query, raw.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" && decodeObject(v, &raw.Variables) != nil {
			return nil, "variables must be a JSON object"
		}
		if v := q.Get("extensions"); v != "" && decodeObject(v, &raw.Extensions) != nil {
			return nil, "extensions must be a JSON object"
		}
		return raw, ""
	}
	var p struct {
		Query         *string        `json:"query"`
		OperationName *string        `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	// The body serveJSON read and bounded, decoded where it lies (no
	// second copy of it, nor a string of it).
	if err := decodeJSON(r.Body, &p); err != nil {
		return nil, "the request body is not a JSON object of GraphQL parameters (query, operationName, variables, extensions)"
	}
	if p.Query != nil {
		raw.Query = *p.Query
	}
	if p.OperationName != nil {
		raw.OperationName = *p.OperationName
	}
	raw.Variables, raw.Extensions = p.Variables, p.Extensions
	return raw, ""
}

// decodeObject decodes one JSON value into v, numbers as json.Number, and
// refuses anything after it.
func decodeObject(s string, v any) error {
	return decodeJSON(strings.NewReader(s), v)
}

// decodeJSON is decodeObject reading from r.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// refusedStatus is the status of a request refused before execution.
func refusedStatus(resp *graphql.Response, media string) int {
	if status, _ := responseStatus(resp); status != http.StatusOK {
		return status
	}
	for _, e := range resp.Errors {
		if code, _ := e.Extensions["code"].(string); code == codePQHashMismatch || code == codePQNotSupported {
			return http.StatusBadRequest
		}
	}
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// writeGraphQL writes resp with status; data only when the operation ran
// (a response without `data` says nothing ran).
func writeGraphQL(w http.ResponseWriter, status int, resp *graphql.Response, ran bool) {
	var data json.RawMessage
	if ran {
		data = resp.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
	}
	b, err := encodeResponse(resp.Errors, data, resp.Extensions)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
		status = http.StatusInternalServerError
	}
	if resp.Errors != nil {
		if _, retry := responseStatus(resp); retry > 0 && w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", strconv.Itoa(retry))
		}
	}
	w.WriteHeader(status)
	w.Write(b)
}

// encodeResponse is the JSON of a response, as encoding/json's encoder
// writes it. An answer without errors whose data holds none of the
// characters the encoder escapes (plainJSON) is put together without the
// encoder's second pass over the data (checking, compacting and escaping
// it): gqlgen writes valid, compact JSON (it escapes control characters
// and refuses NaN and infinities), which that pass would leave as it is.
func encodeResponse(errs gqlerror.List, data json.RawMessage, ext map[string]any) ([]byte, error) {
	if errs != nil || data == nil || !plainJSON(data) {
		var b bytes.Buffer
		err := json.NewEncoder(&b).Encode(struct {
			Errors     gqlerror.List   `json:"errors,omitempty"`
			Data       json.RawMessage `json:"data,omitempty"`
			Extensions map[string]any  `json:"extensions,omitempty"`
		}{errs, data, ext})
		return b.Bytes(), err
	}
	b := make([]byte, 0, len(data)+64)
	b = append(b, `{"data":`...)
	b = append(b, data...)
	if len(ext) > 0 {
		e, err := json.Marshal(ext)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"extensions":`...)
		b = append(b, e...)
	}
	return append(b, "}\n"...), nil
}

// plainJSON reports whether data, compact JSON that gqlgen wrote, holds
// none of the characters encoding/json escapes: '<', '>' and '&' (for
// HTML), U+2028 and U+2029 (whose UTF-8 begins 0xE2, which other
// characters share: those answers take the encoder's way).
func plainJSON(data []byte) bool {
	for _, c := range data {
		switch c {
		case '<', '>', '&', 0xE2:
			return false
		}
	}
	return true
}

// responseMedia chooses the response's media type from Accept: the
// acceptable one of application/graphql-response+json and application/json
// with the highest q (the first listed on a tie); application/json for
// */*, application/*, no Accept, or nothing acceptable (the spec lets a
// server disregard an Accept it cannot satisfy).
func responseMedia(accept string) string {
	best, bestQ := mediaJSON, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		var m string
		switch mt {
		case mediaGraphQLResponse, mediaJSON:
			m = mt
		case "*/*", "application/*":
			m = mediaJSON
		default:
			continue
		}
		if q > 0 && q > bestQ {
			best, bestQ = m, q
		}
	}
	return best
}

// publicMaxAge is how long a shared cache may keep a public answer
// (Cache-Control: public, max-age): short, since a photo may be hidden or
// made private at any time.
const publicMaxAge = 30

// graphqlVary is the Vary of every /graphql answer: what the answer may
// depend on besides the URL (rs/cors adds Origin).
const graphqlVary = "Accept, Authorization, Cookie, X-Api-Key"

// graphqlCaching marks every /graphql answer private, no-store, with the
// Vary above; graphqlHTTP makes a public one of the few that are the same
// for every viewer (see publicQuery).
func graphqlCaching(next http.Handler) http.Handler {
	return noStore(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", graphqlVary)
		next.ServeHTTP(w, r)
	}))
}

// publicFields are the fields whose values are the same for every viewer,
// by type: an operation sent by GET without credentials that selects only
// these (and __typename) may be kept by shared caches. Left out on
// purpose: anything about the viewer (viewer, viewerHasVoted,
// viewerCanSeeStats, nextPhoto), who posted a photo, its statistics (shown
// to some viewers only), its survey, consent and moderation state, a photo
// by id (private photos are reachable by link), node/nodes, moderation
// lists and the service status.
var publicFields = map[string]map[string]bool{
	"Query":           {"questions": true, "photos": true, "topPhotos": true},
	"Question":        {"id": true, "key": true, "prompt": true, "kind": true, "min": true, "max": true},
	"PhotoConnection": {"edges": true, "nodes": true, "pageInfo": true},
	"PhotoEdge":       {"cursor": true, "node": true},
	"PageInfo":        {"hasNextPage": true, "hasPreviousPage": true, "startCursor": true, "endCursor": true},
	"Photo":           {"id": true, "imageUrl": true, "thumbnailUrl": true, "width": true, "height": true, "createdAt": true, "isPublic": true, "voteCount": true},
}

// publicQuery reports whether op, sent as r, may be kept by shared caches:
// a GET query without credentials (no Authorization, X-Api-Key or Cookie
// header at all) selecting only publicFields.
func publicQuery(r *http.Request, op *ast.OperationDefinition) bool {
	if r.Method != http.MethodGet || op == nil || op.Operation != ast.Query ||
		r.Header.Get("Authorization") != "" || r.Header.Get("X-Api-Key") != "" || len(r.Header.Values("Cookie")) > 0 {
		return false
	}
	return publicSelection(op.SelectionSet, 0)
}

func publicSelection(set ast.SelectionSet, depth int) bool {
	if depth > 32 { // fragments are checked for cycles by validation; this is a backstop
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				continue
			}
			if s.ObjectDefinition == nil || !publicFields[s.ObjectDefinition.Name][s.Name] || !publicSelection(s.SelectionSet, depth+1) {
				return false
			}
		case *ast.InlineFragment:
			if !publicSelection(s.SelectionSet, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !publicSelection(s.Definition.SelectionSet, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
