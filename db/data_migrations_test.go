package db

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	migratepg "github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/google/uuid"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/question"
)

// yesNoFixture is a photo with a YES_NO question (7 yes of 10) and a
// NUMBER question, their statistics rows and the histogram rows the vote
// path wrote before YES_NO histograms were derived.
type yesNoFixture struct {
	photo         uuid.UUID
	yesNo, number int
}

func seedYesNo(ctx context.Context, t *testing.T, c *ent.Client) yesNoFixture {
	t.Helper()
	owner := c.User.Create().SetHandle("owner").SaveX(ctx)
	p := c.Photo.Create().SetOwnerID(owner.ID).SetImageKey("i").SetThumbKey("t").
		SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).SaveX(ctx)
	yn := c.Question.Create().SetKey("kind").SetPrompt("Kind?").SetKind(question.KindYES_NO).SaveX(ctx)
	num := c.Question.Create().SetKey("age").SetPrompt("Age?").SetKind(question.KindNUMBER).SetMin(1).SetMax(100).SaveX(ctx)
	c.PhotoQuestionStat.Create().SetPhotoID(p.ID).SetQuestionID(yn.ID).SetCount(10).SetSum(7).SetSumSq(7).ExecX(ctx)
	c.PhotoQuestionStat.Create().SetPhotoID(p.ID).SetQuestionID(num.ID).SetCount(2).SetSum(50).SetSumSq(1300).ExecX(ctx)
	return yesNoFixture{photo: p.ID, yesNo: yn.ID, number: num.ID}
}

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

// TestYesNoHistogramsMigration runs migration 20261206181500 on
// PostgreSQL: up removes the YES_NO histogram rows and keeps the others;
// down rebuilds them from the statistics rows (count - sum and sum); up
// again removes them again.
func TestYesNoHistogramsMigration(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	f := seedYesNo(ctx, t, d.Client)
	// As the vote path left them before: both questions' histograms.
	d.PhotoAnswerCount.Create().SetPhotoID(f.photo).SetQuestionID(f.yesNo).SetValue(0).SetCount(3).ExecX(ctx)
	d.PhotoAnswerCount.Create().SetPhotoID(f.photo).SetQuestionID(f.yesNo).SetValue(1).SetCount(7).ExecX(ctx)
	d.PhotoAnswerCount.Create().SetPhotoID(f.photo).SetQuestionID(f.number).SetValue(20).SetCount(1).ExecX(ctx)
	d.PhotoAnswerCount.Create().SetPhotoID(f.photo).SetQuestionID(f.number).SetValue(30).SetCount(1).ExecX(ctx)
	numberRows := map[string]int64{fmt.Sprintf("%d/20", f.number): 1, fmt.Sprintf("%d/30", f.number): 1}
	withYesNo := maps.Clone(numberRows)
	withYesNo[fmt.Sprintf("%d/0", f.yesNo)] = 3
	withYesNo[fmt.Sprintf("%d/1", f.yesNo)] = 7

	src, err := iofs.New(pgMigrations, "migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	drv, err := migratepg.WithConnection(ctx, conn, &migratepg.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "postgres", drv)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Migrate(20261206110051); err != nil { // the version before
		t.Fatal(err)
	}
	if got := histogramRows(ctx, t, d.Client); !maps.Equal(got, withYesNo) {
		t.Fatalf("down: histogram rows %v, want %v (the YES_NO ones rebuilt from count and sum)", got, withYesNo)
	}
	if err := m.Migrate(20261206181500); err != nil {
		t.Fatal(err)
	}
	if got := histogramRows(ctx, t, d.Client); !maps.Equal(got, numberRows) {
		t.Fatalf("up: histogram rows %v, want %v (no YES_NO rows)", got, numberRows)
	}
	if err := m.Migrate(20261206110051); err != nil {
		t.Fatal(err)
	}
	if got := histogramRows(ctx, t, d.Client); !maps.Equal(got, withYesNo) {
		t.Fatalf("down from no rows: histogram rows %v, want %v", got, withYesNo)
	}
}

// TestSQLiteDataUpgrade opens an SQLite database holding YES_NO histogram
// rows again: Open removes them and keeps the others.
func TestSQLiteDataUpgrade(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	f := seedYesNo(ctx, t, d.Client)
	d.PhotoAnswerCount.Create().SetPhotoID(f.photo).SetQuestionID(f.yesNo).SetValue(1).SetCount(7).ExecX(ctx)
	d.PhotoAnswerCount.Create().SetPhotoID(f.photo).SetQuestionID(f.number).SetValue(20).SetCount(2).ExecX(ctx)
	d.Close()

	d, err = Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want := map[string]int64{fmt.Sprintf("%d/20", f.number): 2}
	if got := histogramRows(ctx, t, d.Client); !maps.Equal(got, want) {
		t.Fatalf("after reopening: histogram rows %v, want %v", got, want)
	}
}
