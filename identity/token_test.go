package identity_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/identity"
)

var b64url = base64.RawURLEncoding

// forge signs payload the way an anonymous token is documented to be signed:
// fsj_ base64url(payload) . base64url(HMAC-SHA256(key, "fsj_" + base64url(payload))).
func forge(key, payload []byte) string {
	p := b64url.EncodeToString(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("fsj_" + p))
	return "fsj_" + p + "." + b64url.EncodeToString(m.Sum(nil))
}

func anonPayload(id uuid.UUID, exp time.Time) []byte {
	b := make([]byte, 24)
	copy(b, id[:])
	binary.BigEndian.PutUint64(b[16:], uint64(exp.Unix()))
	return b
}

// splitAnon returns the decoded payload and signature of an anonymous token.
func splitAnon(t *testing.T, token string) (payload, sig []byte) {
	t.Helper()
	p, s, ok := strings.Cut(strings.TrimPrefix(token, "fsj_"), ".")
	if !ok || !strings.HasPrefix(token, "fsj_") {
		t.Fatalf("token %q is not fsj_PAYLOAD.SIG", token)
	}
	payload, err := b64url.DecodeString(p)
	if err != nil {
		t.Fatalf("payload of %q: %v", token, err)
	}
	sig, err = b64url.DecodeString(s)
	if err != nil {
		t.Fatalf("signature of %q: %v", token, err)
	}
	return payload, sig
}

func join(payload, sig []byte) string {
	return "fsj_" + b64url.EncodeToString(payload) + "." + b64url.EncodeToString(sig)
}

func TestStartAnonymous(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s, _, clk := newService(t)
		token, v := startAnon(t, s)
		if !strings.HasPrefix(token, "fsj_") {
			t.Errorf("token %q lacks the fsj_ prefix", token)
		}
		if len(token) > 256 {
			t.Errorf("token is %d bytes, longer than Authenticate accepts", len(token))
		}
		if v.ID == uuid.Nil || !v.Anonymous || v.Role != identity.RoleUser || v.SessionID != 0 || v.IsAccount() {
			t.Errorf("viewer = %+v, want a fresh anonymous user-role judge without a session", v)
		}
		if want := clk.Now().Add(testConfig.AnonTTL).Truncate(time.Second); !v.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", v.ExpiresAt, want)
		}
		payload, _ := splitAnon(t, token)
		if len(payload) != 24 || uuid.UUID(payload[:16]) != v.ID {
			t.Errorf("payload %x does not carry the judge id %s", payload, v.ID)
		}
	})
	t.Run("OKWritesNothing", func(t *testing.T) {
		s, d, _ := newService(t)
		for range 5 {
			startAnon(t, s)
		}
		if users, sessions := countRows(t, d); users != 0 || sessions != 0 {
			t.Errorf("after StartAnonymous: %d users, %d sessions; want none", users, sessions)
		}
		if n, err := d.Setting.Query().Count(context.Background()); err != nil || n != 0 {
			t.Errorf("after StartAnonymous: %d settings (err %v); want none", n, err)
		}
	})
	t.Run("OKDistinctJudges", func(t *testing.T) {
		s, _, _ := newService(t)
		t1, v1 := startAnon(t, s)
		t2, v2 := startAnon(t, s)
		if t1 == t2 || v1.ID == v2.ID {
			t.Errorf("two judges share a token or id: %s %s", v1.ID, v2.ID)
		}
	})
}

func TestAuthenticateAnonymous(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s, _, _ := newService(t)
		token, started := startAnon(t, s)
		v, err := s.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if v.ID != started.ID || !v.Anonymous || v.Role != identity.RoleUser || v.SessionID != 0 || !v.ExpiresAt.Equal(started.ExpiresAt) {
			t.Errorf("Authenticate = %+v, want %+v", v, started)
		}
	})
	t.Run("OKJustBeforeExpiry", func(t *testing.T) {
		s, _, clk := newService(t)
		token, v := startAnon(t, s)
		clk.Set(v.ExpiresAt.Add(-time.Nanosecond))
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Errorf("Authenticate 1ns before expiry: %v", err)
		}
	})
	t.Run("OKForgedWithTheKey", func(t *testing.T) {
		// The documented format, signed with the service's key, is accepted:
		// the checks below fail for the reason they name, not by accident.
		s, _, clk := newService(t)
		id := uuid.New()
		exp := clk.Now().Add(time.Minute).Truncate(time.Second)
		v, err := s.Authenticate(ctx, forge(testKey, anonPayload(id, exp)))
		if err != nil || v.ID != id || !v.ExpiresAt.Equal(exp) {
			t.Fatalf("Authenticate(forged) = %+v, %v; want judge %s until %v", v, err, id, exp)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		s, _, clk := newService(t)
		token, v := startAnon(t, s)
		for _, at := range []time.Time{v.ExpiresAt, v.ExpiresAt.Add(time.Second), v.ExpiresAt.Add(365 * 24 * time.Hour)} {
			clk.Set(at)
			_, err := s.Authenticate(ctx, token)
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenExpired)
		}
	})
	t.Run("ErrTamperedPayload", func(t *testing.T) {
		s, _, _ := newService(t)
		token, _ := startAnon(t, s)
		payload, sig := splitAnon(t, token)
		for name, mutate := range map[string]func(p []byte) []byte{
			"OtherJudge":    func(p []byte) []byte { p[0] ^= 1; return p },
			"LaterExpiry":   func(p []byte) []byte { p[22]++; return p },
			"Truncated":     func(p []byte) []byte { return p[:23] },
			"Extended":      func(p []byte) []byte { return append(p, 0) },
			"EmptyPayload":  func(p []byte) []byte { return nil },
			"AllZeroJudge":  func(p []byte) []byte { clear(p[:16]); return p },
			"ExpiryMaxUint": func(p []byte) []byte { binary.BigEndian.PutUint64(p[16:], ^uint64(0)); return p },
		} {
			t.Run(name, func(t *testing.T) {
				p := mutate(append([]byte(nil), payload...))
				_, err := s.Authenticate(ctx, join(p, sig))
				wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
			})
		}
	})
	t.Run("ErrTamperedSignature", func(t *testing.T) {
		s, _, _ := newService(t)
		token, _ := startAnon(t, s)
		payload, sig := splitAnon(t, token)
		for name, mutate := range map[string]func(s []byte) []byte{
			"FlippedBit": func(s []byte) []byte { s[len(s)-1] ^= 0x80; return s },
			"Truncated":  func(s []byte) []byte { return s[:16] },
			"Empty":      func(s []byte) []byte { return nil },
			"Zero":       func(s []byte) []byte { clear(s); return s },
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.Authenticate(ctx, join(payload, mutate(append([]byte(nil), sig...))))
				wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
			})
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		s, d, _ := newService(t)
		other := identity.NewService(d.Client, []byte("another key, also 32 bytes long!"), testConfig, nil)
		other.Now = s.Now
		token, _ := startAnon(t, other)
		_, err := s.Authenticate(ctx, token)
		wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
	})
	t.Run("ErrForgedWrongLength", func(t *testing.T) {
		// Correctly signed but not 24 bytes: still refused.
		s, _, clk := newService(t)
		p := anonPayload(uuid.New(), clk.Now().Add(time.Hour))
		for _, payload := range [][]byte{p[:23], append(p, 1), nil} {
			_, err := s.Authenticate(ctx, forge(testKey, payload))
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		}
	})
	t.Run("ErrGarbage", func(t *testing.T) {
		s, _, _ := newService(t)
		token, _ := startAnon(t, s)
		for _, garbage := range []string{
			"", " ", "garbage", "Bearer " + token, " " + token, token + " ", strings.ToUpper(token),
			"fsj_", "fsj_.", "fsj_abc", "fsj_abc.", "fsj_.abc", "fsj_!!!.???", "fsj_a.b.c",
			strings.Replace(token, ".", "", 1), strings.Replace(token, ".", "..", 1),
			"fsa_", "fsa_nope", "fsr_" + strings.TrimPrefix(token, "fsj_"), "FSJ_" + strings.TrimPrefix(token, "fsj_"),
			"\x00", "fsj_\xff\xfe.\xff",
		} {
			_, err := s.Authenticate(ctx, garbage)
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		}
	})
	t.Run("ErrOverLong", func(t *testing.T) {
		s, _, _ := newService(t)
		token, _ := startAnon(t, s)
		for _, long := range []string{
			token + strings.Repeat("A", 257-len(token)),
			"fsj_" + strings.Repeat("A", 10000),
			"fsa_" + strings.Repeat("A", 300),
			strings.Repeat("x", 1<<20),
		} {
			_, err := s.Authenticate(ctx, long)
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		}
	})
}

func TestAuthenticateAccount(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s, _, _ := newService(t)
		ses := signUp(t, s, "alice", "alice@example.com", "correct horse battery")
		v, err := s.Authenticate(ctx, ses.Token)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if v.ID != ses.Viewer.ID || v.Anonymous || v.Role != identity.RoleUser || v.SessionID == 0 ||
			v.SessionID != ses.Viewer.SessionID || !v.ExpiresAt.Equal(ses.ExpiresAt) || !v.IsAccount() {
			t.Errorf("Authenticate = %+v, want %+v", v, ses.Viewer)
		}
	})
	t.Run("OKRole", func(t *testing.T) {
		s, d, _ := newService(t)
		ses := signUp(t, s, "mod", "mod@example.com", "correct horse battery")
		if err := d.User.UpdateOneID(ses.Viewer.ID).SetRole("moderator").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := s.Authenticate(ctx, ses.Token)
		if err != nil || v.Role != identity.RoleModerator || !v.IsModerator() {
			t.Errorf("Authenticate = %+v, %v; want a moderator", v, err)
		}
	})
	t.Run("ErrTokenExpired", func(t *testing.T) {
		s, _, clk := newService(t)
		ses := signUp(t, s, "alice", "alice@example.com", "correct horse battery")
		clk.Set(ses.ExpiresAt.Add(-time.Nanosecond))
		if _, err := s.Authenticate(ctx, ses.Token); err != nil {
			t.Fatalf("Authenticate just before expiry: %v", err)
		}
		for _, at := range []time.Time{ses.ExpiresAt, ses.ExpiresAt.Add(time.Minute)} {
			clk.Set(at)
			_, err := s.Authenticate(ctx, ses.Token)
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenExpired)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		s, _, _ := newService(t)
		ses := signUp(t, s, "alice", "alice@example.com", "correct horse battery")
		last := ses.Token[len(ses.Token)-2]
		swap := byte('A')
		if last == 'A' {
			swap = 'B'
		}
		for _, token := range []string{
			ses.Token[:len(ses.Token)-2] + string(swap) + ses.Token[len(ses.Token)-1:],
			ses.Token[:len(ses.Token)-1],
			ses.RefreshToken, // a refresh token is not an access token
			"fsa_" + strings.TrimPrefix(ses.RefreshToken, "fsr_"),
		} {
			_, err := s.Authenticate(ctx, token)
			wantError(t, err, facestat.Unauthenticated, "", facestat.ReasonTokenInvalid)
		}
	})
}
