package integration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/schema"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/internal/testenv"
	"github.com/facestat/facestat/relay"
)

// Crash test parameters: kills while votes are acknowledged, and what
// each kill needs before it may happen.
const (
	crashKills        = 5    // SIGKILLs followed by a restart, then one more to end
	crashAckedPerKill = 1000 // votes acknowledged since the previous kill, at least
	crashInFlight     = 100  // castVote requests in flight at the kill, at least
	crashClients      = 150  // goroutines sending castVote
	crashOwners       = 4    // accounts, each uploading photoQuota (3) photos
	// Anonymous judges; each votes on every photo at most once. The
	// kills need about 7,000 votes acknowledged of the 24,000 this makes:
	// on a starved machine the admission limit refuses many (a refused
	// vote is not sent again), and 12,000 once ran out before the last
	// kill (5,847 acknowledged).
	crashJudges = 2000
)

// TestCrash runs the built binary and kills it with SIGKILL at random
// moments while many clients vote, restarting it on the same data each
// time, then kills it once more and reads the database as the crash left
// it: every acknowledged vote is stored with exactly the answers sent, no
// vote is stored that was not sent, and every aggregate (statistics,
// histograms, words, vote counts) equals a recount of the votes table, so
// no vote was half applied. Votes whose requests failed at a kill may or
// may not be stored.
func TestCrash(t *testing.T) {
	testenv.SkipIfShort(t, "a build of the binary")
	facestatBinary(t)
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		crashVotes(t, "")
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		crashVotes(t, dbtest.MustCreatePGDatabase(t))
	})
}

// crashJob is one vote to send; outcome is set by the client that sent it.
type crashJob struct {
	judge, photo int
	outcome      crashOutcome
}

type crashOutcome int8

const (
	notSent     crashOutcome = iota
	acked                    // answered without errors: must be stored
	unsure                   // the request failed (connection cut, UNAVAILABLE): may be stored
	otherAnswer              // any other answer: a test failure
)

// crashAnswers are the answers of judge j about photo p, derived from
// both so that what is stored can be checked against what was sent.
func crashAnswers(j, p int) (age, attractive int, trustworthy bool, word string) {
	words := []string{"calm", "bright", "kind", "stern", "warm", "shy"}
	return 18 + (j*7+p*13)%60, 1 + (j+p)%10, (j+p)%3 == 0, words[(j*5+p)%len(words)]
}

func crashVotes(t *testing.T, databaseURL string) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	settings := map[string]string{
		"FACESTAT_DATA_DIR":          t.TempDir(), // the same data for every run
		"FACESTAT_LOG_LEVEL":         "warn",
		"FACESTAT_RATE_ANON_SESSION": "0/1s",
		"FACESTAT_RATE_VOTE_IP":      "0/1s", // a thousand judges on one address
	}
	if databaseURL != "" {
		settings["FACESTAT_DATABASE_URL"] = databaseURL
	}
	p := startProcess(t, settings)
	p.waitReady(t)

	// Seed: photos of a few accounts, and anonymous judges.
	e := &env{t: t, URL: p.URL}
	var photos []uuid.UUID
	var photoGIDs []string
	for o := range crashOwners {
		token := e.account(t, fmt.Sprintf("crash%d", o))
		for range 3 {
			gid := liveUpload(t, e, token, true)
			_, id, ok := relay.ParseID(gid)
			if !ok {
				t.Fatalf("photo id %q", gid)
			}
			photos = append(photos, id)
			photoGIDs = append(photoGIDs, gid)
		}
	}
	tokens := make([]string, crashJudges)
	judges := make([]uuid.UUID, crashJudges)
	var seedWG sync.WaitGroup
	for w := range 8 {
		seedWG.Go(func() {
			for j := w; j < crashJudges; j += 8 {
				var err error
				if tokens[j], judges[j], err = anonymousJudge(p.URL); err != nil {
					t.Errorf("starting an anonymous session: %v", err)
					return
				}
			}
		})
	}
	seedWG.Wait()
	if t.Failed() {
		return
	}

	// Every (judge, photo) pair once, in random order.
	jobs := make([]crashJob, 0, crashJudges*len(photos))
	for j := range crashJudges {
		for ph := range photos {
			jobs = append(jobs, crashJob{judge: j, photo: ph})
		}
	}
	rng.Shuffle(len(jobs), func(a, b int) { jobs[a], jobs[b] = jobs[b], jobs[a] })

	// The clients. gate is held for reading by every request and for
	// writing by the restarts: a kill is followed by waiting for the
	// requests it cut, a restart, and only then new requests (to the new
	// port). down, set just before a kill, keeps clients from sending
	// requests to a server that is about to die (they would only be
	// refused).
	tr := &http.Transport{MaxIdleConnsPerHost: crashClients, MaxIdleConns: crashClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		gate     sync.RWMutex
		baseURL  = p.URL
		stopped  bool
		down     atomic.Bool
		next     atomic.Int64
		inFlight atomic.Int64
		nAcked   atomic.Int64
		nUnsure  atomic.Int64
		nOther   atomic.Int64
		other    atomic.Value // the first unexpected answer
	)
	var clients sync.WaitGroup
	for range crashClients {
		clients.Go(func() {
			for {
				gate.RLock()
				for down.Load() && !stopped {
					gate.RUnlock()
					time.Sleep(time.Millisecond) // until the restart takes the gate
					gate.RLock()
				}
				i := int(next.Add(1) - 1)
				if stopped || i >= len(jobs) {
					gate.RUnlock()
					return
				}
				job := &jobs[i]
				inFlight.Add(1)
				var detail string
				job.outcome, detail = sendCrashVote(client, baseURL, tokens[job.judge], photoGIDs[job.photo], job.judge, job.photo)
				inFlight.Add(-1)
				gate.RUnlock()
				switch job.outcome {
				case acked:
					nAcked.Add(1)
				case unsure:
					nUnsure.Add(1)
				default:
					nOther.Add(1)
					other.CompareAndSwap(nil, detail)
				}
			}
		})
	}

	// kill waits for the moment: at least crashAckedPerKill (plus a random
	// part) acknowledged since the last kill, and crashInFlight requests
	// in flight; then SIGKILLs the server and waits for the cut requests.
	lastAcked := int64(0)
	kill := func(k int) {
		t.Helper()
		want := lastAcked + crashAckedPerKill + rng.Int64N(crashAckedPerKill/4)
		deadline := time.Now().Add(60 * time.Second)
		var flying, ackedThen int64
		for {
			if nAcked.Load() >= want && inFlight.Load() >= crashInFlight {
				down.Store(true) // no new requests from here on
				if flying, ackedThen = inFlight.Load(), nAcked.Load(); flying >= crashInFlight {
					break
				}
				down.Store(false)
			}
			if time.Now().After(deadline) || int(next.Load()) >= len(jobs) {
				t.Fatalf("kill %d: %d acknowledged (want %d), %d in flight, %d of %d votes sent\n%s",
					k, nAcked.Load(), want, inFlight.Load(), next.Load(), len(jobs), p.output())
			}
			time.Sleep(time.Duration(rng.IntN(500)) * time.Microsecond) // polling, with the deadline above
		}
		p.cmd.Process.Signal(syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("kill %d: the server did not exit after SIGKILL", k)
		}
		gate.Lock() // every cut request has failed
		tr.CloseIdleConnections()
		t.Logf("kill %d: %d acknowledged since the last kill, %d requests in flight", k, ackedThen-lastAcked, flying)
		lastAcked = nAcked.Load()
	}
	for k := 1; k <= crashKills; k++ {
		kill(k)
		start := time.Now()
		p = startProcess(t, settings)
		p.waitReady(t)
		t.Logf("restarted in %s", time.Since(start).Round(time.Millisecond))
		baseURL = p.URL
		down.Store(false)
		gate.Unlock()
	}
	kill(crashKills + 1)
	stopped = true
	gate.Unlock()
	clients.Wait()
	sent := 0
	for _, job := range jobs {
		if job.outcome != notSent {
			sent++
		}
	}
	t.Logf("%d votes sent: %d acknowledged, %d failed", sent, nAcked.Load(), nUnsure.Load())
	if n := nOther.Load(); n > 0 {
		t.Errorf("%d votes got an unexpected answer, the first: %v", n, other.Load())
	}
	if t.Failed() {
		return
	}

	// Read the database as the last crash left it.
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DatabaseURL: databaseURL, DataDir: settings["FACESTAT_DATA_DIR"], MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	qid := map[string]int{}
	qs, err := d.Question.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		qid[q.Key] = q.ID
	}
	votes, err := d.Vote.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type pair struct{ judge, photo uuid.UUID }
	stored := make(map[pair][]schema.Answer, len(votes))
	for _, v := range votes {
		stored[pair{v.JudgeID, v.PhotoID}] = v.Answers
	}
	storedUnsure, problems := 0, 0
	for _, job := range jobs {
		answers, ok := stored[pair{judges[job.judge], photos[job.photo]}]
		switch {
		case job.outcome == acked && !ok:
			t.Errorf("judge %d, photo %d: the vote was acknowledged and is not stored", job.judge, job.photo)
			problems++
		case ok && job.outcome != acked && job.outcome != unsure:
			t.Errorf("judge %d, photo %d: a vote never sent (outcome %d) is stored", job.judge, job.photo, job.outcome)
			problems++
		case ok:
			if job.outcome == unsure {
				storedUnsure++
			}
			if want := wantAnswers(qid, job.judge, job.photo); !sameAnswers(answers, want) {
				t.Errorf("judge %d, photo %d: stored answers %s, sent %s", job.judge, job.photo, answersJSON(answers), answersJSON(want))
				problems++
			}
		}
		if problems > 20 {
			t.Fatal("too many problems")
		}
	}
	if len(votes) != int(nAcked.Load())+storedUnsure {
		t.Errorf("%d votes stored: %d acknowledged and %d failed ones, so %d come from nowhere",
			len(votes), nAcked.Load(), storedUnsure, len(votes)-int(nAcked.Load())-storedUnsure)
	}
	t.Logf("%d votes stored: %d acknowledged, %d of the %d failed", len(votes), nAcked.Load(), storedUnsure, nUnsure.Load())
	// A judge's row is created by its first vote, in the same transaction.
	if n, err := d.User.Query().Where(user.Anonymous(true), user.Not(user.HasVotes())).Count(ctx); err != nil || n != 0 {
		t.Errorf("%d anonymous judges without a vote (%v)", n, err)
	}
	assertRecount(t, &env{t: t, App: &app.App{DB: d}})
}

// sendCrashVote casts judge j's vote on photo p and says what came of it,
// with the response when it is unexpected.
func sendCrashVote(client *http.Client, base, token, photoGID string, j, p int) (crashOutcome, string) {
	age, attractive, trustworthy, word := crashAnswers(j, p)
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($id: ID!, $a: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $a}) { photo { id } } }`,
		"variables": map[string]any{"id": photoGID, "a": answers(age, attractive, trustworthy, word)},
	})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return unsure, ""
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return unsure, ""
	}
	var out struct {
		Data struct {
			CastVote *struct{ Photo struct{ ID string } }
		}
		Errors []gqlError
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return unsure, "" // cut in the middle of the response
	}
	switch {
	case len(out.Errors) == 0 && res.StatusCode == http.StatusOK && out.Data.CastVote != nil && out.Data.CastVote.Photo.ID == photoGID:
		return acked, ""
	case len(out.Errors) > 0 && out.Errors[0].Extensions["code"] == "UNAVAILABLE":
		return unsure, "" // refused for now, or stored with its commit's answer lost
	}
	return otherAnswer, fmt.Sprintf("status %d: %s", res.StatusCode, raw)
}

// anonymousJudge starts an anonymous session and returns its token and
// the judge id in it (fsj_ base64url(judge id | expiry) . signature).
func anonymousJudge(base string) (string, uuid.UUID, error) {
	res, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"mutation { startAnonymousSession { token } }"}`))
	if err != nil {
		return "", uuid.Nil, err
	}
	defer res.Body.Close()
	var out struct {
		Data struct{ StartAnonymousSession struct{ Token string } }
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return "", uuid.Nil, err
	}
	token := out.Data.StartAnonymousSession.Token
	payload, _, _ := strings.Cut(strings.TrimPrefix(token, "fsj_"), ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(raw) < 16 || !strings.HasPrefix(token, "fsj_") {
		return "", uuid.Nil, fmt.Errorf("not an anonymous token: %q", token)
	}
	id, _ := uuid.FromBytes(raw[:16])
	return token, id, nil
}

func wantAnswers(qid map[string]int, j, p int) []schema.Answer {
	age, attractive, trustworthy, word := crashAnswers(j, p)
	return []schema.Answer{
		{Question: qid["age"], Number: &age},
		{Question: qid["attractive"], Number: &attractive},
		{Question: qid["trustworthy"], Yes: &trustworthy},
		{Question: qid["impression"], Word: &word},
	}
}

func answersJSON(a []schema.Answer) string {
	b, _ := json.Marshal(a)
	return string(b)
}

// sameAnswers compares answers regardless of their order.
func sameAnswers(got, want []schema.Answer) bool {
	if len(got) != len(want) {
		return false
	}
	key := func(a schema.Answer) string { b, _ := json.Marshal(a); return string(b) }
	seen := map[string]int{}
	for _, a := range got {
		seen[key(a)]++
	}
	for _, a := range want {
		if seen[key(a)] == 0 {
			return false
		}
		seen[key(a)]--
	}
	return true
}
