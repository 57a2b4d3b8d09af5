package photos

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/photoskip"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/entx"
)

// drawColumns are the photo columns drawRow (and DrawNext) reads, in scanPhoto's order:
// all of them, as ent's own queries read (TestDrawRowIsEnts keeps this
// list equal to photo.Columns).
var drawColumns = []string{
	photo.FieldID, photo.FieldOwnerID, photo.FieldImageKey, photo.FieldThumbKey, photo.FieldImageVersion,
	photo.FieldWidth, photo.FieldHeight, photo.FieldThumbWidth, photo.FieldThumbHeight, photo.FieldIsPublic,
	photo.FieldStatus, photo.FieldCreatedAt, photo.FieldVoteCount, photo.FieldVoteTier, photo.FieldStatsVersion,
	photo.FieldStatsUpdatedAt, photo.FieldOwnerNetwork, photo.FieldFittedVersion, photo.FieldFitDue,
	photo.FieldJudgeQueue, photo.FieldConsentShowsMe, photo.FieldConsentAdult, photo.FieldConsentAcceptsJudging,
	photo.FieldConsentedAt, photo.FieldReportedAt, photo.FieldCountedReports, photo.FieldReviewPriority,
}

// drawStatements are drawFromHead's statements, each one fixed text made
// once: the drawn photo by key if it is active, and (unjudged) only if the
// judge has neither voted on nor skipped it either. They are the dearest
// statement of a judging view, run once a pick (a castVote's pick on
// PostgreSQL is DrawNext's, one a batch): written by hand, not
// through ent's query builder, whose building of the text and reading of
// the row cost more facestat CPU than the statement itself (PERFORMANCE
// §6, eighth session). Parameters: the photo's id, then the judge's.
type drawStatements struct {
	row, unjudged string
	pg            bool
}

func newDrawStatements(dialectName string) drawStatements {
	pg := dialectName == dialect.Postgres
	id, judge := "?1", "?2"
	if pg {
		id, judge = "$1", "$2"
	}
	row := "SELECT " + strings.Join(drawColumns, ", ") + " FROM " + photo.Table +
		" WHERE " + photo.FieldID + " = " + id + " AND " + photo.FieldStatus + " = '" + photo.StatusActive.String() + "'"
	return drawStatements{row: row, unjudged: row + unjudged(judge, id), pg: pg}
}

// unjudged is the condition that the judge (an expression) has neither
// voted on nor skipped the photo (another): two probes of the (judge,
// photo) unique indexes.
func unjudged(judgeExpr, photoExpr string) string {
	notIn := func(table, judgeCol, photoCol string) string {
		return " AND NOT EXISTS (SELECT 1 FROM " + table + " x WHERE x." + judgeCol + " = " + judgeExpr + " AND x." + photoCol + " = " + photoExpr + ")"
	}
	return notIn(vote.Table, vote.FieldJudgeID, vote.FieldPhotoID) + notIn(photoskip.Table, photoskip.FieldJudgeID, photoskip.FieldPhotoID)
}

// drawRow reads the photo id if it is active and, with judge, not judged
// by them; nil when it is not.
func (s *Service) drawRow(ctx context.Context, id uuid.UUID, judge *uuid.UUID) (*ent.Photo, error) {
	q, args := s.draw.row, []any{s.draw.arg(id)}
	if judge != nil {
		q, args = s.draw.unjudged, append(args, s.draw.arg(*judge))
	}
	var p *ent.Photo // the key is unique: one row at most
	err := entx.QueryRows(ctx, s.client, q, args, func(rows *sql.Rows) (err error) {
		p, err = scanPhoto(rows)
		return err
	})
	return p, err
}

// arg is a uuid as the dialect's driver takes it best: PostgreSQL's pgx
// sends [16]byte in binary, where uuid.UUID would go through its text.
func (d drawStatements) arg(id uuid.UUID) any {
	if d.pg {
		return [16]byte(id)
	}
	return id
}

// scanPhoto reads a row of drawColumns as ent's generated code would
// (photo.scanValues and assignValues). The photo carries no ent client:
// its edge queries and Update would panic (its readers use its fields,
// and tx.Photo.UpdateOne(p)).
// Columns after them, if any, go to extra.
func scanPhoto(rows *sql.Rows, extra ...any) (*ent.Photo, error) {
	var (
		p                                                     ent.Photo
		imageKey, thumbKey, status, network                   sql.NullString
		imageVersion, width, height, thumbWidth, thumbHeight  sql.NullInt64
		voteCount, voteTier, statsVersion, fitted, queue, cnt sql.NullInt64
		public, showsMe, adult, accepts, priority             sql.NullBool
		createdAt, statsAt, fitDue, consentedAt, reportedAt   sql.NullTime
	)
	err := rows.Scan(append([]any{&p.ID, &p.OwnerID, &imageKey, &thumbKey, &imageVersion,
		&width, &height, &thumbWidth, &thumbHeight, &public,
		&status, &createdAt, &voteCount, &voteTier, &statsVersion,
		&statsAt, &network, &fitted, &fitDue,
		&queue, &showsMe, &adult, &accepts,
		&consentedAt, &reportedAt, &cnt, &priority}, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("reading a photo: %w", err)
	}
	p.ImageKey, p.ThumbKey, p.Status, p.OwnerNetwork = imageKey.String, thumbKey.String, photo.Status(status.String), network.String
	p.ImageVersion, p.Width, p.Height = int(imageVersion.Int64), int(width.Int64), int(height.Int64)
	p.ThumbWidth, p.ThumbHeight = int(thumbWidth.Int64), int(thumbHeight.Int64)
	p.VoteCount, p.VoteTier, p.StatsVersion = int(voteCount.Int64), int(voteTier.Int64), statsVersion.Int64
	p.FittedVersion, p.JudgeQueue, p.CountedReports = fitted.Int64, int(queue.Int64), int(cnt.Int64)
	p.IsPublic, p.ConsentShowsMe, p.ConsentAdult = public.Bool, showsMe.Bool, adult.Bool
	p.ConsentAcceptsJudging, p.ReviewPriority = accepts.Bool, priority.Bool
	p.CreatedAt = createdAt.Time
	p.StatsUpdatedAt, p.FitDue, p.ConsentedAt, p.ReportedAt = timeOrNil(statsAt), timeOrNil(fitDue), timeOrNil(consentedAt), timeOrNil(reportedAt)
	return &p, nil
}

func timeOrNil(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// lockPG is lock on PostgreSQL, for Lock and LockForCounts alike: one
// statement of one text for any number of photos (id = ANY($1), the ids
// in binary), written by hand as drawRow's is, its rows read by
// scanPhoto (no ent client on them). Every vote batch runs it.
func lockPG(ctx context.Context, tx *ent.Tx, ids []uuid.UUID, strength entsql.LockStrength) (map[uuid.UUID]*ent.Photo, error) {
	out := make(map[uuid.UUID]*ent.Photo, len(ids))
	err := entx.QueryRows(ctx, tx, lockSelect+string(strength), []any{entx.BinaryUUIDs(ids)}, func(rows *sql.Rows) error {
		p, err := scanPhoto(rows)
		if err == nil {
			out[p.ID] = p
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("photos: locking: %w", err)
	}
	return out, nil
}

// lockSelect is lockPG's statement but for its lock's strength.
var lockSelect = "SELECT " + strings.Join(drawColumns, ", ") + " FROM " + photo.Table +
	" WHERE " + photo.FieldID + " = ANY($1::uuid[]) ORDER BY " + photo.FieldID + " FOR "
