package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/mail"
)

// TestUserAgent: a session keeps the User-Agent of the request that
// signed in, as valid UTF-8 without control characters, cut at 200 bytes
// on a character boundary; a refresh keeps the original one, and the time
// the sign-in began.
func TestUserAgent(t *testing.T) {
	s, _, c := newService(t)
	signUp(t, s, "agent", "agent@example.com", "correct horse battery")
	ua := "Mozilla/5.0\x00\n \xff(" + strings.Repeat("é", 150) + ")"
	ctx := identity.WithUserAgent(context.Background(), ua)
	in, err := s.SignIn(ctx, "agent@example.com", "correct horse battery", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Sessions(context.Background(), in.Viewer)
	if err != nil || len(before) != 2 || before[0].ID != in.Viewer.SessionID {
		t.Fatalf("sessions before the refresh: %v, %v", before, err)
	}
	c.Advance(time.Hour)
	ref, err := s.Refresh(identity.WithUserAgent(context.Background(), "Other"), in.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sessions(context.Background(), ref.Viewer)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d sessions, want 2", len(got))
	}
	var kept string
	for _, g := range got {
		if g.ID == ref.Viewer.SessionID {
			kept = g.UserAgent
			if !g.CreatedAt.Equal(before[0].CreatedAt) || !g.RefreshExpiresAt.After(before[0].RefreshExpiresAt) {
				t.Errorf("refreshed session began %v, expires %v; want the sign-in's start %v and a later expiry", g.CreatedAt, g.RefreshExpiresAt, before[0].CreatedAt)
			}
		}
	}
	if !utf8.ValidString(kept) || len(kept) > 200 || len(kept) < 199 || !strings.HasPrefix(kept, "Mozilla/5.0 (éé") || strings.ContainsAny(kept, "\x00\n") {
		t.Fatalf("kept User-Agent %q (%d bytes)", kept, len(kept))
	}
	if anon, _ := s.Sessions(context.Background(), &identity.Viewer{Anonymous: true}); len(anon) != 0 {
		t.Fatalf("an anonymous judge's sessions: %v", anon)
	}
}

// mailbox is a Mailer that hands each message to the test.
type mailbox chan mail.Message

func (m mailbox) Deliver(_ context.Context, msg mail.Message) error { m <- msg; return nil }

// TestPasswordResetWorker: the request answers before any lookup; the
// worker mails a known account a link that works once, and nothing to an
// unknown address; expired links are swept; Close stops the worker.
func TestPasswordResetWorker(t *testing.T) {
	d := openDB(t)
	box := make(mailbox, 4)
	cfg := testConfig
	cfg.Resets = identity.ResetConfig{TTL: 10 * time.Minute, Mail: box,
		Link: func(token string) string { return "https://facestat.example/reset-password?token=" + token }}
	s := identity.NewService(d.Client, testKey, cfg, nil)
	c := newClock()
	s.Now = c.Now
	t.Cleanup(s.Close)
	ctx := context.Background()
	old := signUp(t, s, "resetter", "resetter@example.com", "correct horse battery")

	for _, addr := range []string{"unknown@example.com", "Resetter@Example.com"} {
		if err := s.RequestPasswordReset(ctx, addr); err != nil {
			t.Fatal(err)
		}
	}
	var m mail.Message
	select {
	case m = <-box:
	case <-time.After(10 * time.Second):
		t.Fatal("no mail within 10 s")
	}
	if len(box) != 0 || m.To != "resetter@example.com" || !strings.Contains(m.Body, "10 minutes") {
		t.Fatalf("mail %+v (%d more); want one to resetter, saying 10 minutes", m, len(box))
	}
	_, token, ok := strings.Cut(m.Body, "https://facestat.example/reset-password?token=")
	token, _, _ = strings.Cut(token, "\n")
	if !ok || !strings.HasPrefix(token, "fsp_") {
		t.Fatalf("no link in %q", m.Body)
	}
	if err := s.ResetPassword(ctx, token, "a new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, old.Token); facestat.ErrorCode(err) != facestat.Unauthenticated {
		t.Fatalf("the old session after a reset: %v", err)
	}
	wantError(t, s.ResetPassword(ctx, token, "another passphrase"), facestat.BadUserInput, "input.token", facestat.ReasonInvalidToken)

	c.Advance(11 * time.Minute)
	if _, err := s.SweepExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if n := d.PasswordReset.Query().CountX(ctx); n != 0 {
		t.Fatalf("%d reset rows left after the sweep", n)
	}

	s.Close()
	if err := s.RequestPasswordReset(ctx, "resetter@example.com"); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-box:
		t.Fatalf("mail after Close: %+v", m)
	default:
	}
}

// TestEndAllSessions: every session of the account ends, others' stay.
func TestEndAllSessions(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	a := signUp(t, s, "banned", "banned@example.com", "correct horse battery")
	if _, err := s.SignIn(ctx, "banned@example.com", "correct horse battery", "", nil); err != nil {
		t.Fatal(err)
	}
	b := signUp(t, s, "bystander", "bystander@example.com", "correct horse battery")
	n, err := s.EndAllSessions(ctx, a.Viewer.ID)
	if err != nil || n != 2 {
		t.Fatalf("EndAllSessions = %d, %v; want 2", n, err)
	}
	if _, err := s.Authenticate(ctx, a.Token); facestat.ErrorCode(err) != facestat.Unauthenticated {
		t.Fatalf("an ended session: %v", err)
	}
	if _, err := s.Authenticate(ctx, b.Token); err != nil {
		t.Fatalf("another account's session: %v", err)
	}
}
