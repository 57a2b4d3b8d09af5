package ratelimit_test

import (
	"context"
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
