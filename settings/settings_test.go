package settings_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/settings"
)

// openDBAt opens the SQLite database in dir, which other calls may share
// (two instances on one database).
func openDBAt(t *testing.T, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("db.Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestSigningKey(t *testing.T) {
	ctx := context.Background()

	t.Run("OKConfigured", func(t *testing.T) {
		d := openDBAt(t, t.TempDir())
		key, err := settings.New(d.Client).SigningKey(ctx, "a configured secret of 32 bytes!")
		if err != nil || string(key) != "a configured secret of 32 bytes!" {
			t.Fatalf("SigningKey = %q, %v; want the configured secret", key, err)
		}
		if n, _ := d.Setting.Query().Count(ctx); n != 0 {
			t.Errorf("a configured key stored %d settings, want none", n)
		}
	})
	t.Run("OKStable", func(t *testing.T) {
		dir := t.TempDir()
		s := settings.New(openDBAt(t, dir).Client)
		first, err := s.SigningKey(ctx, "")
		if err != nil {
			t.Fatalf("SigningKey: %v", err)
		}
		if len(first) != 32 || bytes.Equal(first, make([]byte, 32)) {
			t.Fatalf("generated key = %x, want 32 random bytes", first)
		}
		for range 3 {
			again, err := s.SigningKey(ctx, "")
			if err != nil || !bytes.Equal(again, first) {
				t.Fatalf("SigningKey again = %x, %v; want %x", again, err, first)
			}
		}
		// Another instance on the same database gets the same key.
		other := settings.New(openDBAt(t, dir).Client)
		if again, err := other.SigningKey(ctx, ""); err != nil || !bytes.Equal(again, first) {
			t.Fatalf("SigningKey from another client = %x, %v; want %x", again, err, first)
		}
	})
	t.Run("OKConcurrentAgree", func(t *testing.T) {
		d := openDBAt(t, t.TempDir())
		const n = 8
		keys := make([][]byte, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				keys[i], errs[i] = settings.New(d.Client).SigningKey(ctx, "")
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if !bytes.Equal(keys[i], keys[0]) {
				t.Errorf("call %d got key %x, call 0 got %x", i, keys[i], keys[0])
			}
		}
		if c, _ := d.Setting.Query().Count(ctx); c != 1 {
			t.Errorf("%d settings stored, want 1", c)
		}
	})
}

// TestForcedLevel: no level is forced until one is set; a forced level
// reads back on another instance; nil hands control back.
func TestForcedLevel(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, other := settings.New(openDBAt(t, dir).Client), settings.New(openDBAt(t, dir).Client)
	if l, err := s.ForcedLevel(ctx); err != nil || l != nil {
		t.Fatalf("ForcedLevel before any = %v, %v; want nil", l, err)
	}
	level := admission.PauseUploads
	if err := s.SetForcedLevel(ctx, &level); err != nil {
		t.Fatal(err)
	}
	if l, err := other.ForcedLevel(ctx); err != nil || l == nil || *l != admission.PauseUploads {
		t.Fatalf("ForcedLevel on the other instance = %v, %v; want pause-uploads", l, err)
	}
	if err := other.SetForcedLevel(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if l, err := s.ForcedLevel(ctx); err != nil || l != nil {
		t.Fatalf("ForcedLevel after handing back = %v, %v; want nil", l, err)
	}
}
