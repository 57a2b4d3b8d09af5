package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/redis/redistest"
	"github.com/facestat/facestat/relay"
)

// cachedPhotoRead is the read of issue 16: one public photo with its
// owner and statistics, as bench/reads sends it.
const cachedPhotoRead = `query($id: ID!) { photo(id: $id) { id imageUrl width height createdAt owner { handle }
	stats { voteCount questions { count mean interval { low high } } } } }`

// readEnv is a FaceStat on PostgreSQL and a Redis of its own with one
// public photo that has votes, and an anonymous session to read it with.
type readEnv struct {
	e     *env
	id    string
	token string
	// ownerID owns the photo.
	ownerID uuid.UUID
	rdb     *goredis.Client // the Redis FaceStat uses
}

func startReadEnv(tb testing.TB, settings map[string]string, opts ...app.Option) *readEnv {
	tb.Helper()
	redisURL := redistest.Start(tb)
	vars := map[string]string{"FACESTAT_REDIS_URL": redisURL, "FACESTAT_REDIS_PREFIX": liveRedisPrefix()}
	for k, v := range settings {
		vars[k] = v
	}
	e := startEnv(tb, dbtest.MustCreatePGDatabase(tb), vars, opts...)
	ctx := context.Background()
	owner, err := e.App.DB.User.Create().SetHandle("reader").SetEmail("reader@example.com").Save(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := e.App.DB.Photo.Create().SetOwnerID(owner.ID).SetIsPublic(true).
		SetImageKey("img/r/0.jpg").SetThumbKey("thumb/r/0.jpg").
		SetWidth(800).SetHeight(1000).SetThumbWidth(80).SetThumbHeight(100).Save(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	opt, _ := goredis.ParseURL(redisURL)
	r := &readEnv{e: e, id: relay.ID("Photo", p.ID), rdb: goredis.NewClient(opt), ownerID: owner.ID}
	tb.Cleanup(func() { r.rdb.Close() })
	for i := range 3 { // votes, so the statistics have rows
		var s struct{ StartAnonymousSession struct{ Token string } }
		r.post(tb, "", `mutation { startAnonymousSession { token } }`, nil, &s)
		judge := s.StartAnonymousSession.Token
		var next struct{ NextPhoto struct{ ID string } }
		r.post(tb, judge, `{ nextPhoto { id } }`, nil, &next)
		if next.NextPhoto.ID != r.id {
			tb.Fatalf("nextPhoto: %q, want %q", next.NextPhoto.ID, r.id)
		}
		r.post(tb, judge, castVote, map[string]any{"id": r.id, "answers": answers(25+i, 4+i, i%2 == 0, "calm")}, &struct{}{})
		r.token = judge
	}
	return r
}

// post sends one GraphQL request through the server's handler (no
// network) and decodes its data into v.
func (r *readEnv) post(tb testing.TB, token, query string, vars map[string]any, v any) {
	tb.Helper()
	w := r.serve(r.request(token, query, vars, ""))
	var out struct {
		Data   json.RawMessage
		Errors []gqlError
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || len(out.Errors) > 0 || w.Code != http.StatusOK {
		tb.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(out.Data, v); err != nil {
		tb.Fatal(err)
	}
}

// request returns the body and headers of a GraphQL POST.
func (r *readEnv) request(token, query string, vars map[string]any, requestID string) func() *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return func() *http.Request {
		hr := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		hr.RemoteAddr = "192.0.2.1:1234"
		hr.Header.Set("Content-Type", "application/json")
		if token != "" {
			hr.Header.Set("Authorization", "Bearer "+token)
		}
		if requestID != "" {
			hr.Header.Set("X-Request-Id", requestID)
		}
		return hr
	}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU is the CPU time the Redis server has used (INFO cpu).
func (r *readEnv) redisCPU(tb testing.TB) time.Duration {
	info, err := r.rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		tb.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\r\n") {
		for _, k := range []string{"used_cpu_sys:", "used_cpu_user:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
			}
		}
	}
	return time.Duration(total * float64(time.Second))
}

func (r *readEnv) serve(req func() *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.e.App.Server.ServeHTTP(w, req())
	return w
}

// BenchmarkCachedPhotoRead is issue 16's read target in process: the
// cached photo read (photo, owner, statistics) against the smallest
// request, { __typename }, on the same server (PostgreSQL and a Redis of
// its own) through the real HTTP handler, one request at a time, with the
// anonymous session a judge has. The ratio of their ns/op is the ratio of
// their CPU (GOMAXPROCS aside: the handler's goroutines show up in both).
// make bench-read-cpu runs it; docs/PERFORMANCE.md has the figures.
//
// The process runs with the shipped GC policy, as facestat serve does
// (app.SetGCPolicy: gc-percent, memory-limit-percent; app.RunGCHeadroom:
// gc-headroom); GOGC=100 in the environment measures Go's default instead.
func BenchmarkCachedPhotoRead(b *testing.B) {
	r := startReadEnv(b, nil)
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // restored after
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	app.SetGCPolicy(r.e.App.Config, os.Getenv, slog.New(slog.DiscardHandler))
	ctx, stop := context.WithCancel(context.Background())
	tuned := make(chan struct{})
	go func() { defer close(tuned); app.RunGCHeadroom(ctx, r.e.App.Config, os.Getenv) }()
	defer func() { stop(); <-tuned }() // before the GC settings are restored
	var typenameCPU float64            // µs per { __typename }
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{"typename", `{ __typename }`, nil, `"Query"`},
		{"photo", cachedPhotoRead, map[string]any{"id": r.id}, `"handle":"reader"`},
	} {
		req := r.request(r.token, c.query, c.vars, "")
		w := r.serve(req) // warms the caches
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), c.want) || strings.Contains(w.Body.String(), `"errors"`) {
			b.Fatalf("%s: status %d: %s", c.name, w.Code, w.Body)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu, redisCPU, hits := processCPU(b), r.redisCPU(b), r.e.App.Server.RenderedReadHits()
			for b.Loop() {
				if w := r.serve(req); w.Code != http.StatusOK {
					b.Fatal(fmt.Sprint(w.Code, w.Body))
				}
			}
			perOp := float64((processCPU(b) - cpu).Microseconds()) / float64(b.N)
			b.ReportMetric(perOp, "cpu-µs/op")
			if c.name == "typename" {
				typenameCPU = perOp
			} else if typenameCPU > 0 {
				b.ReportMetric(perOp/typenameCPU, "x-typename-cpu")
			}
			b.ReportMetric(float64((r.redisCPU(b)-redisCPU).Microseconds())/float64(b.N), "redis-cpu-µs/op")
			// The share answered from rendered bytes (api/rendered.go).
			b.ReportMetric(float64(r.e.App.Server.RenderedReadHits()-hits)/float64(b.N), "rendered/op")
		})
	}
}
