package ratelimit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// TestPolicyVoteRefund: a vote the judge's own limit allows but its
// address refuses is given back to the judge.
func TestPolicyVoteRefund(t *testing.T) {
	p := &ratelimit.Policy{Limiter: inmem.NewLimiter(100), Rules: ratelimit.Rules{
		Vote:   ratelimit.Rule{Name: "vote", Limit: 2, Per: time.Hour},
		VoteIP: ratelimit.Rule{Name: "vote_ip", Limit: 1, Per: time.Hour},
	}}
	judge := uuid.New()
	at := func(ip string) context.Context { return clientaddr.With(context.Background(), ip) }
	if err := p.Vote(at("192.0.2.1"), judge); err != nil {
		t.Fatal(err)
	}
	if err := p.Vote(at("192.0.2.1"), judge); facestat.ErrorCode(err) != facestat.RateLimited {
		t.Fatalf("second vote from a spent address: %v, want RATE_LIMITED", err)
	}
	// The judge has one vote left, not zero.
	if err := p.Vote(at("192.0.2.2"), judge); err != nil {
		t.Fatalf("the judge's refunded vote: %v", err)
	}
	if err := p.Vote(at("192.0.2.3"), judge); facestat.ErrorCode(err) != facestat.RateLimited {
		t.Fatalf("a third vote within the judge's limit of 2: %v, want RATE_LIMITED", err)
	}
	var none *ratelimit.Policy
	if err := none.Vote(at("192.0.2.1"), judge); err != nil {
		t.Fatalf("a nil Policy: %v", err)
	}
}

// TestPolicyVotesLimiter: Vote and Skip count on Votes when it is set
// (the leased limiter), every other limit on Limiter; and the pair's
// refund holds through a lease: the address refuses, the judge's leased
// token goes back to its lease.
func TestPolicyVotesLimiter(t *testing.T) {
	shared, votes := &keyRecorder{Limiter: inmem.NewLimiter(100)}, &keyRecorder{Limiter: inmem.NewLimiter(100)}
	p := &ratelimit.Policy{Limiter: shared, Votes: &ratelimit.Leasing{Limiter: votes, Share: 0.5, TTL: time.Hour}, Rules: ratelimit.Rules{
		Vote:        ratelimit.Rule{Name: "vote", Limit: 4, Per: time.Hour},
		VoteIP:      ratelimit.Rule{Name: "vote_ip", Limit: 1, Per: time.Hour},
		AnonSession: ratelimit.Rule{Name: "anon_session", Limit: 9, Per: time.Hour},
	}}
	judge := uuid.New()
	ctx := clientaddr.With(context.Background(), "192.0.2.1")
	if err := p.Vote(ctx, judge); err != nil {
		t.Fatal(err)
	}
	if err := p.Skip(ctx, judge); facestat.ErrorCode(err) != facestat.RateLimited {
		t.Fatalf("a skip from a spent address: %v, want RATE_LIMITED", err)
	}
	if err := p.StartAnonymous(ctx); err != nil {
		t.Fatal(err)
	}
	// The judge's lease (2 of its 4) took the first vote and got the
	// skip's token back: 3 votes left, from other addresses.
	for i := range 3 {
		if err := p.Vote(clientaddr.With(context.Background(), fmt.Sprintf("192.0.2.%d", 10+i)), judge); err != nil {
			t.Fatalf("vote %d of the judge's 4: %v", i+2, err)
		}
	}
	if err := p.Vote(clientaddr.With(context.Background(), "192.0.2.20"), judge); facestat.ErrorCode(err) != facestat.RateLimited {
		t.Fatalf("a fifth vote within the judge's limit of 4: %v, want RATE_LIMITED", err)
	}
	for _, k := range shared.keys {
		if strings.HasPrefix(k, "vote") {
			t.Errorf("a vote's limit was counted on Limiter, not Votes: %s", k)
		}
	}
	if len(shared.keys) != 1 || !strings.HasPrefix(shared.keys[0], "anon_session:") {
		t.Errorf("Limiter was asked %v, want the anonymous session's limit alone", shared.keys)
	}
	if len(votes.keys) == 0 {
		t.Error("Votes was never asked")
	}
}

// keyRecorder is a limiter that records the keys it is asked about.
type keyRecorder struct {
	ratelimit.Limiter
	keys []string
}

func (k *keyRecorder) Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error) {
	return k.AllowN(ctx, rule, key, 1)
}

func (k *keyRecorder) AllowN(ctx context.Context, rule ratelimit.Rule, key string, n int) (ratelimit.Decision, error) {
	k.keys = append(k.keys, rule.Name+":"+key)
	return k.Limiter.AllowN(ctx, rule, key, n)
}

// TestPolicyEmailKeys: the limits per e-mail address (signIn's,
// requestPasswordReset's) key their buckets by a hash of the normalised
// address, never the address: Redis holds no e-mail address (they would
// outlive the account's deletion until their window ends,
// docs/PRIVACY.md), and one address in any case is one bucket.
func TestPolicyEmailKeys(t *testing.T) {
	rec := &keyRecorder{Limiter: inmem.NewLimiter(100)}
	p := &ratelimit.Policy{Limiter: rec, Rules: ratelimit.Rules{
		SignInEmail: ratelimit.Rule{Name: "sign_in_email", Limit: 1, Per: time.Hour},
		ResetEmail:  ratelimit.Rule{Name: "reset_email", Limit: 1, Per: time.Hour},
	}}
	ctx := clientaddr.With(context.Background(), "192.0.2.1")
	if err := p.SignIn(ctx, "Someone@Example.com"); err != nil {
		t.Fatal(err)
	}
	if err := p.SignIn(ctx, " someone@example.com"); facestat.ErrorCode(err) != facestat.RateLimited {
		t.Fatalf("the same address in another case: %v, want RATE_LIMITED", err)
	}
	if err := p.ResetEmail(ctx, "someone@example.com"); err != nil {
		t.Fatal(err)
	}
	if len(rec.keys) != 3 {
		t.Fatalf("keys asked: %v", rec.keys)
	}
	for _, k := range rec.keys {
		if strings.Contains(strings.ToLower(k), "someone") || strings.Contains(k, "@") {
			t.Errorf("a bucket's key names the address: %s", k)
		}
	}
}
