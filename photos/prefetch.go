package photos

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/entx"
)

// A castVote answers with the next photo to judge. Picked after the vote,
// that photo cost a statement of its own for every vote: its row, read if
// the judge has neither voted on nor skipped it (drawFromHead), about a
// tenth of a judging view's CPU, PostgreSQL's and FaceStat's together.
// So the pick is made in two halves around the vote instead (issue 16):
// before it is queued, Candidates draws from the head what the pick would
// try, with no statement; once the vote's batch has committed, the
// ingester reads, for the whole batch at once, the first of each vote's
// candidates still judgeable by its judge (DrawNext: one statement a
// batch on PostgreSQL; SQLite's picks stay as they were); and the
// answer's next photo is that row, checked by authz as every pick is
// (judging.Service.ServeNext). A vote whose candidates were all judged or
// gone meanwhile (another instance's votes the memo does not hold) gets
// the pick after the vote, as before, which reads the judge's votes again.

// Candidates returns the photos a pick for judge would try, in the order
// it would try them (pickTries at most): drawn as drawFromHead draws,
// leaving out skip (the photo being voted on). Only for a judge the memo
// holds, from a head a pick may use without waiting; nil otherwise (the
// pick then happens after the vote, as NextPhoto's do). No statement.
func (s *Service) Candidates(judge uuid.UUID, skip []uuid.UUID, n int) []uuid.UUID {
	if n <= 0 || 8*n > headMaxSize || !s.draw.pg {
		return nil
	}
	judged, _, memo := s.memo.get(judge)
	if !memo {
		return nil
	}
	head := s.head.peek(s.scanHead(max(8*n, headMinSize)), s.log)
	if head == nil {
		return nil
	}
	candidates, enough := head.candidates(&judge, judged, skip, n)
	if !enough {
		return nil // more candidates lie past the head: the pick decides
	}
	return slices.Clip(candidates[:min(len(candidates), pickTries)])
}

// NextPick is one vote's half of a pick: its judge and Candidates.
type NextPick struct {
	Judge      uuid.UUID
	Candidates []uuid.UUID
}

// DrawNext reads, for each pick, the first of its candidates that is
// active and that its judge has neither voted on nor skipped: one
// statement on PostgreSQL for every pick, one row a pick at most. The
// answer is indexed as picks; nil where none was. A judge whose first
// candidate missed (judged through another instance, or gone) is dropped
// from the memo, so that their next pick reads their votes again (as a
// miss of drawFromHead does).
func (s *Service) DrawNext(ctx context.Context, picks []NextPick) ([]*ent.Photo, error) {
	out := make([]*ent.Photo, len(picks))
	var index, ranks []int32
	var judges, ids [][16]byte
	for i, p := range picks {
		for r, id := range p.Candidates[:min(len(p.Candidates), pickTries)] {
			index, ranks = append(index, int32(i)), append(ranks, int32(r))
			judges, ids = append(judges, p.Judge), append(ids, id)
		}
	}
	if len(index) == 0 || !s.draw.pg {
		return out, nil
	}
	first := make([]bool, len(picks))
	err := entx.QueryRows(ctx, s.client, drawNextPG, []any{index, ranks, judges, ids}, func(rows *sql.Rows) error {
		var i, rank int32
		p, err := scanPhoto(rows, &i, &rank)
		if err != nil {
			return err
		}
		if i >= 0 && int(i) < len(picks) {
			out[i], first[i] = p, rank == 0
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("photos: drawing the next photos: %w", err)
	}
	for i, p := range picks {
		if len(p.Candidates) > 0 && !first[i] {
			s.memo.forget(p.Judge)
		}
	}
	return out, nil
}

// ServedDrawn counts a photo DrawNext drew, served, as a pick the head
// served (facestat_next_photo_picks_total{way="head"}).
func (s *Service) ServedDrawn() { s.picks.head.Add(1) }

// drawNextPG is DrawNext's statement: drawRow's unjudged statement for
// many (pick, rank, judge, photo) rows at once, the first rank of each
// pick that passes, with the pick and the rank after drawColumns.
var drawNextPG = func() string {
	cols := make([]string, len(drawColumns))
	for i, c := range drawColumns {
		cols[i] = "ph." + c
	}
	return "SELECT DISTINCT ON (c.i) " + strings.Join(cols, ", ") + ", c.i, c.r" +
		" FROM unnest($1::int4[], $2::int4[], $3::uuid[], $4::uuid[]) AS c(i, r, j, p)" +
		" JOIN " + photo.Table + " ph ON ph." + photo.FieldID + " = c.p" +
		" WHERE ph." + photo.FieldStatus + " = '" + photo.StatusActive.String() + "'" +
		unjudged("c.j", "c.p") + " ORDER BY c.i, c.r"
}()
