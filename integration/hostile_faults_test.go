package integration_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/user"
)

// Guards that hold through faults: a Redis that stalls (CLIENT PAUSE) must
// not bring back what a change during the stall revoked, a role change
// applies on every instance within seconds, and a PostgreSQL outage
// answers UNAVAILABLE with a retry time and heals by itself.

// faultsPause is how long the tests stall Redis; staleReads is how long
// after the stall they keep reading: past the cache's breaker (5 s), when
// an entry whose invalidation was lost used to come back.
const (
	faultsPause = 2 * time.Second
	staleReads  = 8 * time.Second
)

// redisEnv starts one instance on PostgreSQL with the shared cache on a
// Redis of the test's own, which it returns.
func redisEnv(t *testing.T) (*env, *redisServer) {
	t.Helper()
	rs := startRedis(t)
	return startEnv(t, dbtest.MustCreatePGDatabase(t), withSettings(hostileSettings, map[string]string{
		"FACESTAT_REDIS_URL": rs.URL(), "FACESTAT_REDIS_PREFIX": liveRedisPrefix(),
	})), rs
}

// timedDo is e.do, failing the test when the request takes a second or
// more: while Redis stalls, each of its calls costs at most its timeout.
func (e *env) timedDo(t *testing.T, req request) *response {
	t.Helper()
	start := time.Now()
	r := e.do(t, req)
	if took := time.Since(start); took >= time.Second {
		t.Fatalf("a request took %v while Redis stalled; want under 1 s", took)
	}
	return r
}

// viewerID returns the viewer id token answers for, failing on errors.
func (e *env) viewerID(t *testing.T, token string) string {
	t.Helper()
	var out struct{ Viewer struct{ ID string } }
	e.timedDo(t, request{Token: token, Query: `{ viewer { id } }`}).decode(t, &out)
	return out.Viewer.ID
}

// TestHostileSignOutDuringRedisStall: a stranger who stole a token keeps
// using it while its owner signs out during a Redis stall (the cache's
// delete fails). The token is refused from the sign-out on, during the
// stall and after it; an honest account is served throughout, each
// request within a second.
func TestHostileSignOutDuringRedisStall(t *testing.T) {
	e, rs := redisEnv(t)
	stolen, honest := e.account(t, "victim"), e.account(t, "honest")
	e.viewerID(t, stolen) // the session is cached now
	honestID := e.viewerID(t, honest)

	rs.pause(faultsPause)
	stallEnds := time.Now().Add(faultsPause)
	var out struct{ SignOut struct{ Ok bool } }
	e.timedDo(t, request{Token: stolen, Query: `mutation { signOut { ok } }`}).decode(t, &out)
	if !out.SignOut.Ok {
		t.Fatal("signOut did not answer ok")
	}
	reads := 0
	for time.Now().Before(stallEnds.Add(staleReads)) {
		if r := e.timedDo(t, request{Token: stolen, Query: `{ viewer { id } }`}); r.code() != string(facestat.Unauthenticated) {
			t.Fatalf("read %d, %v after the stall began: the signed-out token got %d %s %+v, want UNAUTHENTICATED",
				reads, time.Since(stallEnds)+faultsPause, r.Status, r.Data, r.Errors)
		}
		if id := e.viewerID(t, honest); id != honestID {
			t.Fatalf("the honest account reads viewer %q, want %q", id, honestID)
		}
		reads++
		time.Sleep(100 * time.Millisecond) // paces the reads over the window
	}
}

// TestHostilePrivateDuringRedisStall: a stranger keeps asking for a photo
// its owner makes private during a Redis stall (the cache's delete
// fails): by id, by node id, in the public list and through nextPhoto
// (which still serves it to judge, as it serves every private photo, but
// without its statistics). The photo stays private from the change on,
// during the stall and after it; its owner still sees it. (Its image stays
// fetchable by URL: judges are shown private photos, and image URLs are
// capabilities handed out only with the photo.)
func TestHostilePrivateDuringRedisStall(t *testing.T) {
	e, rs := redisEnv(t)
	owner := e.account(t, "owner")
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.upload(t, owner, "me.jpg", faceJPEG(0), true).decode(t, &up)
	id := up.UploadPhoto.Photo.ID
	stranger := e.anonymous(t)
	const q = `query($id: ID!) {
  photo(id: $id) { id }
  node(id: $id) { id }
  photos(first: 100) { edges { node { id } } }
  nextPhoto { id viewerCanSeeStats }
}`
	// shown reports what of the photo token is shown: by id, by node id,
	// listed, and its statistics through nextPhoto.
	shown := func(token string) (byID, byNode, listed, nextStats bool) {
		t.Helper()
		var out struct {
			Photo, Node *struct{ ID string }
			Photos      struct {
				Edges []struct{ Node struct{ ID string } }
			}
			NextPhoto *struct {
				ID                string
				ViewerCanSeeStats bool
			}
		}
		e.timedDo(t, request{Token: token, Query: q, Vars: map[string]any{"id": id}}).decode(t, &out)
		for _, edge := range out.Photos.Edges {
			listed = listed || edge.Node.ID == id
		}
		nextStats = out.NextPhoto != nil && out.NextPhoto.ID == id && out.NextPhoto.ViewerCanSeeStats
		return out.Photo != nil, out.Node != nil, listed, nextStats
	}
	if byID, byNode, listed, nextStats := shown(stranger); !byID || !byNode || !listed || !nextStats { // the row is cached now
		t.Fatalf("the public photo is not shown to a stranger: by id %v, node %v, listed %v, stats in nextPhoto %v", byID, byNode, listed, nextStats)
	}

	rs.pause(faultsPause)
	stallEnds := time.Now().Add(faultsPause)
	var vis struct {
		SetPhotoVisibility struct{ Photo struct{ IsPublic bool } }
	}
	e.timedDo(t, request{Token: owner, Query: `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: false}) { photo { isPublic } } }`,
		Vars: map[string]any{"id": id}}).decode(t, &vis)
	if vis.SetPhotoVisibility.Photo.IsPublic {
		t.Fatal("setPhotoVisibility left the photo public")
	}
	for reads := 0; time.Now().Before(stallEnds.Add(staleReads)); reads++ {
		if byID, byNode, listed, nextStats := shown(stranger); byID || byNode || listed || nextStats {
			t.Fatalf("read %d: the private photo is shown to a stranger: by id %v, node %v, listed %v, stats in nextPhoto %v",
				reads, byID, byNode, listed, nextStats)
		}
		if byID, byNode, _, _ := shown(owner); !byID || !byNode {
			t.Fatalf("read %d: the owner no longer sees their private photo", reads)
		}
		time.Sleep(100 * time.Millisecond) // paces the reads over the window
	}
}

// TestHostileRoleChangeOnSecondInstance: an account demoted from
// moderator keeps using its session on another instance (sharing the
// database and the cache) that had it cached, and a socket it opened
// there as a moderator: within 5 s that instance applies the demotion (as
// it applies a promotion) and closes the socket. A stranger never sees the
// private photo; its owner always does.
func TestHostileRoleChangeOnSecondInstance(t *testing.T) {
	rs := startRedis(t)
	url := dbtest.MustCreatePGDatabase(t)
	settings := withSettings(hostileSettings, map[string]string{
		"FACESTAT_REDIS_URL": rs.URL(), "FACESTAT_REDIS_PREFIX": liveRedisPrefix(),
		"FACESTAT_WS_SESSION_CHECK": "1s",
	})
	a := startEnv(t, url, settings)
	b := startEnv(t, url, settings)
	owner, mod, stranger := a.account(t, "owner"), a.account(t, "mod"), a.account(t, "stranger")
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	a.upload(t, owner, "me.jpg", faceJPEG(0), false).decode(t, &up)
	id := up.UploadPhoto.Photo.ID
	// Moderators see private photos, accounts that are not the owner do not.
	seesPrivate := func(e *env, token string) bool {
		t.Helper()
		var out struct{ Photo *struct{ ID string } }
		e.gql(t, token, `query($id: ID!) { photo(id: $id) { id } }`, map[string]any{"id": id}, &out)
		return out.Photo != nil
	}
	setRole := func(role user.Role) {
		t.Helper()
		err := a.App.DB.Client.User.Update().Where(user.Handle("mod")).SetRole(role).Exec(context.Background())
		if err != nil {
			t.Fatal(err)
		}
	}
	within5s := func(what string, want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for seesPrivate(b, mod) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s not applied on the second instance within 5 s", what)
			}
			time.Sleep(50 * time.Millisecond) // polling, with the deadline above
		}
	}

	setRole(user.RoleModerator)
	within5s("a promotion", true) // now cached on b as a moderator's session
	// A socket opened as a moderator, watching the private photo live.
	ws := dialWS(t, b.URL, protoTransportWS)
	ws.init(mod)
	ws.subscribe("s", photoStatsSubscription, map[string]any{"id": id})
	ws.nextStats("s", 10*time.Second)
	setRole(user.RoleUser)
	within5s("a demotion", false)
	if _, closed := ws.waitClosed(5 * time.Second); !closed {
		t.Fatal("the demoted moderator's socket stayed open")
	}
	if !seesPrivate(b, owner) || seesPrivate(b, stranger) {
		t.Fatal("the owner must see their private photo, a stranger must not")
	}
}

// TestHostileDatabaseStopped: with its PostgreSQL stopped under it, the
// API answers every operation (reads, a signed-in viewer, mutations)
// UNAVAILABLE with reason DATABASE_DOWN, HTTP 503, Retry-After and
// extensions.retryAfter, never INTERNAL; once the database is back, the
// same requests succeed by themselves. The instance runs no health checks
// (admission's ticker is off in tests), so what answers is how each
// request's own database error is told.
func TestHostileDatabaseStopped(t *testing.T) {
	pg := dbtest.StartPrivatePG(t)
	e := startEnv(t, pg.URL, withSettings(hostileSettings, map[string]string{"FACESTAT_CACHE": "false"}))
	owner := e.account(t, "owner")
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.upload(t, owner, "me.jpg", faceJPEG(0), true).decode(t, &up)
	judge := e.anonymous(t)
	requests := map[string]request{
		"nextPhoto":      {Token: judge, Query: `{ nextPhoto { id } }`},
		"photo":          {Query: `query($id: ID!) { photo(id: $id) { id stats { voteCount } } }`, Vars: map[string]any{"id": up.UploadPhoto.Photo.ID}},
		"viewer":         {Token: owner, Query: `{ viewer { id user { handle } } }`},
		"castVote":       {Token: judge, Query: liveCastVote, Vars: map[string]any{"id": up.UploadPhoto.Photo.ID, "a": answers(30, 5, true, "calm")}},
		"signIn":         {Query: `mutation { signIn(input: {email: "owner@example.com", password: "correct horse battery"}) { token } }`},
		"topPhotosFirst": {Query: `{ photos(first: 10) { edges { node { id } } } }`},
	}

	pg.Stop()
	for name, req := range requests {
		r := e.do(t, req)
		retry, _ := r.ext("retryAfter").(float64)
		if r.Status != http.StatusServiceUnavailable || r.code() != string(facestat.Unavailable) ||
			r.ext("reason") != facestat.ReasonDatabaseDown || retry <= 0 || r.Header.Get("Retry-After") != strconv.Itoa(int(retry)) {
			t.Errorf("%s with the database stopped: %d Retry-After %q %+v; want 503 UNAVAILABLE (DATABASE_DOWN) with a retry time",
				name, r.Status, r.Header.Get("Retry-After"), r.Errors)
		}
	}

	// A socket whose token cannot be checked closes with 4500 (the server
	// failed: retry), not 4403 (the token is bad: sign in again).
	ws := dialWS(t, e.URL, protoTransportWS)
	ws.initMsg(owner)
	if end, ok := ws.waitClosed(15 * time.Second); !ok || end.Code != 4500 {
		t.Errorf("connection_init with the database stopped: closed %v with %d %q (%v), want 4500", ok, end.Code, end.Text, end.Err)
	}

	pg.Start()
	waitFor(t, "the API to recover", func() bool {
		r := e.do(t, requests["viewer"])
		return r.Status == http.StatusOK && len(r.Errors) == 0
	})
	for name, req := range requests {
		if r := e.do(t, req); r.Status != http.StatusOK || r.code() == string(facestat.Unavailable) || r.code() == string(facestat.Internal) {
			t.Errorf("%s after the database came back: %d %+v", name, r.Status, r.Errors)
		}
	}
}
