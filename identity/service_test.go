package identity_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/settings"
)

const goodPassword = "correct horse battery"

func TestNormaliseHandle(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice", "alice"},
		{"  Alice_1 ", "alice_1"},
		{"ABC", "abc"},
		{strings.Repeat("z", 30), strings.Repeat("z", 30)},
		{"\tUNDER_score_9\n", "under_score_9"},
	} {
		got, err := identity.NormaliseHandle(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormaliseHandle(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "ab", "  ab  ", strings.Repeat("z", 31), "a-b-c", "al ice", "alice!", "ålice", "al.ice", "alice\n\x00", "ａｌｉｃｅ"} {
		got, err := identity.NormaliseHandle(in)
		if got != "" {
			t.Errorf("NormaliseHandle(%q) = %q, want \"\"", in, got)
		}
		wantError(t, err, facestat.BadUserInput, "input.handle", facestat.ReasonInvalid)
	}
}

func TestNormaliseEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{" Alice@Example.COM ", "alice@example.com"},
		{"a.b+tag@sub.example.org", "a.b+tag@sub.example.org"},
	} {
		got, err := identity.NormaliseEmail(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "alice", "alice@", "@example.com", "alice@localhost", "alice@@example.com",
		"Alice <alice@example.com>", "alice@example.com, bob@example.com", "alice@example.com (Alice)",
		"al ice@example.com", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".com",
	} {
		got, err := identity.NormaliseEmail(in)
		if got != "" {
			t.Errorf("NormaliseEmail(%q) = %q, want \"\"", in, got)
		}
		wantError(t, err, facestat.BadUserInput, "input.email", facestat.ReasonInvalid)
	}
}

func TestSignUp(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s, d, _ := newService(t)
		ses, err := s.SignUp(ctx, "  Alice_1 ", " Alice@Example.COM ", goodPassword, nil)
		if err != nil {
			t.Fatalf("SignUp: %v", err)
		}
		if !strings.HasPrefix(ses.Token, "fsa_") || !strings.HasPrefix(ses.RefreshToken, "fsr_") {
			t.Errorf("tokens %q, %q lack their prefixes", ses.Token, ses.RefreshToken)
		}
		if ses.Viewer == nil || ses.Viewer.Anonymous || ses.Viewer.Role != identity.RoleUser || ses.Viewer.SessionID == 0 {
			t.Errorf("viewer = %+v, want a signed-in user", ses.Viewer)
		}
		u, err := d.User.Get(ctx, ses.Viewer.ID)
		if err != nil {
			t.Fatalf("the account row: %v", err)
		}
		if u.Handle == nil || *u.Handle != "alice_1" || u.Email == nil || *u.Email != "alice@example.com" || u.Anonymous {
			t.Errorf("stored user = handle %v, email %v, anonymous %v; want alice_1, alice@example.com, false", deref(u.Handle), deref(u.Email), u.Anonymous)
		}
		if ok, err := identity.VerifyPassword(goodPassword, u.PasswordHash); !ok || err != nil {
			t.Errorf("stored password hash does not verify: %v, %v", ok, err)
		}
		if strings.Contains(u.PasswordHash, goodPassword) {
			t.Error("the stored password hash contains the password")
		}
	})
	t.Run("OKSessionLifetimes", func(t *testing.T) {
		s, _, clk := newService(t)
		ses := signUp(t, s, "alice", "alice@example.com", goodPassword)
		now := clk.Now()
		if want := now.Add(testConfig.AccessTTL).Truncate(time.Second); !ses.ExpiresAt.Equal(want) || !ses.Viewer.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v (viewer %v), want %v", ses.ExpiresAt, ses.Viewer.ExpiresAt, want)
		}
		if want := now.Add(testConfig.RefreshTTL).Truncate(time.Second); !ses.RefreshExpiresAt.Equal(want) {
			t.Errorf("RefreshExpiresAt = %v, want %v", ses.RefreshExpiresAt, want)
		}
	})
	t.Run("OKPasswordBounds", func(t *testing.T) {
		s, _, _ := newService(t)
		for i, pw := range []string{
			"0123456789",                  // exactly 10 characters
			strings.Repeat("é", 10),       // 10 characters in 20 bytes
			strings.Repeat("x", 256),      // exactly 256 bytes
			strings.Repeat("€", 85) + "x", // 256 bytes of 86 characters
		} {
			if _, err := s.SignUp(ctx, fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.com", i), pw, nil); err != nil {
				t.Errorf("SignUp with a %d-byte password: %v", len(pw), err)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		s, d, _ := newService(t)
		for name, tc := range map[string]struct {
			handle, email, password string
			field, reason           string
		}{
			"HandleShort":       {"ab", "a@example.com", goodPassword, "input.handle", facestat.ReasonInvalid},
			"HandleLong":        {strings.Repeat("a", 31), "a@example.com", goodPassword, "input.handle", facestat.ReasonInvalid},
			"HandleSymbols":     {"al-ice", "a@example.com", goodPassword, "input.handle", facestat.ReasonInvalid},
			"HandleEmpty":       {"", "a@example.com", goodPassword, "input.handle", facestat.ReasonInvalid},
			"EmailPlain":        {"alice", "alice", goodPassword, "input.email", facestat.ReasonInvalid},
			"EmailNoDot":        {"alice", "alice@localhost", goodPassword, "input.email", facestat.ReasonInvalid},
			"EmailDisplayName":  {"alice", "Alice <alice@example.com>", goodPassword, "input.email", facestat.ReasonInvalid},
			"EmailTooLong":      {"alice", strings.Repeat("a", 250) + "@x.io", goodPassword, "input.email", facestat.ReasonInvalid},
			"PasswordEmpty":     {"alice", "a@example.com", "", "input.password", facestat.ReasonWeakPassword},
			"PasswordNine":      {"alice", "a@example.com", "123456789", "input.password", facestat.ReasonWeakPassword},
			"PasswordNineRunes": {"alice", "a@example.com", strings.Repeat("ü", 9), "input.password", facestat.ReasonWeakPassword},
			"PasswordTooLong":   {"alice", "a@example.com", strings.Repeat("x", 257), "input.password", facestat.ReasonTooLong},
			"PasswordTooLongMB": {"alice", "a@example.com", strings.Repeat("€", 86), "input.password", facestat.ReasonTooLong},
		} {
			t.Run(name, func(t *testing.T) {
				ses, err := s.SignUp(ctx, tc.handle, tc.email, tc.password, nil)
				if ses != nil {
					t.Errorf("SignUp returned a session along with %v", err)
				}
				wantError(t, err, facestat.BadUserInput, tc.field, tc.reason)
			})
		}
		if users, sessions := countRows(t, d); users != 0 || sessions != 0 {
			t.Errorf("refused sign-ups left %d users, %d sessions", users, sessions)
		}
	})
	t.Run("ErrTaken", func(t *testing.T) {
		s, d, _ := newService(t)
		signUp(t, s, "alice", "alice@example.com", goodPassword)
		_, err := s.SignUp(ctx, " ALICE ", "other@example.com", goodPassword, nil)
		wantError(t, err, facestat.BadUserInput, "input.handle", facestat.ReasonTaken)
		_, err = s.SignUp(ctx, "bob", " Alice@EXAMPLE.com", goodPassword, nil)
		wantError(t, err, facestat.BadUserInput, "input.email", facestat.ReasonTaken)
		if users, sessions := countRows(t, d); users != 1 || sessions != 1 {
			t.Errorf("after refused sign-ups: %d users, %d sessions; want 1, 1", users, sessions)
		}
	})
	t.Run("ErrTakenConcurrently", func(t *testing.T) {
		// However the race is won, exactly one account gets the handle and
		// every other attempt is told it is taken.
		s, d, _ := newService(t)
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = s.SignUp(ctx, "alice", fmt.Sprintf("alice%d@example.com", i), goodPassword, nil)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			var fe *facestat.Error
			if !errors.As(err, &fe) || fe.Reason != facestat.ReasonTaken {
				t.Errorf("losing SignUp: %v, want reason TAKEN", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d sign-ups with one handle succeeded, want 1", ok)
		}
		if users, _ := countRows(t, d); users != 1 {
			t.Errorf("%d users, want 1", users)
		}
	})
	t.Run("ErrSameEmailAtOnce", func(t *testing.T) {
		// Two sign-ups for one email at once (a double submit, two tabs):
		// one account, and the other is told it collided, not that its
		// email belongs to an account that did not exist when it was sent.
		// Hashing as in production keeps both in flight together.
		d := openDB(t)
		cfg := testConfig
		cfg.Argon2 = identity.Argon2Params{Memory: 19456, Time: 2, Threads: 1}
		s := identity.NewService(d.Client, testKey, cfg, nil)
		errs := make([]error, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				<-start
				_, errs[i] = s.SignUp(ctx, fmt.Sprintf("bob%d", i), "bob@example.com", goodPassword, nil)
			})
		}
		close(start)
		wg.Wait()
		won, conflicts := 0, 0
		for _, err := range errs {
			var fe *facestat.Error
			switch {
			case err == nil:
				won++
			case errors.As(err, &fe) && fe.Code == facestat.Conflict:
				conflicts++
			default:
				t.Errorf("losing SignUp: %v, want CONFLICT", err)
			}
		}
		if won != 1 || conflicts != 1 {
			t.Errorf("%d succeeded and %d answered CONFLICT, want 1 and 1", won, conflicts)
		}
		if users, _ := countRows(t, d); users != 1 {
			t.Errorf("%d users, want 1", users)
		}
		// Afterwards the email is simply taken.
		_, err := s.SignUp(ctx, "bob9", "bob@example.com", goodPassword, nil)
		wantError(t, err, facestat.BadUserInput, "input.email", facestat.ReasonTaken)
	})
	t.Run("OKAnonymousKeepsID", func(t *testing.T) {
		s, d, _ := newService(t)
		_, judge := startAnon(t, s)
		ses, err := s.SignUp(ctx, "alice", "alice@example.com", goodPassword, judge)
		if err != nil {
			t.Fatalf("SignUp: %v", err)
		}
		if ses.Viewer.ID != judge.ID || ses.Viewer.Anonymous {
			t.Errorf("account viewer = %+v, want the judge's id %s, not anonymous", ses.Viewer, judge.ID)
		}
		u, err := d.User.Get(ctx, judge.ID)
		if err != nil || u.Anonymous || deref(u.Handle) != "alice" {
			t.Errorf("user row %s = %+v, %v; want the account alice", judge.ID, u, err)
		}
	})
	t.Run("OKVotedAnonymousBecomesAccount", func(t *testing.T) {
		s, d, _ := newService(t)
		_, judge := startAnon(t, s)
		// A first vote creates the judge's row.
		if err := d.User.Create().SetID(judge.ID).SetAnonymous(true).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		ses, err := s.SignUp(ctx, "alice", "alice@example.com", goodPassword, judge)
		if err != nil {
			t.Fatalf("SignUp: %v", err)
		}
		if ses.Viewer.ID != judge.ID {
			t.Errorf("account id = %s, want the judge's %s", ses.Viewer.ID, judge.ID)
		}
		u, err := d.User.Get(ctx, judge.ID)
		if err != nil || u.Anonymous || deref(u.Handle) != "alice" || deref(u.Email) != "alice@example.com" {
			t.Errorf("user row = %+v, %v; want the judge turned into account alice", u, err)
		}
		if ok, _ := identity.VerifyPassword(goodPassword, u.PasswordHash); !ok {
			t.Error("the converted judge's password does not verify")
		}
		if users, _ := countRows(t, d); users != 1 {
			t.Errorf("%d users, want 1", users)
		}
	})
	t.Run("ErrJudgeUpgraded", func(t *testing.T) {
		// One judge becomes one account: signing up again with its token,
		// whether or not it had voted, is refused and changes nothing.
		for name, voted := range map[string]bool{"New": false, "Voted": true} {
			t.Run(name, func(t *testing.T) {
				s, d, _ := newService(t)
				_, judge := startAnon(t, s)
				if voted {
					if err := d.User.Create().SetID(judge.ID).SetAnonymous(true).Exec(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := s.SignUp(ctx, "alice", "alice@example.com", goodPassword, judge); err != nil {
					t.Fatal(err)
				}
				_, err := s.SignUp(ctx, "bob", "bob@example.com", goodPassword, judge)
				if facestat.ErrorCode(err) != facestat.Conflict {
					t.Fatalf("second sign-up of the judge: %v, want CONFLICT", err)
				}
				if u, err := d.User.Get(ctx, judge.ID); err != nil || deref(u.Email) != "alice@example.com" {
					t.Errorf("the judge's row = %+v, %v; want alice's account", u, err)
				}
				if users, sessions := countRows(t, d); users != 1 || sessions != 1 {
					t.Errorf("%d users, %d sessions; want 1, 1", users, sessions)
				}
			})
		}
	})
	t.Run("ErrJudgeUpgradedConcurrently", func(t *testing.T) {
		s, d, _ := newService(t)
		_, judge := startAnon(t, s)
		if err := d.User.Create().SetID(judge.ID).SetAnonymous(true).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		const n = 4
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = s.SignUp(ctx, fmt.Sprintf("alice%d", i), fmt.Sprintf("alice%d@example.com", i), goodPassword, judge)
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch facestat.ErrorCode(err) {
			case "":
				ok++
			case facestat.Conflict:
			default:
				t.Errorf("losing SignUp: %v, want CONFLICT", err)
			}
		}
		if users, _ := countRows(t, d); ok != 1 || users != 1 {
			t.Errorf("%d sign-ups of one judge succeeded, %d users; want 1, 1", ok, users)
		}
	})
	t.Run("OKAccountViewerGetsNewID", func(t *testing.T) {
		s, _, _ := newService(t)
		first := signUp(t, s, "alice", "alice@example.com", goodPassword)
		second, err := s.SignUp(ctx, "bob", "bob@example.com", goodPassword, first.Viewer)
		if err != nil {
			t.Fatalf("SignUp: %v", err)
		}
		if second.Viewer.ID == first.Viewer.ID {
			t.Error("an account signing up another account gave it its own id")
		}
	})
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s, _, _ := newService(t)
		up := signUp(t, s, "alice", "alice@example.com", goodPassword)
		ses, err := s.SignIn(ctx, "  ALICE@example.com ", goodPassword, "", nil)
		if err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		if ses.Viewer.ID != up.Viewer.ID || ses.Viewer.Anonymous || ses.Token == up.Token || ses.Viewer.SessionID == up.Viewer.SessionID {
			t.Errorf("SignIn viewer = %+v; want a new session of %s", ses.Viewer, up.Viewer.ID)
		}
		for _, token := range []string{up.Token, ses.Token} {
			if v, err := s.Authenticate(ctx, token); err != nil || v.ID != up.Viewer.ID {
				t.Errorf("Authenticate(%q) = %+v, %v; want alice (sessions are independent)", token, v, err)
			}
		}
	})
	t.Run("ErrBadCredentials", func(t *testing.T) {
		s, _, _ := newService(t)
		signUp(t, s, "alice", "alice@example.com", goodPassword)
		_, unknown := s.SignIn(ctx, "nobody@example.com", goodPassword, "", nil)
		_, wrong := s.SignIn(ctx, "alice@example.com", goodPassword+"!", "", nil)
		wantError(t, unknown, facestat.Unauthenticated, "", facestat.ReasonBadCredentials)
		wantError(t, wrong, facestat.Unauthenticated, "", facestat.ReasonBadCredentials)
		if unknown.Error() != wrong.Error() {
			t.Errorf("unknown email says %q but wrong password says %q: they must not differ", unknown, wrong)
		}
		for name, tc := range map[string]struct{ email, password string }{
			"EmptyPassword":    {"alice@example.com", ""},
			"LongPassword":     {"alice@example.com", strings.Repeat("x", 257)},
			"LongEmail":        {strings.Repeat("a", 255) + "@example.com", goodPassword},
			"Empty":            {"", ""},
			"HandleNotAnEmail": {"alice", goodPassword},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.SignIn(ctx, tc.email, tc.password, "", nil)
				wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonBadCredentials)
				if err.Error() != wrong.Error() {
					t.Errorf("error %q differs from %q", err, wrong)
				}
			})
		}
	})
	t.Run("ErrAnonymousRow", func(t *testing.T) {
		// An anonymous judge's row is not an account, even with an email on it.
		s, d, _ := newService(t)
		hash := identity.HashPassword(goodPassword, cheap)
		if err := d.User.Create().SetAnonymous(true).SetEmail("ghost@example.com").SetPasswordHash(hash).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := s.SignIn(ctx, "ghost@example.com", goodPassword, "", nil)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonBadCredentials)
	})
	t.Run("OKMergesVotedJudge", func(t *testing.T) {
		d := openDB(t)
		var calls [][2]uuid.UUID
		merge := func(_ context.Context, _ *ent.Tx, from, to uuid.UUID) error {
			calls = append(calls, [2]uuid.UUID{from, to})
			return nil
		}
		s := identity.NewService(d.Client, testKey, testConfig, merge)
		up := signUp(t, s, "alice", "alice@example.com", goodPassword)
		_, judge := startAnon(t, s)
		if err := d.User.Create().SetID(judge.ID).SetAnonymous(true).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignIn(ctx, "alice@example.com", goodPassword, "", judge); err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		if len(calls) != 1 || calls[0] != [2]uuid.UUID{judge.ID, up.Viewer.ID} {
			t.Errorf("merge calls = %v, want one from %s to %s", calls, judge.ID, up.Viewer.ID)
		}
		j, err := d.User.Get(ctx, judge.ID)
		if err != nil || j.MergedIntoID == nil || *j.MergedIntoID != up.Viewer.ID {
			t.Errorf("judge row = %+v, %v; want merged into %s", j, err, up.Viewer.ID)
		}
		// Signing in again with the same judge moves nothing twice.
		if _, err := s.SignIn(ctx, "alice@example.com", goodPassword, "", judge); err != nil {
			t.Fatalf("second SignIn: %v", err)
		}
		if len(calls) != 1 {
			t.Errorf("merge ran %d times, want once", len(calls))
		}
	})
	t.Run("OKNeverVotedJudgeIsRetired", func(t *testing.T) {
		// A judge that has not voted yet is retired too (its row is
		// created for it), so that a vote it has in flight cannot land
		// after the sign-in under an identity nobody merges any more.
		d := openDB(t)
		s := identity.NewService(d.Client, testKey, testConfig, func(context.Context, *ent.Tx, uuid.UUID, uuid.UUID) error {
			return nil
		})
		up := signUp(t, s, "alice", "alice@example.com", goodPassword)
		_, judge := startAnon(t, s)
		if _, err := s.SignIn(ctx, "alice@example.com", goodPassword, "", judge); err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		row, err := d.User.Get(ctx, judge.ID)
		if err != nil || !row.Anonymous || row.MergedIntoID == nil || *row.MergedIntoID != up.Viewer.ID {
			t.Errorf("the judge's row after sign-in: %+v, %v", row, err)
		}
	})
	t.Run("ErrMergeFailsRollsBack", func(t *testing.T) {
		d := openDB(t)
		boom := errors.New("boom")
		s := identity.NewService(d.Client, testKey, testConfig, func(context.Context, *ent.Tx, uuid.UUID, uuid.UUID) error { return boom })
		signUp(t, s, "alice", "alice@example.com", goodPassword)
		_, judge := startAnon(t, s)
		if err := d.User.Create().SetID(judge.ID).SetAnonymous(true).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignIn(ctx, "alice@example.com", goodPassword, "", judge); !errors.Is(err, boom) {
			t.Fatalf("SignIn = %v, want the merge error", err)
		}
		if _, sessions := countRows(t, d); sessions != 1 {
			t.Errorf("%d sessions after a failed merge, want only the sign-up's", sessions)
		}
		if j, _ := d.User.Get(ctx, judge.ID); j == nil || j.MergedIntoID != nil {
			t.Errorf("judge row = %+v; want it untouched", j)
		}
	})
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s, d, clk := newService(t)
		old := signUp(t, s, "alice", "alice@example.com", goodPassword)
		clk.Advance(time.Minute)
		ses, err := s.Refresh(ctx, old.RefreshToken)
		if err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		if ses.Token == old.Token || ses.RefreshToken == old.RefreshToken || ses.Viewer.SessionID == old.Viewer.SessionID {
			t.Errorf("Refresh kept the old pair or session: %+v", ses)
		}
		if ses.Viewer.ID != old.Viewer.ID || ses.Viewer.Role != identity.RoleUser || !ses.ExpiresAt.After(old.ExpiresAt) {
			t.Errorf("refreshed viewer = %+v, expires %v; want alice, later than %v", ses.Viewer, ses.ExpiresAt, old.ExpiresAt)
		}
		if v, err := s.Authenticate(ctx, ses.Token); err != nil || v.ID != old.Viewer.ID || v.SessionID != ses.Viewer.SessionID {
			t.Errorf("Authenticate(new token) = %+v, %v", v, err)
		}
		_, err = s.Authenticate(ctx, old.Token)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		if _, sessions := countRows(t, d); sessions != 1 {
			t.Errorf("%d sessions after a refresh, want 1", sessions)
		}
	})
	t.Run("ErrOldRefreshToken", func(t *testing.T) {
		s, _, _ := newService(t)
		old := signUp(t, s, "alice", "alice@example.com", goodPassword)
		ses, err := s.Refresh(ctx, old.RefreshToken)
		if err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		_, err = s.Refresh(ctx, old.RefreshToken)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		// The reuse attempt does not cost the rightful holder its new pair.
		if _, err := s.Refresh(ctx, ses.RefreshToken); err != nil {
			t.Errorf("Refresh with the new token: %v", err)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		s, _, clk := newService(t)
		old := signUp(t, s, "alice", "alice@example.com", goodPassword)
		clk.Set(old.RefreshExpiresAt)
		_, err := s.Refresh(ctx, old.RefreshToken)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenExpired)
	})
	t.Run("OKAfterAccessExpired", func(t *testing.T) {
		s, _, clk := newService(t)
		old := signUp(t, s, "alice", "alice@example.com", goodPassword)
		clk.Set(old.ExpiresAt.Add(time.Minute))
		if _, err := s.Refresh(ctx, old.RefreshToken); err != nil {
			t.Errorf("Refresh after the access token expired: %v", err)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		s, _, _ := newService(t)
		old := signUp(t, s, "alice", "alice@example.com", goodPassword)
		anon, _ := startAnon(t, s)
		for _, token := range []string{
			"", "garbage", old.Token, anon, "fsr_", "fsr_nope",
			old.RefreshToken + "x", old.RefreshToken + strings.Repeat("A", 300), " " + old.RefreshToken,
		} {
			_, err := s.Refresh(ctx, token)
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		}
		if _, err := s.Refresh(ctx, old.RefreshToken); err != nil {
			t.Errorf("the genuine token after the failed attempts: %v", err)
		}
	})
	t.Run("OKConcurrentOnlyOneWins", func(t *testing.T) {
		s, d, _ := newService(t)
		old := signUp(t, s, "alice", "alice@example.com", goodPassword)
		const n = 8
		results := make([]*identity.Session, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.Refresh(ctx, old.RefreshToken)
			})
		}
		close(start)
		wg.Wait()
		var winner *identity.Session
		for i, err := range errs {
			if err == nil {
				if winner != nil {
					t.Errorf("refresh %d also succeeded with a spent token", i)
				}
				winner = results[i]
				continue
			}
			if code := facestat.ErrorCode(err); code != facestat.Unauthenticated {
				t.Errorf("losing refresh %d: %v (code %s), want UNAUTHENTICATED", i, err, code)
			}
		}
		if winner == nil {
			t.Fatal("no concurrent refresh succeeded")
		}
		if _, sessions := countRows(t, d); sessions != 1 {
			t.Errorf("%d sessions after concurrent refreshes, want 1", sessions)
		}
		if v, err := s.Authenticate(ctx, winner.Token); err != nil || v.ID != old.Viewer.ID {
			t.Errorf("Authenticate(winner) = %+v, %v", v, err)
		}
	})
}

func TestSignOut(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s, d, _ := newService(t)
		ses := signUp(t, s, "alice", "alice@example.com", goodPassword)
		other, err := s.SignIn(ctx, "alice@example.com", goodPassword, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Authenticate(ctx, ses.Token)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SignOut(ctx, v); err != nil {
			t.Fatalf("SignOut: %v", err)
		}
		_, err = s.Authenticate(ctx, ses.Token)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		_, err = s.Refresh(ctx, ses.RefreshToken)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		// Only that session ended.
		if _, err := s.Authenticate(ctx, other.Token); err != nil {
			t.Errorf("the other session: %v", err)
		}
		if _, sessions := countRows(t, d); sessions != 1 {
			t.Errorf("%d sessions, want 1", sessions)
		}
		if err := s.SignOut(ctx, v); err != nil {
			t.Errorf("second SignOut: %v", err)
		}
	})
	t.Run("OKNothingStored", func(t *testing.T) {
		s, d, _ := newService(t)
		signUp(t, s, "alice", "alice@example.com", goodPassword)
		_, judge := startAnon(t, s)
		for _, v := range []*identity.Viewer{nil, judge} {
			if err := s.SignOut(ctx, v); err != nil {
				t.Errorf("SignOut(%+v): %v", v, err)
			}
		}
		if _, sessions := countRows(t, d); sessions != 1 {
			t.Errorf("%d sessions, want the account's 1 untouched", sessions)
		}
	})
}

func TestSweepExpired(t *testing.T) {
	ctx := context.Background()
	s, d, clk := newService(t)
	old := signUp(t, s, "alice", "alice@example.com", goodPassword)
	clk.Advance(testConfig.RefreshTTL / 2)
	fresh := signUp(t, s, "bob", "bob@example.com", goodPassword)
	clk.Set(old.RefreshExpiresAt.Add(time.Second))
	n, err := s.SweepExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SweepExpired = %d, %v; want 1", n, err)
	}
	if _, err := d.Session.Get(ctx, fresh.Viewer.SessionID); err != nil {
		t.Errorf("the unexpired session was swept: %v", err)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestStoredSessionHoldsOnlyHashes(t *testing.T) {
	ctx := context.Background()
	s, d, _ := newService(t)
	up := signUp(t, s, "alice", "alice@example.com", goodPassword)
	in, err := s.SignIn(ctx, "alice@example.com", goodPassword, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := s.Refresh(ctx, in.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]*identity.Session{"signUp": up, "refresh": ref}

	for name, ses := range live {
		row, err := d.Session.Get(ctx, ses.Viewer.SessionID)
		if err != nil {
			t.Fatalf("%s session row: %v", name, err)
		}
		if row.TokenHash != sha256Hex(ses.Token) || row.RefreshHash != sha256Hex(ses.RefreshToken) {
			t.Errorf("%s row hashes = %s, %s; want the SHA-256 of each token", name, row.TokenHash, row.RefreshHash)
		}
	}

	// No column of any session row holds any raw token, or its random part.
	var secrets []string
	for _, ses := range []*identity.Session{up, in, ref} {
		for _, tok := range []string{ses.Token, ses.RefreshToken} {
			secrets = append(secrets, tok, tok[len("fsa_"):])
		}
	}
	rows, err := d.SQL.QueryContext(ctx, "SELECT * FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			for _, secret := range secrets {
				if bytes.Contains(v, []byte(secret)) {
					t.Errorf("sessions.%s holds a raw token", cols[i])
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d session rows, want 2", n)
	}
}

// TestKeyFromTheDatabaseIsShared: two instances on one database, each
// with the key settings keeps there, accept each other's tokens.
func TestKeyFromTheDatabaseIsShared(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, other := openDBAt(t, dir), openDBAt(t, dir)
	ka, err := settings.New(d.Client).SigningKey(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	kb, err := settings.New(other.Client).SigningKey(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	a := identity.NewService(d.Client, ka, testConfig, nil)
	b := identity.NewService(other.Client, kb, testConfig, nil)
	token, v, err := a.StartAnonymous(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Authenticate(ctx, token); err != nil || got.ID != v.ID {
		t.Errorf("the other instance: Authenticate = %+v, %v", got, err)
	}
}

// TestSweepRetiredJudges: a retired judge's row (RetireJudge) stays while
// a token naming it may still be valid, and goes once the anonymous
// tokens' lifetime has passed since the row was made; an anonymous judge's
// own row is never swept.
func TestSweepRetiredJudges(t *testing.T) {
	ctx := context.Background()
	s, d, clk := newService(t)
	retired, judge := uuid.New(), uuid.New()
	tx, err := d.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := identity.RetireJudge(ctx, tx, retired, uuid.NewSHA1(uuid.NameSpaceOID, retired[:])); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	d.User.Create().SetID(judge).SetAnonymous(true).ExecX(ctx)
	made := time.Now()
	for _, c := range []struct {
		at   time.Time
		left bool
	}{{made, true}, {made.Add(testConfig.AnonTTL - time.Minute), true}, {made.Add(testConfig.AnonTTL + time.Minute), false}} {
		clk.Set(c.at)
		if _, err := s.SweepExpired(ctx); err != nil {
			t.Fatal(err)
		}
		if got := d.User.Query().Where(user.ID(retired)).ExistX(ctx); got != c.left {
			t.Fatalf("at %s after its retirement the retired judge's row exists: %v, want %v", c.at.Sub(made), got, c.left)
		}
		if !d.User.Query().Where(user.ID(judge)).ExistX(ctx) {
			t.Fatal("an anonymous judge's own row was swept")
		}
	}
}
