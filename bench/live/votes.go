package main

import (
	"context"
	"encoding/json"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/facestat/facestat/bench/benchkit"
)

// plannedVote is one vote of the plan: a photo and the judge casting it.
type plannedVote struct {
	photo int32
	judge int32
}

// makePlan draws n votes' photos from a Zipf law with exponent s over the
// photos (the most popular ones at random positions) and gives the k-th
// vote on a photo to judge k, so that no judge votes twice on a photo. It
// returns the plan and the number of judges it needs.
func makePlan(n, photos int, s float64, seed uint64) ([]plannedVote, int) {
	r := mrand.New(mrand.NewPCG(seed, 0x11fe))
	perm := r.Perm(photos)
	zipf := mrand.NewZipf(r, s, 1, uint64(photos-1))
	next := make([]int32, photos)
	plan := make([]plannedVote, n)
	judges := 0
	for i := range plan {
		p := perm[zipf.Uint64()]
		plan[i] = plannedVote{photo: int32(p), judge: next[p]}
		next[p]++
		judges = max(judges, int(next[p]))
	}
	return plan, judges
}

const castVoteQuery = `mutation($id: ID!, $answers: [AnswerInput!]!) {
  castVote(input: {photoId: $id, answers: $answers}) { photo { voteCount } }
}`

// ack is a castVote's answer: the photo's voteCount after the vote, and
// when the answer arrived.
type ack struct {
	photo int32
	count int32
	at    int64 // unix nanos
}

type voteResult struct {
	t0, end    time.Time // the paced window
	planned    int       // votes due in the window
	sent       int
	ok         int // answered without error
	okInWindow int // of which answered by end
	acks       []ack
	latencies  []time.Duration // castVote, successful ones
	errs       map[string]int
	errSamples map[string]string
	maxLag     time.Duration // how far behind its schedule a vote was handed to a worker, at most
	late       int           // votes handed to a worker more than 10 ms late
}

// castVotes casts rate votes a second for d from a paced loop over a pool
// of workers, following plan (as far as the time allows).
func castVotes(ctx context.Context, a *api, photos, judges []string, plan []plannedVote, rate int, d time.Duration, workers int) *voteResult {
	type job struct {
		v  plannedVote
		at time.Time
	}
	jobs := make(chan job, workers)
	res := &voteResult{errs: map[string]int{}, errSamples: map[string]string{}}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			// Each worker writes its votes as prepared bytes on a connection
			// of its own (benchkit.Conn): the voters share the machine's
			// cores with the server and the subscribers' sockets.
			conn, err := benchkit.NewConn(a.URL, 30*time.Second)
			if err != nil {
				panic(err) // a.URL is the server's own http://127.0.0.1:port
			}
			defer conn.Close()
			votes := benchkit.NewCastVote(castVoteQuery)
			var (
				acks  []ack
				lats  []time.Duration
				errs  = map[string]int{}
				first = map[string]string{}
			)
			for j := range jobs {
				t := time.Now()
				resp, code, msg := conn.GraphQL([]string{"Authorization: Bearer " + judges[j.v.judge]}, votes.Body(photos[j.v.photo], r))
				now := time.Now()
				if code == "" {
					var out struct {
						Data struct {
							CastVote struct {
								Photo struct{ VoteCount int32 }
							}
						}
					}
					if err := json.Unmarshal(resp, &out); err != nil {
						code, msg = "BAD_RESPONSE", err.Error()
					} else {
						acks = append(acks, ack{photo: j.v.photo, count: out.Data.CastVote.Photo.VoteCount, at: now.UnixNano()})
						lats = append(lats, now.Sub(t))
						continue
					}
				}
				errs[code]++
				if _, ok := first[code]; !ok {
					first[code] = msg
				}
				if code == "UNAVAILABLE" || code == "TRANSPORT" {
					time.Sleep(20 * time.Millisecond)
				}
			}
			mu.Lock()
			res.acks = append(res.acks, acks...)
			res.latencies = append(res.latencies, lats...)
			for k, v := range errs {
				res.errs[k] += v
				if _, ok := res.errSamples[k]; !ok {
					res.errSamples[k] = first[k]
				}
			}
			mu.Unlock()
		})
	}

	interval := time.Duration(float64(time.Second) / float64(rate))
	res.t0 = time.Now()
	res.end = res.t0.Add(d)
	res.planned = min(len(plan), int(d/interval))
	endC := time.After(d)
schedule:
	for i := 0; i < res.planned; {
		now := time.Now()
		if now.After(res.end) || ctx.Err() != nil {
			break
		}
		due := min(int(now.Sub(res.t0)/interval)+1, res.planned)
		for ; i < due; i++ {
			if time.Now().After(res.end) {
				break schedule
			}
			at := res.t0.Add(time.Duration(i) * interval)
			select {
			case jobs <- job{v: plan[i], at: at}:
			case <-endC:
				break schedule
			case <-ctx.Done():
				break schedule
			}
			res.sent++
			lag := time.Since(at)
			res.maxLag = max(res.maxLag, lag)
			if lag > 10*time.Millisecond {
				res.late++
			}
		}
		if i < res.planned {
			time.Sleep(time.Until(res.t0.Add(time.Duration(i) * interval)))
		}
	}
	close(jobs)
	wg.Wait()
	res.ok = len(res.acks)
	endNanos := res.end.UnixNano()
	for _, a := range res.acks {
		if a.at <= endNanos {
			res.okInWindow++
		}
	}
	return res
}
