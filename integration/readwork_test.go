package integration_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/facestat/facestat/app"
)

// TestReadWork counts everything a read does (issue 16): the SQL
// statements and the Redis round trips (session, budget, persisted
// document, cache) of a cached photo read, an uncached one and nextPhoto,
// on PostgreSQL and Redis, so that a change that adds a query or a round
// trip fails here rather than in a benchmark.
func TestReadWork(t *testing.T) {
	var sql statementCounter
	var rc redisCounter
	r := startReadEnv(t, nil,
		app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &sql} }),
		app.WithRedisHook(&rc))
	n := 0
	measure := func(token, query string, vars map[string]any) (int64, int, []string) {
		n++
		tag := fmt.Sprintf("work-%d", n)
		sql.start(tag)
		rc.start(tag)
		w := r.serve(r.request(token, query, vars, tag))
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		trips, what := rc.count()
		return sql.n.Load(), trips, what
	}
	vars := map[string]any{"id": r.id}
	for i := range 3 {
		stmts, trips, what := measure(r.token, cachedPhotoRead, vars)
		t.Logf("photo read %d: %d statements, %d round trips %v", i, stmts, trips, what)
	}
	stmts, trips, what := measure(r.token, `{ nextPhoto { id } }`, nil)
	t.Logf("nextPhoto: %d statements, %d round trips %v", stmts, trips, what)
	stmts, trips, what = measure(r.token, `{ __typename }`, nil)
	t.Logf("typename: %d statements, %d round trips %v", stmts, trips, what)
}
