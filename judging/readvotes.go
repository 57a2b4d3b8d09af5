package judging

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/entx"
)

// voteColumns are the vote columns readVotes reads, in scanVote's order:
// all of them (TestReadVotesIsEnts keeps this list equal to vote.Columns).
var voteColumns = []string{vote.FieldID, vote.FieldJudgeID, vote.FieldPhotoID, vote.FieldAnswers, vote.FieldCreatedAt, vote.FieldNetwork}

// readVotes reads, from client, every vote whose column (vote.FieldJudgeID
// or vote.FieldPhotoID) is one of ids, in (created_at, id) order: what
// ent's query would read, by a statement of its own.
//
// The refit reads every vote of the photos it weighs and of the judges it
// profiles, again each round; through ent's query, building the rows
// (assignValues, and json.Unmarshal's check of each vote's answers before
// it decodes them) cost more than the statement (PERFORMANCE §1, eighth
// session). On PostgreSQL the text is one whatever the number of ids (an
// array of uuids, sent in binary).
func readVotes(ctx context.Context, client *ent.Client, dialectName, column string, ids []uuid.UUID) ([]*ent.Vote, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if column != vote.FieldJudgeID && column != vote.FieldPhotoID {
		return nil, fmt.Errorf("reading votes: by %q", column)
	}
	head := "SELECT " + strings.Join(voteColumns, ", ") + " FROM " + vote.Table + " WHERE " + column
	order := " ORDER BY " + vote.FieldCreatedAt + ", " + vote.FieldID
	var q string
	var args []any
	if dialectName == dialect.Postgres {
		q, args = head+" = ANY($1::uuid[])"+order, []any{entx.BinaryUUIDs(ids)}
	} else {
		args = make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		q = head + " IN (" + strings.Repeat("?, ", len(ids)-1) + "?)" + order
	}
	var out []*ent.Vote
	err := entx.QueryRows(ctx, client, q, args, func(rows *sql.Rows) error {
		v, err := scanVote(rows)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading votes: %w", err)
	}
	return out, nil
}

// scanVote reads a row of voteColumns as ent's generated code would
// (vote.scanValues and assignValues), the answers by their own decoder
// (schema.Answers). The vote carries no ent client: its edge queries and
// Update would panic (the refit uses its fields only).
func scanVote(rows *sql.Rows) (*ent.Vote, error) {
	var (
		v       ent.Vote
		id      sql.NullInt64
		answers []byte
		at      sql.NullTime
		network sql.NullString
	)
	if err := rows.Scan(&id, &v.JudgeID, &v.PhotoID, &answers, &at, &network); err != nil {
		return nil, fmt.Errorf("reading a vote: %w", err)
	}
	if len(answers) > 0 {
		if err := v.Answers.UnmarshalJSON(answers); err != nil {
			return nil, fmt.Errorf("reading a vote's answers: %w", err)
		}
	}
	v.ID, v.CreatedAt, v.Network = id.Int64, at.Time, network.String
	return &v, nil
}
