package db

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/question"
)

// histogramRows returns the photo_answer_counts rows as "question/value" →
// count.
func histogramRows(ctx context.Context, t *testing.T, c *ent.Client) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, r := range c.PhotoAnswerCount.Query().AllX(ctx) {
		out[fmt.Sprintf("%d/%d", r.QuestionID, r.Value)] = r.Count
	}
	return out
}

func userVersion(ctx context.Context, t *testing.T, d *DB) int {
	t.Helper()
	var v int
	if err := d.SQL.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSQLiteDataUpgrade opens an SQLite database that has not had the
// data upgrades (user_version 0) and holds YES_NO histogram rows, as the
// vote path wrote them before, and photos without a vote tier or fit_due:
// Open removes the rows, keeps the others, fills in the photos' tiers and
// the refit's queue, and records the upgrades, which then never run again.
func TestSQLiteDataUpgrade(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if v := userVersion(ctx, t, d); v != len(sqliteDataUpgrades) {
		t.Fatalf("a new database's user_version is %d, want %d (every upgrade done)", v, len(sqliteDataUpgrades))
	}
	owner := d.User.Create().SetHandle("owner").SaveX(ctx)
	p := d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("i").SetThumbKey("t").
		SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).SaveX(ctx)
	yn := d.Question.Create().SetKey("kind").SetPrompt("Kind?").SetKind(question.KindYES_NO).SaveX(ctx)
	num := d.Question.Create().SetKey("age").SetPrompt("Age?").SetKind(question.KindNUMBER).SetMin(1).SetMax(100).SaveX(ctx)
	d.PhotoAnswerCount.Create().SetPhotoID(p.ID).SetQuestionID(yn.ID).SetValue(1).SetCount(7).ExecX(ctx)
	d.PhotoAnswerCount.Create().SetPhotoID(p.ID).SetQuestionID(num.ID).SetValue(20).SetCount(2).ExecX(ctx)
	all := histogramRows(ctx, t, d.Client)
	// Photos as earlier releases left them: no vote tier, no fit_due, one
	// waiting for a refit (fitted below its stats version), one not.
	changed := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	waiting := d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("i2").SetThumbKey("t2").SetWidth(1).SetHeight(1).
		SetThumbWidth(1).SetThumbHeight(1).SetVoteCount(40).SetStatsVersion(3).SetFittedVersion(1).SetStatsUpdatedAt(changed).SaveX(ctx)
	fitted := d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("i3").SetThumbKey("t3").SetWidth(1).SetHeight(1).
		SetThumbWidth(1).SetThumbHeight(1).SetVoteCount(5).SetStatsVersion(2).SetFittedVersion(2).SetStatsUpdatedAt(changed).SaveX(ctx)
	d.Close()

	reopen := func() *DB {
		t.Helper()
		d, err := Open(ctx, Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d = reopen()
	if got := histogramRows(ctx, t, d.Client); !maps.Equal(got, all) {
		t.Fatalf("reopened after its upgrades: rows %v, want %v untouched (upgrades run once)", got, all)
	}
	// As an earlier release's schema left them (ent's migration keeps them).
	for _, stmt := range []string{"PRAGMA user_version = 0",
		"CREATE INDEX photo_status_judge_queue_vote_count_id ON photos (status, judge_queue, vote_count, id)",
		"CREATE INDEX photo_stats_updated_at ON photos (stats_updated_at) WHERE fitted_version < stats_version"} {
		if _, err := d.SQL.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()

	d = reopen()
	defer d.Close()
	want := map[string]int64{fmt.Sprintf("%d/20", num.ID): 2}
	if got := histogramRows(ctx, t, d.Client); !maps.Equal(got, want) {
		t.Fatalf("reopened before the upgrade: rows %v, want %v (no YES_NO rows)", got, want)
	}
	if v := userVersion(ctx, t, d); v != len(sqliteDataUpgrades) {
		t.Fatalf("user_version %d after the upgrade, want %d", v, len(sqliteDataUpgrades))
	}
	var oldIndexes int
	if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index'
		AND name IN ('photo_status_judge_queue_vote_count_id', 'photo_stats_updated_at')`).Scan(&oldIndexes); err != nil {
		t.Fatal(err)
	}
	if oldIndexes != 0 {
		t.Errorf("%d of the indexes vote_tier and fit_due replace are left after the upgrade", oldIndexes)
	}
	for _, c := range []struct {
		id   uuid.UUID
		tier int
		due  *time.Time
	}{{waiting.ID, 21, &changed}, {fitted.ID, 5, nil}, {p.ID, 0, nil}} {
		row := d.Photo.GetX(ctx, c.id)
		if row.VoteTier != c.tier || (row.FitDue == nil) != (c.due == nil) || (c.due != nil && !row.FitDue.Equal(*c.due)) {
			t.Errorf("photo of %d votes: tier %d, fit_due %v after the upgrade; want %d, %v", row.VoteCount, row.VoteTier, row.FitDue, c.tier, c.due)
		}
	}
}
