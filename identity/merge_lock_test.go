package identity_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/identity"
)

// TestMergeLocksUsersInIDOrder: on PostgreSQL a sign-in that merges an
// anonymous judge locks the judge's row and the account's in id order, as
// the refit does when it writes karma (setEarned, settleKarma): a refit
// holding the account's row (the smaller id) and then wanting the judge's
// does not deadlock with the sign-in, and both commit.
func TestMergeLocksUsersInIDOrder(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	// The merge touches the account's row, as judging.Merge does when it
	// hands the judge's karma over.
	merge := func(ctx context.Context, tx *ent.Tx, _, to uuid.UUID) error {
		return tx.User.UpdateOneID(to).AddKarmaEarned(1).Exec(ctx)
	}
	cfg := testConfig
	cfg.LockRows = true
	s := identity.NewService(d.Client, testKey, cfg, merge)
	up := signUp(t, s, "alice", "alice@example.com", goodPassword)
	// An anonymous judge that voted (it has a row), with an id above the
	// account's, so that id order locks the account first.
	judge := &identity.Viewer{ID: uuid.Max, Anonymous: true}
	if err := d.User.Create().SetID(judge.ID).SetAnonymous(true).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	// The refit's transaction: the account's row first.
	refit, err := d.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer refit.Rollback()
	if err := refit.User.Update().Where(user.ID(up.Viewer.ID)).AddKarmaEarned(0).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	signedIn := make(chan error, 1)
	go func() {
		_, err := s.SignIn(ctx, "alice@example.com", goodPassword, "", judge)
		signedIn <- err
	}()
	// Wait until the sign-in waits for a lock the refit holds.
	for deadline := time.Now().Add(30 * time.Second); ; {
		var waiting int
		rows, err := d.QueryContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			if err := rows.Scan(&waiting); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sign-in never waited for the refit's lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Then the judge's row: the sign-in must not hold it while it waits.
	if err := refit.User.Update().Where(user.ID(judge.ID)).AddKarmaEarned(0).Exec(ctx); err != nil {
		t.Fatalf("the refit's update of the judge: %v", err)
	}
	if err := refit.Commit(); err != nil {
		t.Fatalf("the refit's commit: %v", err)
	}
	if err := <-signedIn; err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if u, err := d.User.Get(ctx, up.Viewer.ID); err != nil || u.KarmaEarned != 1 {
		t.Fatalf("account after the merge: %+v, %v; want karma_earned 1", u, err)
	}
}
