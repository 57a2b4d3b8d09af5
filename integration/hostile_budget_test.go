package integration_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The budget attacks: a stranger who sends costly documents as fast as it
// can spends its own budget and is refused with THROTTLED, on every
// instance, while others are served; and a stranger who stops or stalls
// Redis does not lift the limits.

// costly is a document that costs (and, actually resolved, spends) tens
// of units or more, whatever the pricing: ten aliases of the survey's
// questions.
var costly = func() string {
	var b strings.Builder
	b.WriteString("{")
	for i := range 10 {
		fmt.Fprintf(&b, " q%d: questions { id key prompt kind min max }", i)
	}
	return b.String() + " }"
}()

// cheap is what an honest client sends meanwhile.
const cheap = `{ serviceStatus { degradationLevel } }`

// budgetSettings make the per-address budget small, as small as the price
// limit (5000 units: a few dozen costly documents); refill is slow unless
// a test says otherwise.
var budgetSettings = withSettings(hostileSettings, map[string]string{
	"FACESTAT_MAX_COMPLEXITY": "5000",
	"FACESTAT_BUDGET_IP":      "5000/1h",
})

// spend sends costly from ip until it is THROTTLED, and returns that
// refusal; every answer before must be a success.
func spend(t *testing.T, e *env, ip string) *response {
	t.Helper()
	return spendOn(t, e, ip, costly)
}

// spendOn sends query from ip until it is THROTTLED, and returns that
// refusal; every answer before must be a success.
func spendOn(t *testing.T, e *env, ip, query string) *response {
	t.Helper()
	for i := range 1000 {
		resp := e.do(t, request{Header: from(ip), Query: query})
		if resp.code() == "THROTTLED" {
			if i == 0 {
				t.Fatal("the first request was already THROTTLED")
			}
			t.Logf("THROTTLED after %d requests: %s", i, resp.Errors[0].Message)
			return resp
		}
		if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
			t.Fatalf("costly request %d: %d %+v", i, resp.Status, resp.Errors)
		}
	}
	t.Fatal("1000 requests from one address were never THROTTLED")
	return nil
}

// checkThrottled checks a THROTTLED answer: 429, with a retry time in
// Retry-After and extensions.retryAfter, the same; it returns that time.
func checkThrottled(t *testing.T, resp *response) time.Duration {
	t.Helper()
	if resp.code() != "THROTTLED" || resp.Status != http.StatusTooManyRequests {
		t.Fatalf("got %d %+v, want 429 THROTTLED", resp.Status, resp.Errors)
	}
	retry, _ := resp.Errors[0].Extensions["retryAfter"].(float64)
	header, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if retry < 1 || err != nil || float64(header) != retry {
		t.Fatalf("retryAfter %v, Retry-After %q: want the same whole number of seconds, at least 1", retry, resp.Header.Get("Retry-After"))
	}
	return time.Duration(retry) * time.Second
}

// served checks that query from ip is answered without errors.
func served(t *testing.T, e *env, ip, query string) {
	t.Helper()
	if resp := e.do(t, request{Header: from(ip), Query: query}); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("%s from %s: %d %+v", query, ip, resp.Status, resp.Errors)
	}
}

// TestHostileBudgetSpent: a stranger spending its address's budget is
// refused with THROTTLED and a retry time, an honest client elsewhere is
// served meanwhile, and after the advertised time the budget has refilled.
func TestHostileBudgetSpent(t *testing.T) {
	e := startEnv(t, "", budgetSettings) // 5000 units an hour: 1.4 a second
	stranger, honest := nthIP(1), nthIP(2)
	checkThrottled(t, spend(t, e, stranger))
	// What costly left, cheap spends: under cheap's price (2) is left.
	checkThrottled(t, spendOn(t, e, stranger, cheap))
	served(t, e, honest, cheap)
	served(t, e, honest, costly)
	// Costly waits for some 70 units (50 s); cheap for at most 2.
	if retry := checkThrottled(t, e.do(t, request{Header: from(stranger), Query: costly})); retry < 30*time.Second {
		t.Errorf("costly: retry after %v, want the time 70 units take to refill", retry)
	}
	retry := checkThrottled(t, e.do(t, request{Header: from(stranger), Query: cheap}))
	time.Sleep(retry) // waiting out the advertised time is the behaviour under test
	served(t, e, stranger, cheap)
}

// TestHostileBudgetRefund: a request is charged its price up front but
// pays what it actually cost: pages asked for a hundred items that come
// back empty cost little, so an honest client paging through an empty list
// is never throttled, though the price of every page is most of the budget.
func TestHostileBudgetRefund(t *testing.T) {
	e := startEnv(t, "", budgetSettings)
	page := `{ photos(first: 100) { edges { node { id createdAt } } pageInfo { hasNextPage } } }`
	for i := range 100 {
		if resp := e.do(t, request{Header: from(nthIP(1)), Query: page}); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
			t.Fatalf("empty page %d: %d %+v", i, resp.Status, resp.Errors)
		}
	}
}

// TestHostileBudgetShared: two instances on one Redis draw on one budget
// per address: spent on one, it is spent on the other.
func TestHostileBudgetShared(t *testing.T) {
	r := startRedis(t)
	settings := withSettings(budgetSettings, map[string]string{"FACESTAT_REDIS_URL": r.URL()})
	a, b := startEnv(t, "", settings), startEnv(t, "", settings)
	stranger, honest := nthIP(1), nthIP(2)
	checkThrottled(t, spend(t, a, stranger))
	checkThrottled(t, spendOn(t, a, stranger, cheap)) // what costly left
	checkThrottled(t, b.do(t, request{Header: from(stranger), Query: costly}))
	served(t, b, honest, costly)
	served(t, a, honest, cheap)
}

// faultSettings limit sign-ups to three per address and hour, counted on
// a Redis of the test's own.
func faultSettings(r *redisServer) map[string]string {
	return withSettings(hostileSettings, map[string]string{
		"FACESTAT_REDIS_URL":    r.URL(),
		"FACESTAT_RATE_SIGN_UP": "3/1h",
		"FACESTAT_RATE_VOTE":    "3/1h", // per judge, counted with the address's rule in one step
	})
}

// voteFixture is a judge and photos to vote on, made while Redis is up.
type voteFixture struct {
	judge  string
	photos []string
}

func newVoteFixture(t *testing.T, e *env, ip string) voteFixture {
	t.Helper()
	f := voteFixture{judge: e.judgeFrom(t, ip)}
	for _, owner := range []string{"votedon1", "votedon2"} { // the photo quota here is 3
		f.photos = append(f.photos, e.photos(t, e.account(t, owner), 3)...)
	}
	return f
}

// votes casts the fixture's judge's votes on its photos from ip and
// returns how many were taken (see taken).
func (f voteFixture) votes(t *testing.T, e *env, ip string) int {
	t.Helper()
	return taken(t, "vote", len(f.photos), func(i int) *response {
		return e.do(t, request{Token: f.judge, Header: from(ip), Query: `mutation($id: ID!, $a: [AnswerInput!]!) {
			castVote(input: {photoId: $id, answers: $a}) { photo { id } } }`, Vars: map[string]any{"id": f.photos[i], "a": answers(30, 6, true, "calm")}})
	})
}

// handles numbers the accounts signUps makes, so that each is new.
var handles atomic.Int64

// signUps sends n sign-ups from ip and returns how many succeeded (see
// taken).
func signUps(t *testing.T, e *env, ip string, n int) int {
	t.Helper()
	re := &rateEnv{env: e}
	return taken(t, "sign-up", n, func(int) *response {
		return re.signUpFrom(t, ip, fmt.Sprintf("budget_%d", handles.Add(1)))
	})
}

// taken sends n requests (send(i), each a what) and returns how many
// succeeded; every other must be refused with RATE_LIMITED, and none may
// take longer than a few seconds (a stalled Redis must not stall the
// request).
func taken(t *testing.T, what string, n int, send func(i int) *response) int {
	t.Helper()
	ok := 0
	for i := range n {
		start := time.Now()
		r := send(i)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s %d took %v", what, i, took)
		}
		switch r.code() {
		case "":
			ok++
		case "RATE_LIMITED":
		default:
			t.Fatalf("%s %d: %d %+v, want success or RATE_LIMITED", what, i, r.Status, r.Errors)
		}
	}
	return ok
}

// limiterMetrics returns facestat_ratelimit_degraded and
// facestat_ratelimit_fallback_total of e.
func limiterMetrics(t *testing.T, e *env) (degraded, fallbacks float64) {
	t.Helper()
	families, err := e.App.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		switch f.GetName() {
		case "facestat_ratelimit_degraded":
			degraded = f.GetMetric()[0].GetGauge().GetValue()
		case "facestat_ratelimit_fallback_total":
			fallbacks = f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return degraded, fallbacks
}

// TestHostileLimitsRedisStopped: with Redis gone, ten sign-ups from one
// address under a limit of three get at most four through (the limit is
// counted by the instance alone, never lifted), the metrics say so, an
// honest sign-up elsewhere succeeds, and the shared count resumes when
// Redis is back.
func TestHostileLimitsRedisStopped(t *testing.T) {
	r := startRedis(t)
	e := startEnv(t, "", faultSettings(r))
	f := newVoteFixture(t, e, nthIP(9))
	if d, n := limiterMetrics(t, e); d != 0 || n != 0 {
		t.Fatalf("before the outage: degraded %v, fallbacks %v", d, n)
	}
	r.kill()
	if ok := signUps(t, e, nthIP(1), 10); ok > 4 || ok < 1 {
		t.Fatalf("%d of 10 sign-ups from one address got through with Redis stopped, limit 3", ok)
	}
	if ok := f.votes(t, e, nthIP(9)); ok > 4 || ok < 1 {
		t.Fatalf("%d of 6 votes of one judge got through with Redis stopped, limit 3", ok)
	}
	if ok := signUps(t, e, nthIP(2), 1); ok != 1 {
		t.Fatal("an honest sign-up from another address was refused")
	}
	if d, n := limiterMetrics(t, e); d != 1 || n < 10 {
		t.Fatalf("during the outage: facestat_ratelimit_degraded %v, facestat_ratelimit_fallback_total %v", d, n)
	}
	r.restart()
	// Counting goes back to Redis (a new, empty one) within a second or two.
	deadline := time.Now().Add(10 * time.Second)
	for d, _ := limiterMetrics(t, e); d != 0; d, _ = limiterMetrics(t, e) {
		if time.Now().After(deadline) {
			t.Fatal("still degraded 10 s after Redis came back")
		}
		signUps(t, e, nthIP(3), 1)
		time.Sleep(100 * time.Millisecond) // polling, with the deadline above
	}
	keys, err := r.client().Keys(t.Context(), "*rl:sign_up:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("no sign-up counted on Redis after it came back: %q, %v", keys, err)
	}
}

// TestHostileLimitsRedisPaused: with Redis stalled (CLIENT PAUSE), limits
// hold just the same and requests do not hang on it.
func TestHostileLimitsRedisPaused(t *testing.T) {
	r := startRedis(t)
	e := startEnv(t, "", faultSettings(r))
	f := newVoteFixture(t, e, nthIP(9))
	// Long enough for the test; it cannot be ended early (CLIENT UNPAUSE
	// from a new connection waits behind the pause like any command).
	r.pause(15 * time.Second)
	if ok := signUps(t, e, nthIP(1), 10); ok > 4 || ok < 1 {
		t.Fatalf("%d of 10 sign-ups from one address got through with Redis paused, limit 3", ok)
	}
	if ok := f.votes(t, e, nthIP(9)); ok > 4 || ok < 1 {
		t.Fatalf("%d of 6 votes of one judge got through with Redis paused, limit 3", ok)
	}
	if ok := signUps(t, e, nthIP(2), 1); ok != 1 {
		t.Fatal("an honest sign-up from another address was refused")
	}
	if d, _ := limiterMetrics(t, e); d != 1 {
		t.Fatal("facestat_ratelimit_degraded is not 1 while Redis is paused")
	}
}

// TestHostileBudgetSubscriptions: a subscription is charged when it
// starts, so subscribing is no way around a spent budget.
func TestHostileBudgetSubscriptions(t *testing.T) {
	e := startEnv(t, "", budgetSettings)
	// The socket's address is the test's own (no X-Forwarded-For on it).
	// What costly leaves, cheap spends: less than cheap's price is left,
	// and the subscription costs more.
	checkThrottled(t, spend(t, e, "127.0.0.1"))
	checkThrottled(t, spendOn(t, e, "127.0.0.1", cheap))
	ws := dialWS(t, e.URL, protoTransportWS)
	ws.init("")
	ws.subscribe("1", `subscription($id: ID!) { photoStats(photoId: $id) { id voteCount version updatedAt } }`, map[string]any{"id": "UGhvdG86MA=="})
	m := ws.next(10 * time.Second)
	// gqlgen sends a refused operation as a result carrying the error.
	if (m.Type != "next" && m.Type != "error") || !strings.Contains(string(m.Payload), `"code":"THROTTLED"`) || strings.Contains(string(m.Payload), "photoStats") {
		t.Fatalf("subscribing with a spent budget: %s %s, want THROTTLED before it ran", m.Type, m.Payload)
	}
	served(t, e, nthIP(2), costly)
}

// TestHostileBudgetSocketQueries: queries over a WebSocket spend the
// budget as they do over HTTP. A stranger alternates, on one socket, a
// page asked for a hundred items that comes back empty (charged its price,
// refunded most of it) with a costly document: each refund gives back what
// the page did not use, once, so the costly documents spend the budget
// until the socket is THROTTLED (a refund made each time the transport
// asked for a response gave back what they had spent, and the socket
// never ran out); an honest client elsewhere is served.
func TestHostileBudgetSocketQueries(t *testing.T) {
	e := startEnv(t, "", budgetSettings)
	ws := dialWS(t, e.URL, protoTransportWS) // from the test's own address
	ws.init("")
	page := `{ photos(first: 100) { edges { node { id createdAt } } pageInfo { hasNextPage } } }`
	// result returns operation id's result, and reads its end (complete).
	result := func(id string) string {
		t.Helper()
		m := ws.next(10 * time.Second)
		if m.ID != id || (m.Type != "next" && m.Type != "error") {
			t.Fatalf("operation %s: got %s %s for %q", id, m.Type, m.Payload, m.ID)
		}
		if m.Type == "next" {
			if end := ws.next(10 * time.Second); end.ID != id || end.Type != "complete" {
				t.Fatalf("operation %s: got %s %s after its result", id, end.Type, end.Payload)
			}
		}
		return string(m.Payload)
	}
	for i := range 300 {
		for _, op := range []struct{ id, query string }{{fmt.Sprintf("p%d", i), page}, {fmt.Sprintf("c%d", i), costly}} {
			ws.subscribe(op.id, op.query, nil)
			r := result(op.id)
			if strings.Contains(r, `"code":"THROTTLED"`) {
				t.Logf("THROTTLED after %d rounds: %s", i, r)
				served(t, e, nthIP(2), costly)
				return
			}
			if strings.Contains(r, `"errors"`) {
				t.Fatalf("operation %s: %s", op.id, r)
			}
		}
	}
	t.Fatal("300 rounds of an empty page and a costly document on one socket were never THROTTLED")
}
