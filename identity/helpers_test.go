package identity_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/identity"
)

var testConfig = identity.Config{
	Argon2:     cheap,
	AccessTTL:  time.Hour,
	RefreshTTL: 24 * time.Hour,
	AnonTTL:    2 * time.Hour,
	DeviceTTL:  365 * 24 * time.Hour,
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// clock is a settable time source that is safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.Set(time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC))
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// openDB opens a fresh SQLite database in a temporary folder.
func openDB(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("db.Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// newService returns a Service on a fresh database, signing with testKey
// and reading time from the returned clock.
func newService(t *testing.T) (*identity.Service, *db.DB, *clock) {
	t.Helper()
	d := openDB(t)
	s := identity.NewService(d.Client, testKey, testConfig, nil)
	c := newClock()
	s.Now = c.Now
	return s, d, c
}

// wantError fails unless err is a *facestat.Error with code, field and reason.
func wantError(t *testing.T, err error, code facestat.Code, field, reason string) {
	t.Helper()
	var fe *facestat.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *facestat.Error %s/%s", err, err, code, reason)
	}
	if fe.Code != code || fe.Field != field || fe.Reason != reason {
		t.Fatalf("err = {Code: %s, Field: %q, Reason: %s}, want {Code: %s, Field: %q, Reason: %s} (%v)",
			fe.Code, fe.Field, fe.Reason, code, field, reason, err)
	}
}

// signUp creates an account and fails the test if it cannot.
func signUp(t *testing.T, s *identity.Service, handle, email, password string) *identity.Session {
	t.Helper()
	ses, err := s.SignUp(context.Background(), handle, email, password, nil)
	if err != nil {
		t.Fatalf("SignUp(%q, %q): %v", handle, email, err)
	}
	return ses
}

func countRows(t *testing.T, d *db.DB) (users, sessions int) {
	t.Helper()
	ctx := context.Background()
	users, err := d.User.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err = d.Session.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return users, sessions
}

// openDBAt opens the SQLite database in dir, which other calls may share.
func openDBAt(t *testing.T, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("db.Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// startAnon starts an anonymous judge on s, failing the test on an error.
func startAnon(t *testing.T, s *identity.Service) (string, *identity.Viewer) {
	t.Helper()
	token, v, err := s.StartAnonymous(context.Background())
	if err != nil {
		t.Fatalf("StartAnonymous: %v", err)
	}
	return token, v
}
