package integration_test

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
)

// TestLiveFanOutSharesWork counts the work of many photoStats
// subscriptions of one document on one photo: they add no goroutine each
// (gqlgen's transport and the resolver ran two per subscription), and an
// update is rendered once for all of them, however many get it.
func TestLiveFanOutSharesWork(t *testing.T) {
	const subs = 40
	e := startEnv(t, dbtest.MustCreatePGDatabase(t), map[string]string{"FACESTAT_RATE_ANON_SESSION": "0/1s"})
	owner := e.account(t, "fanout_owner")
	photoID := liveUpload(t, e, owner, true)
	judge := e.anonymous(t)

	ws := dialWS(t, e.URL, protoTransportWS)
	ws.init(owner)
	ws.subscribe("0", photoStatsSubscription, map[string]any{"id": photoID})
	ws.nextStats("0", 10*time.Second)
	before := settledGoroutines(0)
	for i := 1; i <= subs; i++ {
		id := strconv.Itoa(i)
		ws.subscribe(id, photoStatsSubscription, map[string]any{"id": photoID})
		if s := ws.nextStats(id, 10*time.Second); s.VoteCount != 0 {
			t.Fatalf("subscription %s: current state %v, want no votes", id, s)
		}
	}
	const allowed = 3 // the one feed of the photo and document, and slack for the runtime's own
	if after := settledGoroutines(before + allowed); after > before+allowed {
		t.Fatalf("%d subscriptions on one socket added %d goroutines, want at most %d", subs, after-before, allowed)
	}

	renders := e.App.Server.LiveRenders()
	if r := liveVote(t, e, judge, photoID, 33); r.code() != "" {
		t.Fatalf("vote: %+v", r.Errors)
	}
	got := map[string]bool{}
	for len(got) < subs+1 {
		m := ws.next(10 * time.Second)
		if m.Type != "next" {
			t.Fatalf("got %s %s, want next", m.Type, m.Payload)
		}
		if s := decodeStats(t, m); s.VoteCount != 1 || got[m.ID] {
			t.Fatalf("subscription %s: %v (twice: %v), want one update with one vote", m.ID, s, got[m.ID])
		}
		got[m.ID] = true
	}
	if n := e.App.Server.LiveRenders() - renders; n != 1 {
		t.Fatalf("one update to %d subscribers was rendered %d times, want once", subs+1, n)
	}
}

// settledGoroutines returns how many goroutines run once the short-lived
// ones (a request's, a timer's) are gone: the count drops to at most want
// within a few seconds, or the lowest seen is returned.
func settledGoroutines(want int) int {
	low := runtime.NumGoroutine()
	for range 50 {
		if low <= want {
			break
		}
		time.Sleep(100 * time.Millisecond)
		low = min(low, runtime.NumGoroutine())
	}
	return low
}
