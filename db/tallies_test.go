package db_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	migratepg "github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/ent/schema"
)

// The migration that made photo_tallies, and the one before it.
const talliesMigration, beforeTallies = 20261207115718, 20261206214125

// migrator returns golang-migrate over d's embedded migrations.
func migrator(ctx context.Context, t *testing.T, d *db.DB) *migrate.Migrate {
	t.Helper()
	src, err := iofs.New(db.PGMigrations, "migrations/postgres")
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
	t.Cleanup(func() { m.Close() })
	return m
}

// randomTallies are tallies of up to 4 of questions 1-6, figures of
// either sign; nil now and then.
func randomTallies(r *rand.Rand) schema.Tallies {
	if r.IntN(8) == 0 {
		return nil
	}
	t := schema.Tallies{}
	for range r.IntN(5) {
		t[1+r.IntN(6)] = schema.Tally{r.Int64N(2000) - 1000, r.Int64N(200000) - 100000, r.Int64N(1 << 40)}
	}
	return t
}

// TestAddTalliesSQL: facestat_add_tallies, PostgreSQL's (a migration's
// SQL) and SQLite's (schema.AddTalliesJSON), each give what
// schema.Tallies.Add gives, questions missing on either side included.
func TestAddTalliesSQL(t *testing.T) {
	ctx := context.Background()
	pg, err := db.Open(ctx, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	lite, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	arg := func(x schema.Tallies) any {
		if x == nil {
			return nil
		}
		return string(x.AppendJSON(nil))
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 300 {
		a, b := randomTallies(r), randomTallies(r)
		want := schema.Tallies{}
		want.Add(a)
		want.Add(b)
		for _, c := range []struct {
			name, query string
			d           *db.DB
		}{{"PostgreSQL", "SELECT " + schema.AddTalliesFunc + "($1::jsonb, $2::jsonb)::text", pg}, {"SQLite", "SELECT " + schema.AddTalliesFunc + "(?, ?)", lite}} {
			var raw string
			if err := c.d.SQL.QueryRowContext(ctx, c.query, arg(a), arg(b)).Scan(&raw); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var got schema.Tallies
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("%s answered %q: %v", c.name, raw, err)
			}
			if !maps.Equal(got, want) {
				t.Fatalf("case %d, %s: %v + %v = %v, want %v", i, c.name, a, b, got, want)
			}
		}
	}
}

// TestMigrationTallies: the migration fills every photo's tallies from its
// statistics rows; while an earlier release still writes count, sum and
// sum_sq there (a new row, an update), what it adds reaches the tallies,
// and a refit's weighted figures alone do not; the down migration writes
// the tallies back into the statistics rows, which the earlier release
// reads.
func TestMigrationTallies(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DatabaseURL: dbtest.MustCreatePGDatabase(t), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m := migrator(ctx, t, d)
	if err := m.Migrate(beforeTallies); err != nil {
		t.Fatal(err)
	}
	owner := d.User.Create().SetHandle("owner").SaveX(ctx)
	newPhoto := func(key string) uuid.UUID {
		return d.Photo.Create().SetOwnerID(owner.ID).SetImageKey(key).SetThumbKey(key).
			SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).SaveX(ctx).ID
	}
	p1, p2, p3 := newPhoto("a"), newPhoto("b"), newPhoto("c")
	age := d.Question.Create().SetKey("age").SetPrompt("Age?").SetKind(question.KindNUMBER).SetMin(1).SetMax(100).SaveX(ctx).ID
	kind := d.Question.Create().SetKey("kind").SetPrompt("Kind?").SetKind(question.KindYES_NO).SaveX(ctx).ID
	d.PhotoQuestionStat.Create().SetPhotoID(p1).SetQuestionID(age).SetCount(3).SetSum(90).SetSumSq(2800).ExecX(ctx)
	d.PhotoQuestionStat.Create().SetPhotoID(p1).SetQuestionID(kind).SetCount(4).SetSum(1).SetSumSq(1).ExecX(ctx)
	d.PhotoQuestionStat.Create().SetPhotoID(p2).SetQuestionID(age).SetCount(1).SetSum(50).SetSumSq(2500).ExecX(ctx)

	if err := m.Steps(1); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := m.Version(); v != talliesMigration {
		t.Fatalf("migrated to %d, want %d", v, talliesMigration)
	}
	tallies := func() map[uuid.UUID]schema.Tallies {
		out := map[uuid.UUID]schema.Tallies{}
		for _, r := range d.PhotoTally.Query().AllX(ctx) {
			out[r.PhotoID] = r.Tallies
		}
		return out
	}
	check := func(when string, want map[uuid.UUID]schema.Tallies) {
		t.Helper()
		got := tallies()
		if len(got) != len(want) {
			t.Fatalf("%s: tallies %v, want %v", when, got, want)
		}
		for id, w := range want {
			if !maps.Equal(got[id], w) {
				t.Fatalf("%s: photo %s's tallies %v, want %v", when, id, got[id], w)
			}
		}
	}
	check("after the migration", map[uuid.UUID]schema.Tallies{p1: {age: {3, 90, 2800}, kind: {4, 1, 1}}, p2: {age: {1, 50, 2500}}})

	// An earlier release's votes: an update of a row, a new row.
	for _, c := range []struct {
		stmt string
		args []any
	}{
		// The earlier release's own upsert (judging/deltas.go before
		// photo_tallies): one row there, one new.
		{`INSERT INTO photo_question_stats AS t (photo_id, question_id, "count", "sum", sum_sq)
		SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
		ON CONFLICT (photo_id, question_id) DO UPDATE SET
		"count" = t."count" + EXCLUDED."count", "sum" = t."sum" + EXCLUDED."sum", sum_sq = t.sum_sq + EXCLUDED.sum_sq`,
			[]any{[]uuid.UUID{p1, p3}, []int64{int64(age), int64(age)}, []int64{2, 1}, []int64{60, 20}, []int64{1800, 400}}},
		// A refit's weighted figures, of a new row and of one there.
		{`INSERT INTO photo_question_stats (photo_id, question_id, w_weight, w_neff, w_mean, w_mean_sq) VALUES ($1, $2, 1, 1, 1, 1)`, []any{p3, kind}},
		{`UPDATE photo_question_stats SET w_weight = 2, w_neff = 2 WHERE photo_id = $1`, []any{p1}},
	} {
		if _, err := d.SQL.ExecContext(ctx, c.stmt, c.args...); err != nil {
			t.Fatal(err)
		}
	}
	check("after an earlier release's writes", map[uuid.UUID]schema.Tallies{
		p1: {age: {5, 150, 4600}, kind: {4, 1, 1}}, p2: {age: {1, 50, 2500}}, p3: {age: {1, 20, 400}}})

	// This release's vote on p2 (tallies only), then down.
	if _, err := d.SQL.ExecContext(ctx, `UPDATE photo_tallies SET tallies = `+schema.AddTalliesFunc+`(tallies, $1::jsonb) WHERE photo_id = $2`,
		string(schema.Tallies{age: {1, 30, 900}}.AppendJSON(nil)), p2); err != nil {
		t.Fatal(err)
	}
	if err := m.Steps(-1); err != nil {
		t.Fatal(err)
	}
	got := map[[2]any][3]int64{}
	for _, r := range d.PhotoQuestionStat.Query().AllX(ctx) {
		got[[2]any{r.PhotoID, r.QuestionID}] = [3]int64{r.Count, r.Sum, r.SumSq}
	}
	want := map[[2]any][3]int64{{p1, age}: {5, 150, 4600}, {p1, kind}: {4, 1, 1}, {p2, age}: {2, 80, 3400}, {p3, age}: {1, 20, 400}, {p3, kind}: {0, 0, 0}}
	if !maps.Equal(got, want) {
		t.Fatalf("statistics rows after the down migration: %v, want %v", got, want)
	}
	// Down left no trigger behind (a write there succeeds), and up again
	// takes the rows as they are then.
	if _, err := d.SQL.ExecContext(ctx, `UPDATE photo_question_stats SET "count" = "count" + 1, "sum" = "sum" + 1, sum_sq = sum_sq + 1 WHERE photo_id = $1 AND question_id = $2`, p1, kind); err != nil {
		t.Fatalf("an earlier release's write after the down migration: %v", err)
	}
	if err := m.Steps(1); err != nil {
		t.Fatal(err)
	}
	check("up again", map[uuid.UUID]schema.Tallies{
		p1: {age: {5, 150, 4600}, kind: {5, 2, 2}}, p2: {age: {2, 80, 3400}}, p3: {age: {1, 20, 400}, kind: {0, 0, 0}}})
}
