package judging

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/schema"
	"github.com/facestat/facestat/ent/vote"
)

// TestReadVotesIsEnts: the refit's hand-written read of votes gives what
// ent's query gives, every column of every vote in the same order (the
// answers as encoding/json decodes their text), on both databases, by
// judge and by photo.
func TestReadVotesIsEnts(t *testing.T) {
	if !slices.Equal(voteColumns, vote.Columns) {
		t.Fatalf("readVotes reads %v, ent's vote has %v", voteColumns, vote.Columns)
	}
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		owner, err := d.User.Create().SetHandle("owner").SetEmail("owner@example.com").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var photos, judges []uuid.UUID
		for i := range 3 {
			p, err := d.Photo.Create().SetOwnerID(owner.ID).SetImageKey("img/" + string(rune('a'+i))).
				SetThumbKey("thumb/" + string(rune('a'+i))).SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			photos = append(photos, p.ID)
			u, err := d.User.Create().SetHandle("judge" + string(rune('a'+i))).SetEmail(string(rune('a'+i)) + "@example.com").Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			judges = append(judges, u.ID)
		}
		n, yes, word := 30, true, "grüße"
		at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		answers := []schema.Answers{
			{{Question: 1, Number: &n}, {Question: 3, Yes: &yes}, {Question: 5, Word: &word}},
			{},
			{{Question: 2}},
		}
		for i, j := range judges {
			for k, p := range photos {
				c := d.Vote.Create().SetJudgeID(j).SetPhotoID(p).SetAnswers(answers[(i+k)%len(answers)]).
					SetCreatedAt(at.Add(time.Duration((i*7+k*3)%5) * time.Second)) // ties in created_at too
				if (i+k)%2 == 0 {
					c.SetNetwork("198.51.100.0/24")
				}
				if err := c.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The answers as encoding/json decodes the column's text (ent's
		// read decodes them with schema.Answers too, as readVotes does).
		raw := map[int64][]schema.Answer{}
		rows, err := d.SQL.QueryContext(ctx, "SELECT id, answers FROM votes")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var text []byte
			var as []schema.Answer
			if err := rows.Scan(&id, &text); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(text, &as); err != nil {
				t.Fatal(err)
			}
			raw[id] = as
		}
		if err := rows.Close(); err != nil || len(raw) != 9 {
			t.Fatalf("read the answers of %d votes, %v; want 9", len(raw), err)
		}
		for _, by := range []struct {
			column string
			ids    []uuid.UUID
			where  func(...uuid.UUID) *ent.VoteQuery
		}{
			{vote.FieldJudgeID, judges[:2], func(ids ...uuid.UUID) *ent.VoteQuery { return d.Vote.Query().Where(vote.JudgeIDIn(ids...)) }},
			{vote.FieldPhotoID, photos[1:], func(ids ...uuid.UUID) *ent.VoteQuery { return d.Vote.Query().Where(vote.PhotoIDIn(ids...)) }},
		} {
			want, err := by.where(by.ids...).Order(vote.ByCreatedAt(), vote.ByID()).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readVotes(ctx, d.Client, d.Dialect, by.column, by.ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) != 6 {
				t.Fatalf("by %s: read %d votes, ent %d, want 6", by.column, len(got), len(want))
			}
			for i := range want {
				w, g := want[i], got[i]
				if w.ID != g.ID || w.JudgeID != g.JudgeID || w.PhotoID != g.PhotoID || !reflect.DeepEqual(schema.Answers(raw[w.ID]), g.Answers) ||
					!w.CreatedAt.Equal(g.CreatedAt) || w.CreatedAt.Location().String() != g.CreatedAt.Location().String() || w.Network != g.Network {
					t.Errorf("by %s, vote %d: ent reads %s, readVotes %s", by.column, i, show(w), show(g))
				}
			}
		}
		if _, err := readVotes(ctx, d.Client, d.Dialect, vote.FieldAnswers, photos); err == nil {
			t.Error("readVotes by answers: no error")
		}
	})
}

// show renders a vote with its answers' values.
func show(v *ent.Vote) string {
	answers, _ := json.Marshal(v.Answers)
	return fmt.Sprintf("%d %s %s %s %s %q", v.ID, v.JudgeID, v.PhotoID, answers, v.CreatedAt, v.Network)
}
