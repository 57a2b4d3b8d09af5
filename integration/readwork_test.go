package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/relay"
)

// TestReadWork counts everything a read does (issue 16): the SQL
// statements and the Redis round trips (session, budget, persisted
// document, cache) of a cached photo read, an uncached one and nextPhoto,
// on PostgreSQL and Redis with the shipped near cache and budget leases,
// so that a change that adds a query or a round trip fails here rather
// than in a benchmark. Each request is told apart by its X-Request-Id: the
// instance's background work does not count.
func TestReadWork(t *testing.T) {
	var sql statementCounter
	var rc redisCounter
	// Near-cached entries and budget leases last a minute here: the test
	// counts the work of each request in a steady state, and on a loaded
	// machine (CI) more than a second may pass between two of them, after
	// which an expired lease's round trips (a refund, a new lease) counted.
	r := startReadEnv(t, map[string]string{"FACESTAT_NEAR_CACHE_TTL": "1m", "FACESTAT_BUDGET_LEASE_TTL": "1m", "FACESTAT_VOTE_LEASE_TTL": "1m"},
		app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &sql} }),
		app.WithRedisHook(&rc))
	n := 0
	measure := func(what, query string, vars map[string]any) (int64, int) {
		t.Helper()
		n++
		tag := fmt.Sprintf("work-%d", n)
		sql.start(tag)
		rc.start(tag)
		w := r.serve(r.request(r.token, query, vars, tag))
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
			t.Fatalf("%s: status %d: %s", what, w.Code, w.Body)
		}
		trips, sent := rc.count()
		t.Logf("%s: %d statements, %d Redis round trips %v", what, sql.n.Load(), trips, sent)
		return sql.n.Load(), trips
	}
	check := func(what string, stmts int64, trips int, maxStmts int64, maxTrips int) {
		t.Helper()
		if stmts > maxStmts || trips > maxTrips {
			t.Errorf("%s: %d statements and %d Redis round trips, want at most %d and %d", what, stmts, trips, maxStmts, maxTrips)
		}
	}

	// Cached: photo, owner and statistics are in the near cache; the
	// anonymous session is a signed token; the budget is a lease in hand.
	// The warming read fills the near cache, unless an invalidation of the
	// same shard came in meanwhile (Near.Put): the setup's own writes are
	// heard back through Redis, later on a loaded machine. So it is read
	// until one read is answered from the near cache, then three more must
	// be.
	for i := 0; ; i++ {
		stmts, trips := measure("warming", cachedPhotoRead, map[string]any{"id": r.id})
		if stmts == 0 && trips == 0 {
			break
		}
		if i == 20 {
			t.Fatal("20 reads of the same photo and none was answered from the near cache")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := range 3 {
		stmts, trips := measure(fmt.Sprintf("cached photo read %d", i), cachedPhotoRead, map[string]any{"id": r.id})
		check("a cached photo read", stmts, trips, 0, 0)
	}

	// Uncached: another photo of the same owner, in no cache. Its row and
	// its statistics are read (one statement each: only what was asked
	// for) and written to Redis; each of its keys is looked up once.
	ctx := context.Background()
	p, err := r.e.App.DB.Photo.Create().SetOwnerID(r.ownerID).SetIsPublic(true).
		SetImageKey("img/r/1.jpg").SetThumbKey("thumb/r/1.jpg").
		SetWidth(800).SetHeight(1000).SetThumbWidth(80).SetThumbHeight(100).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stmts, trips := measure("uncached photo read", cachedPhotoRead, map[string]any{"id": relay.ID("Photo", p.ID)})
	// photo: MGET, script; statistics: MGET, script (3 statements: the
	// aggregates' tables); the owner is near-cached.
	check("an uncached photo read", stmts, trips, 4, 4)

	// nextPhoto: one statement, the row it draws from the instance's head
	// of the judging order, read only if the judge has neither voted on
	// nor skipped it: the instance remembers what this judge judged (its
	// first nextPhoto read it, its castVote added to it). The head is read
	// in the background every 200 ms, for every request, as the instance's
	// work: p was inserted behind the photo service's back, so it is told,
	// and a first request waits for the head's scan.
	r.e.App.Photos.JudgingOrderChanged()
	measure("nextPhoto, the head read", `{ nextPhoto { id imageUrl } }`, nil)
	var next struct{ NextPhoto struct{ ID string } }
	r.post(t, r.token, `{ nextPhoto { id } }`, nil, &next)
	if want := relay.ID("Photo", p.ID); next.NextPhoto.ID != want {
		t.Fatalf("nextPhoto served %q, want %q (the one photo the judge has not judged)", next.NextPhoto.ID, want)
	}
	stmts, trips = measure("nextPhoto", `{ nextPhoto { id imageUrl } }`, nil)
	check("nextPhoto", stmts, trips, 1, 0)

	stmts, trips = measure("{ __typename }", `{ __typename }`, nil)
	check("{ __typename }", stmts, trips, 0, 0)

	// A signed-in account's session: read from the database and cached in
	// Redis by its first request (with its budget's first lease), read from
	// Redis by the next (one round trip), then kept in the near cache like
	// the rows.
	r.token = r.e.account(t, "signedin")
	stmts, trips = measure("account's first read", cachedPhotoRead, map[string]any{"id": r.id})
	check("an account's first photo read", stmts, trips, 2, 3)
	stmts, trips = measure("account's second read", cachedPhotoRead, map[string]any{"id": r.id})
	check("an account's second photo read", stmts, trips, 0, 1)
	stmts, trips = measure("account's cached photo read", cachedPhotoRead, map[string]any{"id": r.id})
	check("an account's cached photo read", stmts, trips, 0, 0)

	// castVote (last: its vote moves the photo's cached figures on): a
	// new judge's first vote takes a lease of its rate limit per judge
	// (one round trip; the client address's lease is in hand, taken by
	// the setup's votes); the vote's budget is a lease in hand. The vote
	// batch's own writes (aggregates to the cache, the live-results bus)
	// belong to the ingester, not the request. Its next vote (below)
	// costs no round trip.
	var s struct{ StartAnonymousSession struct{ Token string } }
	r.post(t, "", `mutation { startAnonymousSession { token } }`, nil, &s)
	r.token = s.StartAnonymousSession.Token
	measure("a judge's first read", cachedPhotoRead, map[string]any{"id": r.id}) // the new judge's budget lease
	_, trips = measure("castVote", castVote, map[string]any{"id": r.id, "answers": answers(40, 7, true, "kind")})
	check("a judge's first castVote", 0, trips, 0, 1)

	// An image of a photo being judged: its keys and visibility are cached
	// apart from its row (cache.PhotoAccessKey), so a vote on the photo,
	// which drops the row, leaves them in the near cache: serving it costs
	// no statement and no round trip.
	pid := uuid.New()
	face := imagetest.JPEGWithMetadata(80, 100, 1, imagetest.TopLeft)
	p2, err := r.e.App.DB.Photo.Create().SetID(pid).SetOwnerID(r.ownerID).SetIsPublic(true).
		SetImageKey("img/" + pid.String() + "/v0/" + blob.Key("", face, ".jpg")).
		SetThumbKey("thumb/" + pid.String() + "/v0/" + blob.Key("", face, ".jpg")).
		SetWidth(80).SetHeight(100).SetThumbWidth(80).SetThumbHeight(100).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.e.App.Blobs.Put(ctx, p2.ImageKey, face, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	image := func(what string) (int64, int) {
		t.Helper()
		n++
		tag := fmt.Sprintf("work-%d", n)
		sql.start(tag)
		rc.start(tag)
		req := httptest.NewRequest(http.MethodGet, "/images/"+p2.ImageKey, nil)
		req.Header.Set("X-Request-Id", tag)
		w := httptest.NewRecorder()
		r.e.App.Server.ServeHTTP(w, req)
		trips, sent := rc.count()
		t.Logf("%s: status %d, %d statements, %d Redis round trips %v", what, w.Code, sql.n.Load(), trips, sent)
		if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), face) {
			t.Fatalf("%s: status %d, %d bytes; want 200 and the image", what, w.Code, w.Body.Len())
		}
		return sql.n.Load(), trips
	}
	if stmts, _ := image("an image's first request"); stmts < 1 {
		t.Fatal("an image's first request read nothing: its access was cached before")
	}
	measure("reading the photo, so its row is cached", cachedPhotoRead, map[string]any{"id": relay.ID("Photo", pid)})
	if _, ok := r.e.App.Photos.Cached(pid); !ok {
		t.Fatal("the photo's row is not in the near cache")
	}
	_, trips = measure("castVote, the judge's second", castVote, map[string]any{"id": relay.ID("Photo", pid), "answers": answers(41, 6, false, "calm")})
	check("a judge's second castVote", 0, trips, 0, 0)
	// The vote's drop of the row runs after its commit (the near cache
	// keeps entries for a minute here, so only the drop takes it out).
	waitFor(t, "the vote to drop the photo's cached row", func() bool { _, ok := r.e.App.Photos.Cached(pid); return !ok })
	stmts, trips = image("an image after a vote on its photo")
	check("an image after a vote on its photo", stmts, trips, 0, 0)
}
