package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/google/uuid"

	"github.com/facestat/facestat/clientaddr"
)

// Policy is every rate limit FaceStat applies, by the action it limits:
// one place to read what a client may do how often. Each method counts one
// event and returns RATE_LIMITED (with the retry time) when a limit
// refuses it; the services call them before they do any work. A nil Policy
// limits nothing.
type Policy struct {
	Limiter Limiter
	// Votes counts Vote and Skip, the limits every castVote pays (nil:
	// Limiter): a Leasing over Limiter, so that a judge's votes cost a
	// round trip to Redis a lease, not each.
	Votes Limiter
	Rules Rules
}

// Rules are the limits of a Policy, by action.
type Rules struct {
	AnonSession Rule // startAnonymousSession per client address
	SignUp      Rule // signUp per client address
	SignIn      Rule // signIn (and refreshSession) per client address
	SignInEmail Rule // signIn per account email from clients without a device token of it, against guessing a password from many addresses
	ResetIP     Rule // requestPasswordReset per client address
	ResetEmail  Rule // requestPasswordReset per e-mail address, whatever the client
	Vote        Rule // castVote and skipPhoto per judge (account or anonymous session)
	VoteIP      Rule // castVote and skipPhoto per client address, all judges together
	Upload      Rule // uploadPhoto per account
	UploadIP    Rule // uploadPhoto per client address, all accounts together
	Report      Rule // reportPhoto per session (account or anonymous judge)
	ReportIP    Rule // reportPhoto per client address, all sessions together

	// SignInDevice is signIn per device token (see SignInDevice): a trusted
	// device's own budget, which strangers cannot spend.
	SignInDevice Rule

	Export Rule // exportMyData per account, counted when a new export starts
}

// StartAnonymous limits anonymous sessions per client address.
func (p *Policy) StartAnonymous(ctx context.Context) error {
	return p.byIP(ctx, p.rules().AnonSession)
}

// SignUp limits sign-ups per client address.
func (p *Policy) SignUp(ctx context.Context) error {
	return p.byIP(ctx, p.rules().SignUp)
}

// Refresh limits session refreshes, with sign-ins, per client address.
func (p *Policy) Refresh(ctx context.Context) error {
	return p.byIP(ctx, p.rules().SignIn)
}

// SignIn limits sign-ins of untrusted clients (without a valid device
// token of the account) per client address, then per account email
// (whatever the address: a password guessed from many addresses).
func (p *Policy) SignIn(ctx context.Context, email string) error {
	if err := p.Refresh(ctx); err != nil {
		return err
	}
	return p.check(ctx, p.rules().SignInEmail, emailKey(email))
}

// emailKey is the bucket key of an e-mail address: the hex SHA-256 of the
// normalised (trimmed, lower-case) address, so that the limiter (Redis)
// never holds an address, which would outlive the account's deletion
// until its window ends (docs/PRIVACY.md).
func emailKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// SignInDevice limits sign-ins per client address, then per device: the
// key of a valid device token the client presented for the account it
// signs in to (its nonce). Such a sign-in is not counted on the account
// email's budget (see SignIn), so strangers who use that up guessing from
// many addresses do not lock the owner's devices out; a device that keeps
// failing uses up its own budget only.
func (p *Policy) SignInDevice(ctx context.Context, device string) error {
	if err := p.Refresh(ctx); err != nil {
		return err
	}
	return p.check(ctx, p.rules().SignInDevice, device)
}

// ResetRequest limits requestPasswordReset per client address.
func (p *Policy) ResetRequest(ctx context.Context) error {
	return p.byIP(ctx, p.rules().ResetIP)
}

// ResetEmail limits the reset e-mails to one address (normalised),
// whatever the client: a flood cannot fill someone's mailbox.
func (p *Policy) ResetEmail(ctx context.Context, email string) error {
	return p.check(ctx, p.rules().ResetEmail, emailKey(email))
}

// ChangePassword limits changePassword per client address (with
// sign-ins), then per account on the sign-in device rule, keyed by the
// account: a stolen session cannot guess the password faster than a
// device could, and strangers, who hold no session of the account, cannot
// spend this budget (nor lock the owner out of it).
func (p *Policy) ChangePassword(ctx context.Context, account uuid.UUID) error {
	if err := p.Refresh(ctx); err != nil {
		return err
	}
	return p.check(ctx, p.rules().SignInDevice, "account:"+account.String())
}

// Vote limits castVote per judge, then per client address. Per judge
// first: a judge refused for its own pace does not use up the budget of
// everyone sharing its address (a school, an office). A vote the judge's
// own budget allows but its address refuses is given back to the judge.
func (p *Policy) Vote(ctx context.Context, judge uuid.UUID) error {
	if p == nil {
		return nil
	}
	l := p.Votes
	if l == nil {
		l = p.Limiter
	}
	return pairByIP(ctx, l, p.rules().Vote, judge.String(), p.rules().VoteIP)
}

// Skip limits skipPhoto on the votes' budget (Vote's rules, per judge
// then per client address): a skip is a judging action, and skipping must
// not be a faster way than voting to walk the judging queue.
func (p *Policy) Skip(ctx context.Context, judge uuid.UUID) error {
	return p.Vote(ctx, judge)
}

// Upload limits uploads per account, then per client address (in the same
// order as Vote, for the same reason). A call that comes from no client
// (facestat seed) has no address to count.
func (p *Policy) Upload(ctx context.Context, account uuid.UUID) error {
	if clientaddr.From(ctx) == "" {
		return p.check(ctx, p.rules().Upload, account.String())
	}
	return p.thenByIP(ctx, p.rules().Upload, account.String(), p.rules().UploadIP)
}

// Report limits reportPhoto per session (the judge's id), then per client
// address, in the same order as Vote and for the same reason.
func (p *Policy) Report(ctx context.Context, judge uuid.UUID) error {
	return p.thenByIP(ctx, p.rules().Report, judge.String(), p.rules().ReportIP)
}

// Export limits new data exports per account.
func (p *Policy) Export(ctx context.Context, account uuid.UUID) error {
	return p.check(ctx, p.rules().Export, account.String())
}

// rules are p's rules; none (every one disabled) for a nil p.
func (p *Policy) rules() Rules {
	if p == nil {
		return Rules{}
	}
	return p.Rules
}

func (p *Policy) check(ctx context.Context, rule Rule, key string) error {
	if p == nil {
		return nil
	}
	return Check(ctx, p.Limiter, rule, key)
}

func (p *Policy) byIP(ctx context.Context, rule Rule) error {
	return p.check(ctx, rule, clientaddr.Group(clientaddr.From(ctx)))
}

// thenByIP counts one event of rule for key, then one of ipRule for the
// client address, both or neither (AllowPair: one step on a limiter that
// counts pairs, Redis; else rule after rule, key's event given back when
// the address refuses it).
func (p *Policy) thenByIP(ctx context.Context, rule Rule, key string, ipRule Rule) error {
	if p == nil {
		return nil
	}
	return pairByIP(ctx, p.Limiter, rule, key, ipRule)
}

// pairByIP is thenByIP on the limiter l (nil limits nothing).
func pairByIP(ctx context.Context, l Limiter, rule Rule, key string, ipRule Rule) error {
	if l == nil {
		return nil
	}
	return decided(AllowPair(ctx, l, rule, key, ipRule, clientaddr.Group(clientaddr.From(ctx))))
}
