package integration_test

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/imageproc/imagetest"
)

const serviceStatusQuery = `{ serviceStatus { degradationLevel forced } }`

type serviceStatus struct {
	DegradationLevel string
	Forced           bool
}

func (e *env) serviceStatus(t *testing.T) serviceStatus {
	t.Helper()
	var out struct{ ServiceStatus serviceStatus }
	e.gql(t, "", serviceStatusQuery, nil, &out)
	return out.ServiceStatus
}

// wantRefused checks a response refused by admission control: 503,
// UNAVAILABLE with the reason, a Retry-After header equal to retryAfter.
func wantRefused(t *testing.T, r *response, reason string, retry int) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable || r.code() != "UNAVAILABLE" || r.ext("reason") != reason {
		t.Fatalf("got %d %s %v (%+v), want 503 UNAVAILABLE %s", r.Status, r.code(), r.ext("reason"), r.Errors, reason)
	}
	if got := r.Header.Get("Retry-After"); got != strconv.Itoa(retry) {
		t.Errorf("Retry-After = %q, want %d", got, retry)
	}
	if got, _ := r.ext("retryAfter").(float64); int(got) != retry {
		t.Errorf("extensions.retryAfter = %v, want %d", r.ext("retryAfter"), retry)
	}
}

// refusedCount reads facestat_admissions_refused_total for class from /metrics.
func refusedCount(t *testing.T, e *env, class string) int {
	t.Helper()
	_, body := get(t, e.URL+"/metrics")
	m := regexp.MustCompile(`(?m)^facestat_admissions_refused_total\{class="` + class + `"\} (\d+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no facestat_admissions_refused_total for %s in /metrics", class)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func TestAdmissionRefusesBeyondTheBound(t *testing.T) {
	backends(t, map[string]string{"FACESTAT_ADMIT_READS": "2", "FACESTAT_ADMIT_UPLOADS": "1", "FACESTAT_ADMIT_WAIT": "0s"}, func(t *testing.T, e *env) {
		ctx := context.Background()
		owner := e.account(t, "owner")
		photoID := liveUpload(t, e, owner, true)
		judge := e.anonymous(t)

		// Two reads in flight fill the class: a third is refused at once.
		var held []func()
		for range 2 {
			rel, err := e.App.Admission.Admit(ctx, admission.Reads)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, rel)
		}
		wantRefused(t, e.do(t, request{Query: serviceStatusQuery}), "BUSY", 1)
		// Votes have slots of their own: judging goes on.
		if r := liveVote(t, e, judge, photoID, 30); len(r.Errors) > 0 {
			t.Fatalf("a vote while reads are full: %+v", r.Errors)
		}
		for _, rel := range held {
			rel()
		}
		if got := e.serviceStatus(t); got.DegradationLevel != "NORMAL" {
			t.Errorf("after the reads ended: %+v", got)
		}

		// An upload beyond its class is refused before gqlgen reads it,
		// and nothing is stored.
		rel, err := e.App.Admission.Admit(ctx, admission.Uploads)
		if err != nil {
			t.Fatal(err)
		}
		before := e.snapshot(t)
		wantRefused(t, e.upload(t, owner, "face.jpg", imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft), true), "BUSY", 5)
		if after := e.snapshot(t); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused upload changed the store:\nbefore %v\nafter  %v", before, after)
		}
		rel()

		if n := refusedCount(t, e, "reads"); n != 1 {
			t.Errorf("refused reads in /metrics = %d, want 1", n)
		}
		if n := refusedCount(t, e, "uploads"); n != 1 {
			t.Errorf("refused uploads in /metrics = %d, want 1", n)
		}
	})
}

// tick advances e's admission controller by one synthetic second.
type ticks struct {
	e   *env
	now time.Time
}

func (k *ticks) run(n int) {
	for range n {
		k.now = k.now.Add(time.Second)
		k.e.App.Admission.Tick(context.Background(), k.now)
	}
}

func TestDegradesUnderPressureAndRecovers(t *testing.T) {
	backends(t, map[string]string{"FACESTAT_ADMIT_READS": "1", "FACESTAT_ADMIT_WAIT": "0s"}, func(t *testing.T, e *env) {
		ctx := context.Background()
		owner := e.account(t, "owner")
		photoID := liveUpload(t, e, owner, true)
		k := &ticks{e: e, now: time.Now()}
		k.run(1)

		// Pressure: every second, reads are refused for lack of a slot.
		rel, err := e.App.Admission.Admit(ctx, admission.Reads)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			wantRefused(t, e.do(t, request{Query: serviceStatusQuery}), "BUSY", 1)
			k.run(1)
		}
		rel()
		if got := e.serviceStatus(t); got != (serviceStatus{"PAUSE_UPLOADS", false}) {
			t.Fatalf("after 4 s under pressure: %+v, want PAUSE_UPLOADS chosen automatically", got)
		}

		// Uploads pause; judging, voting and the front page stay up.
		wantRefused(t, e.upload(t, owner, "face.jpg", imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft), true), "UPLOADS_PAUSED", 30)
		judge := e.anonymous(t)
		if p := e.nextPhoto(t, judge); p == nil {
			t.Fatal("nextPhoto served nothing while degraded")
		}
		if r := liveVote(t, e, judge, photoID, 30); len(r.Errors) > 0 {
			t.Fatalf("a vote while degraded: %+v", r.Errors)
		}
		if res, _ := get(t, e.URL+"/"); res.StatusCode != http.StatusOK {
			t.Fatalf("front page while degraded: %d", res.StatusCode)
		}

		// Calm: one level back every 15 s, uploads first.
		k.run(15)
		if got := e.serviceStatus(t); got.DegradationLevel != "STALE_EXTRAS" {
			t.Fatalf("after 15 calm seconds: %+v", got)
		}
		if r := e.upload(t, owner, "face.jpg", imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft), true); len(r.Errors) > 0 {
			t.Fatalf("upload after uploads resumed: %+v", r.Errors)
		}
		k.run(15)
		if got := e.serviceStatus(t); got != (serviceStatus{"NORMAL", false}) {
			t.Fatalf("after 30 calm seconds: %+v", got)
		}
	})
}

// TestOperatorForcesTheLevel: the flag forces one instance; an admin's
// setDegradation forces every instance on the database, and null returns
// them to automatic (the flag's instance to its flag). A forced level
// holds whatever the load; at stale-extras the top lists stop being
// recomputed.
func TestOperatorForcesTheLevel(t *testing.T) {
	t.Parallel()
	url := dbtest.MustCreatePGDatabase(t)
	e1 := startEnv(t, url, map[string]string{"FACESTAT_DEGRADATION": "stale-extras", "FACESTAT_STANDINGS_INTERVAL": "1s", "FACESTAT_MIN_VOTES": "1"})
	e2 := startEnv(t, url, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e1.App.Start(ctx) // its controller ticks every second, its standings every second

	if got := e1.serviceStatus(t); got != (serviceStatus{"STALE_EXTRAS", true}) {
		t.Fatalf("instance with the flag: %+v", got)
	}
	if got := e2.serviceStatus(t); got != (serviceStatus{"NORMAL", false}) {
		t.Fatalf("instance without it: %+v", got)
	}

	const set = `mutation($l: DegradationLevel) { setDegradation(input: {level: $l}) { status { degradationLevel forced } } }`
	setLevel := func(token string, level any) *response {
		return e2.do(t, request{Token: token, Query: set, Vars: map[string]any{"l": level}})
	}
	if r := setLevel("", "NORMAL"); r.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous setDegradation: %s %+v", r.code(), r.Errors)
	}
	plain := e2.account(t, "plain")
	if r := setLevel(plain, "NORMAL"); r.code() != "FORBIDDEN" {
		t.Errorf("a user's setDegradation: %s %+v", r.code(), r.Errors)
	}
	e2.account(t, "admin")
	if _, err := e2.App.DB.Client.User.Update().Where(user.Handle("admin")).SetRole(user.RoleAdmin).Save(ctx); err != nil {
		t.Fatal(err)
	}
	// Roles are read at authentication; a fresh sign-in carries the new one.
	var in struct{ SignIn struct{ Token string } }
	e2.gql(t, "", `mutation { signIn(input: {email: "admin@example.com", password: "correct horse battery"}) { token } }`, nil, &in)
	admin := in.SignIn.Token

	// Stale extras: a photo voted on after the first computation stays out
	// of the top list on e1.
	owner := e1.account(t, "owner")
	photoID := liveUpload(t, e1, owner, true)
	if r := liveVote(t, e1, e1.anonymous(t), photoID, 30); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	topCount := func() int {
		var out struct {
			TopPhotos struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		e1.gql(t, "", `{ topPhotos(questionKey: "age", first: 10) { edges { node { id } } } }`, nil, &out)
		return len(out.TopPhotos.Edges)
	}
	time.Sleep(3 * time.Second) // three standings intervals
	if n := topCount(); n != 0 {
		t.Fatalf("top list recomputed at stale-extras: %d photos", n)
	}

	var out struct {
		SetDegradation struct{ Status serviceStatus }
	}
	setLevel(admin, "NORMAL").decode(t, &out)
	if out.SetDegradation.Status != (serviceStatus{"NORMAL", true}) {
		t.Fatalf("setDegradation(NORMAL) answered %+v", out.SetDegradation.Status)
	}
	waitFor(t, "e1 to follow the shared setting and recompute its top list", func() bool {
		return e1.serviceStatus(t) == (serviceStatus{"NORMAL", true}) && topCount() == 1
	})

	setLevel(admin, "PAUSE_UPLOADS").decode(t, &out)
	wantRefused(t, e2.upload(t, plain, "face.jpg", imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft), true), "UPLOADS_PAUSED", 30)
	waitFor(t, "e1 to pause uploads", func() bool { return e1.serviceStatus(t).DegradationLevel == "PAUSE_UPLOADS" })

	setLevel(admin, nil).decode(t, &out)
	if out.SetDegradation.Status != (serviceStatus{"NORMAL", false}) {
		t.Fatalf("setDegradation(null) answered %+v", out.SetDegradation.Status)
	}
	waitFor(t, "e1 to return to its flag", func() bool { return e1.serviceStatus(t) == (serviceStatus{"STALE_EXTRAS", true}) })
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBusyPageWithTheDatabaseStopped stops the database under a running
// instance: browsers get the static busy page (503, Retry-After) for the
// app's pages and the front page from memory, the API refuses at once with
// DATABASE_DOWN; when the database is back, everything recovers by itself.
func TestBusyPageWithTheDatabaseStopped(t *testing.T) {
	t.Parallel()
	pg := dbtest.StartPrivatePG(t)
	p := startProcess(t, map[string]string{"FACESTAT_DATABASE_URL": pg.URL, "FACESTAT_FRONT_PAGE_INTERVAL": "200ms"})
	p.waitReady(t)
	page := func(path string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, p.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	api := func() (int, string) {
		res, err := http.Post(p.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ nextPhoto { id } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	waitFor(t, "the front page", func() bool { code, body, _ := page("/"); return code == 200 && strings.Contains(body, "facestat-data") })
	if code, body, _ := page("/judge"); code != 200 || strings.Contains(body, "back in a moment") {
		t.Fatalf("/judge with the database up: %d", code)
	}

	pg.Stop()
	waitFor(t, "the busy page", func() bool { code, _, _ := page("/judge"); return code == http.StatusServiceUnavailable })
	code, body, h := page("/photos/abc")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "back in a moment") || h.Get("Retry-After") == "" ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("app page with the database down: %d %q Retry-After %q", code, h.Get("Content-Type"), h.Get("Retry-After"))
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
		h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the busy page's security headers: %v", h)
	}
	if code, body := api(); code != http.StatusServiceUnavailable || !strings.Contains(body, `"DATABASE_DOWN"`) {
		t.Fatalf("API with the database down: %d %s", code, body)
	}
	if code, body, _ := page("/"); code != http.StatusOK || !strings.Contains(body, "facestat-data") {
		t.Fatalf("front page with the database down: %d", code)
	}
	if res, _ := get(t, p.URL+"/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %d", res.StatusCode)
	}

	pg.Start()
	waitFor(t, "recovery", func() bool {
		code, _, _ := page("/judge")
		api, _ := api()
		return code == http.StatusOK && api == http.StatusOK
	})
}
