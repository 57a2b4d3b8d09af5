package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/ratelimit"
)

// limitedService returns a Service whose sign-ins are limited to two per
// email for untrusted clients and three per device, generously per
// address, with alice signed up; its database and clock; and alice's
// device token from signing up.
func limitedService(t *testing.T) (*identity.Service, *db.DB, *clock, string) {
	t.Helper()
	cfg := testConfig
	cfg.RateLimits = &ratelimit.Policy{Limiter: inmem.NewLimiter(1000), Rules: ratelimit.Rules{
		SignIn:       ratelimit.Rule{Name: "sign_in", Limit: 100, Per: time.Minute},
		SignInEmail:  ratelimit.Rule{Name: "sign_in_email", Limit: 2, Per: 10 * time.Minute},
		SignInDevice: ratelimit.Rule{Name: "sign_in_device", Limit: 3, Per: 10 * time.Minute},
	}}
	d := openDB(t)
	s := identity.NewService(d.Client, testKey, cfg, nil)
	c := newClock()
	s.Now = c.Now
	return s, d, c, signUp(t, s, "alice", "alice@example.com", goodPassword).DeviceToken
}

// wantLimited fails unless err is RATE_LIMITED.
func wantLimited(t *testing.T, what string, err error) {
	t.Helper()
	if facestat.ErrorCode(err) != facestat.RateLimited {
		t.Fatalf("%s: %v, want RATE_LIMITED", what, err)
	}
}

// spendUntrusted uses up alice's budget for untrusted clients with wrong
// passwords.
func spendUntrusted(t *testing.T, s *identity.Service) {
	t.Helper()
	for range 2 {
		_, err := s.SignIn(context.Background(), "alice@example.com", "a wrong guess", "", nil)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonBadCredentials)
	}
	_, err := s.SignIn(context.Background(), "alice@example.com", goodPassword, "", nil)
	wantLimited(t, "the right password without a device token", err)
}

func TestDeviceToken(t *testing.T) {
	ctx := context.Background()
	t.Run("OKIssued", func(t *testing.T) {
		s, _, c, device := limitedService(t)
		if !strings.HasPrefix(device, "fsd_") || len(device) > 256 {
			t.Fatalf("signUp's device token %q", device)
		}
		ses, err := s.SignIn(ctx, "alice@example.com", goodPassword, device, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ses.DeviceToken == device || !strings.HasPrefix(ses.DeviceToken, "fsd_") || !ses.DeviceExpiresAt.Equal(c.Now().Truncate(time.Second).Add(testConfig.DeviceTTL)) {
			t.Fatalf("signIn's device token %q until %v; want a new one, trusted for the device TTL", ses.DeviceToken, ses.DeviceExpiresAt)
		}
	})
	t.Run("OKOwnBudget", func(t *testing.T) {
		s, _, _, device := limitedService(t)
		spendUntrusted(t, s)
		ses, err := s.SignIn(ctx, "  Alice@Example.com ", goodPassword, device, nil)
		if err != nil {
			t.Fatalf("the owner's device while untrusted clients are throttled: %v", err)
		}
		// Wrong passwords from the device count on its budget of three (one spent).
		for range 2 {
			_, err := s.SignIn(ctx, "alice@example.com", "a wrong guess", device, nil)
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonBadCredentials)
		}
		_, err = s.SignIn(ctx, "alice@example.com", goodPassword, device, nil)
		wantLimited(t, "the device's fourth attempt", err)
		if _, err := s.SignIn(ctx, "alice@example.com", goodPassword, ses.DeviceToken, nil); err != nil {
			t.Fatalf("another device of the owner: %v", err)
		}
	})
	t.Run("OKUntrusted", func(t *testing.T) {
		// Each of these counts on alice's budget for untrusted clients: two
		// wrong guesses with it spend that budget.
		type setup struct {
			s      *identity.Service
			d      *db.DB
			c      *clock
			device string // alice's
		}
		for name, token := range map[string]func(setup) string{
			"AnotherAccounts": func(x setup) string {
				return signUp(t, x.s, "bob", "bob@example.com", goodPassword).DeviceToken
			},
			"Expired": func(x setup) string {
				x.c.Advance(testConfig.DeviceTTL)
				return x.device
			},
			"Tampered": func(x setup) string {
				return x.device[:10] + string(x.device[10]^1) + x.device[11:]
			},
			"Anonymous": func(x setup) string {
				token, _ := startAnon(t, x.s)
				return token
			},
			"Junk": func(setup) string { return "fsd_." },
			"EmailChangedHands": func(x setup) string {
				// alice's account is gone and another took its email: her
				// device is not one of the new account's.
				if _, err := x.d.User.Delete().Exec(ctx); err != nil {
					t.Fatal(err)
				}
				signUp(t, x.s, "alice2", "alice@example.com", goodPassword)
				return x.device
			},
		} {
			t.Run(name, func(t *testing.T) {
				s, d, c, device := limitedService(t)
				untrusted := token(setup{s, d, c, device})
				for range 2 {
					_, err := s.SignIn(ctx, "alice@example.com", "a wrong guess", untrusted, nil)
					wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonBadCredentials)
				}
				_, err := s.SignIn(ctx, "alice@example.com", goodPassword, untrusted, nil)
				wantLimited(t, "a third attempt with it", err)
			})
		}
	})
	t.Run("ErrTooLong", func(t *testing.T) {
		s, _, _, _ := limitedService(t)
		_, err := s.SignIn(ctx, "alice@example.com", goodPassword, strings.Repeat("x", 257), nil)
		wantError(t, err, facestat.BadUserInput, "input.deviceToken", facestat.ReasonTooLong)
	})
}
