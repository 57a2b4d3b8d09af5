package integration_test

import (
	"encoding/json"
	"testing"
	"time"
)

// TestLiveMyPhotoActivity: an uploader's activity stream sends the current
// statistics of each of their photos, then those of whichever photo gets a
// vote; it is for accounts only.
func TestLiveMyPhotoActivity(t *testing.T) {
	e := startEnv(t, "", nil)
	owner := e.account(t, "active_owner")
	photos := []string{liveUpload(t, e, owner, false), liveUpload(t, e, owner, true)}
	const q = `subscription { myPhotoActivity { id voteCount photo { id } } }`
	type activity struct {
		Data *struct {
			MyPhotoActivity *struct {
				VoteCount int
				Photo     struct{ ID string }
			}
		}
		Errors []gqlError
	}
	decode := func(m wsMessage) activity {
		t.Helper()
		var a activity
		if err := json.Unmarshal(m.Payload, &a); err != nil {
			t.Fatalf("decoding %s: %v", m.Payload, err)
		}
		return a
	}

	ws := dialWS(t, e.URL, protoTransportWS)
	ws.init(owner)
	ws.subscribe("a", q, nil)
	seen := map[string]int{}
	for range photos {
		a := decode(ws.next(10 * time.Second))
		if a.Data == nil || a.Data.MyPhotoActivity == nil {
			t.Fatalf("current state: %+v", a)
		}
		seen[a.Data.MyPhotoActivity.Photo.ID] = a.Data.MyPhotoActivity.VoteCount
	}
	if len(seen) != 2 || seen[photos[0]] != 0 || seen[photos[1]] != 0 {
		t.Fatalf("current state of the owner's photos: %v", seen)
	}
	e.gql(t, e.anonymous(t), castVote, map[string]any{"id": photos[0], "answers": answers(30, 5, true, "calm")}, &struct{}{})
	a := decode(ws.next(10 * time.Second))
	if a.Data == nil || a.Data.MyPhotoActivity.Photo.ID != photos[0] || a.Data.MyPhotoActivity.VoteCount != 1 {
		t.Fatalf("after a vote on the private photo: %+v", a)
	}

	anon := dialWS(t, e.URL, protoTransportWS)
	anon.init(e.anonymous(t))
	anon.subscribe("a", q, nil)
	if errs := anon.operationError("a", 10*time.Second); errorCode(errs) != "UNAUTHENTICATED" {
		t.Fatalf("an anonymous judge's activity stream: %+v", errs)
	}
}
