package integration_test

import (
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
)

// TestLiveUpdateBetweenCurrentAndJoin: a vote committed after a new
// subscriber's current state was read, and before that state is sent,
// reaches it: the subscriber joins the photo's feed before the state is
// read, and gets the newer update right after it. (The fast path joined
// only after sending, and such an update never came: the results stayed
// stale.) The vote is cast inside the server's hook between the two, so
// the order is certain.
func TestLiveUpdateBetweenCurrentAndJoin(t *testing.T) {
	e := startEnv(t, dbtest.MustCreatePGDatabase(t), map[string]string{"FACESTAT_RATE_ANON_SESSION": "0/1s"})
	owner := e.account(t, "gap_owner")
	photoID := liveUpload(t, e, owner, true)
	judge := e.anonymous(t)

	voted := false
	e.App.Server.SetLiveCurrentHook(func() {
		if voted { // the first subscriber only
			return
		}
		voted = true
		if r := liveVote(t, e, judge, photoID, 40); r.code() != "" {
			t.Errorf("vote: %+v", r.Errors)
		}
	})
	ws := dialWS(t, e.URL, protoTransportWS)
	ws.init(owner)
	ws.subscribe("0", photoStatsSubscription, map[string]any{"id": photoID})
	if s := ws.nextStats("0", 10*time.Second); s.VoteCount != 0 {
		t.Fatalf("current state %v, want the one read before the vote (no votes)", s)
	}
	// The wait is a failure guard only.
	if s := ws.nextStats("0", 20*time.Second); s.VoteCount != 1 {
		t.Fatalf("update %v, want the vote cast before the current state went out", s)
	}
}
