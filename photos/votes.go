package photos

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/panics"
)

// The vote path's statements on the photos table. judging calls them
// inside its transactions; the photo's lock is what serialises the
// updates of its aggregates.

// Lock locks the photos ids within tx (FOR UPDATE: the transaction may
// delete them), in id order, so that transactions locking overlapping sets
// (vote batches, judge merges, moderation, in this process or another
// instance) never deadlock, and returns the rows of those that exist. On
// SQLite it only reads them: a write transaction there holds the whole
// database from BEGIN.
func (s *Service) Lock(ctx context.Context, tx *ent.Tx, ids []uuid.UUID) (map[uuid.UUID]*ent.Photo, error) {
	return s.lock(ctx, tx, ids, entsql.LockUpdate)
}

// LockForCounts is Lock for a transaction that changes the photos'
// counters, versions and figures but neither deletes them nor changes
// their keys (vote batches, the refit, judge merges): FOR NO KEY UPDATE,
// which serialises it with every other writer of the rows (and keeps them
// from being deleted) but not with the foreign-key checks of rows that
// refer to the photos (servings, votes), which take FOR KEY SHARE. Under
// FOR UPDATE a servings upsert checking its photos in another order
// deadlocked with vote batches, each stalled for PostgreSQL's deadlock
// timeout (a second) before one was cancelled.
func (s *Service) LockForCounts(ctx context.Context, tx *ent.Tx, ids []uuid.UUID) (map[uuid.UUID]*ent.Photo, error) {
	return s.lock(ctx, tx, ids, entsql.LockNoKeyUpdate)
}

func (s *Service) lock(ctx context.Context, tx *ent.Tx, ids []uuid.UUID, strength entsql.LockStrength) (map[uuid.UUID]*ent.Photo, error) {
	if len(ids) == 0 {
		return map[uuid.UUID]*ent.Photo{}, nil
	}
	if s.cfg.Dialect == dialect.Postgres {
		return lockPG(ctx, tx, ids, strength)
	}
	rows, err := tx.Photo.Query().Where(photo.IDIn(ids...)).Order(photo.ByID()).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: locking: %w", err)
	}
	return entx.ByID(rows, func(p *ent.Photo) uuid.UUID { return p.ID }), nil
}

// exactTiers is the vote count below which a photo's vote tier is its
// vote count (VoteTier); above, each doubling of the count has
// tiersPerDoubling tiers.
const (
	exactTiers       = 16
	tiersPerDoubling = 4
)

// VoteTier is the tier of a photo with n votes, what nextPhoto orders
// photos by (photo.FieldVoteTier): n itself below 16, then four tiers per
// doubling, each 1/4 of the doubling wide (16 for 16-19 votes, 17 for
// 20-23, ..., 20 for 32-39, 21 for 40-47, ...): the photos nextPhoto
// serves first are at most about 25 % apart in votes. A photo changes
// tier at most every fifth of its votes or so, so that the vote path's
// UPDATE mostly leaves every indexed column as it was (a HOT update on
// PostgreSQL: no index entry, no dead index row per vote batch).
func VoteTier(n int) int {
	if n < exactTiers {
		return max(n, 0)
	}
	size := bits.Len(uint(n)) // n has size bits, its top one set
	quarter := (n >> (size - 3)) & (tiersPerDoubling - 1)
	return exactTiers + tiersPerDoubling*(size-bits.Len(exactTiers)) + quarter
}

// VoteTierFunc is VoteTier as an SQL function on SQLite, which package
// db registers with the driver.
const VoteTierFunc = "vote_tier"

// VoteTierSQL is VoteTier of the integer SQL expression n on PostgreSQL
// (SQLite has VoteTierFunc): width_bucket's binary search of the tiers'
// first counts (VoteTierStarts), a constant array. It was a CASE of a
// WHEN for each tier: 237 branches to set up for every execution of the
// vote batch's statement and to walk for each photo it updates, about
// 80 µs of PostgreSQL's time a batch of nine votes (pgbench).
func VoteTierSQL(n string) string {
	starts := VoteTierStarts()
	var b strings.Builder
	b.WriteString("width_bucket(" + n + ", '{")
	for i, c := range starts[1:] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(c, 10))
	}
	b.WriteString("}'::bigint[])")
	return b.String()
}

// VoteTierStarts are the tiers' first counts, tier by tier from tier 0
// (math.MinInt64: every count below 1 is in it): VoteTier(n) is the last
// tier whose start is at most n.
func VoteTierStarts() []int64 {
	starts := []int64{math.MinInt64}
	for t := int64(1); t < exactTiers; t++ {
		starts = append(starts, t)
	}
	for size := bits.Len(exactTiers); size <= 63; size++ {
		for quarter := range tiersPerDoubling {
			// The last, 7 << 60, is the largest int64's tier's.
			starts = append(starts, int64(tiersPerDoubling+quarter)<<(size-3))
		}
	}
	return starts
}

// AddVotes adds counts[id] to each photo's vote count (negative to take
// votes away), keeps its vote tier, moves its statistics version on and
// makes it due for a refit (FitDue, unless it is already), within tx, in
// id order (on PostgreSQL in one statement for all the photos). No
// indexed column changes but the tier (at each of a photo's first 16
// votes, then four times per doubling) and FitDue (once per refit). Once
// tx commits, the photos' cached rows are dropped, off the committing
// goroutine.
func (s *Service) AddVotes(ctx context.Context, tx *ent.Tx, counts map[uuid.UUID]int, now time.Time) error {
	if s.cfg.Dialect == dialect.Postgres {
		// Every photo in one statement of one text, whatever their number:
		// ids and counts as two arrays.
		args := s.AddVotesArgs(tx, counts, now)
		if args == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, addVotesPG, args...); err != nil {
			return fmt.Errorf("photos: updating vote counts: %w", err)
		}
		return nil
	}
	ids := s.countsChanged(tx, counts)
	for _, id := range ids {
		// Update (not UpdateOneID, which reads the row back): one statement.
		n := counts[id]
		err := tx.Photo.Update().Where(photo.ID(id)).AddVoteCount(n).AddStatsVersion(1).SetStatsUpdatedAt(now).
			Modify(func(u *entsql.UpdateBuilder) {
				u.Set(photo.FieldVoteTier, entsql.ExprFunc(func(b *entsql.Builder) {
					b.WriteString(VoteTierFunc + "(").Ident(photo.FieldVoteCount).WriteString(" + ").Arg(n).WriteString(")")
				}))
				u.Set(photo.FieldFitDue, entsql.ExprFunc(func(b *entsql.Builder) {
					b.WriteString("COALESCE(").Ident(photo.FieldFitDue).Comma().Arg(now).WriteString(")")
				}))
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("photos: updating vote count: %w", err)
		}
	}
	return nil
}

// AddVotesArgs is AddVotes on PostgreSQL for a caller that runs its
// statement (AddVotesSQL) as part of one of its own within tx, saving a
// round trip: it returns the statement's arguments (nil when no photo's
// count changes) and, as AddVotes does, drops the photos' cached rows once
// tx commits.
func (s *Service) AddVotesArgs(tx *ent.Tx, counts map[uuid.UUID]int, now time.Time) []any {
	ids := s.countsChanged(tx, counts)
	if len(ids) == 0 {
		return nil
	}
	n, raw := make([]int64, len(ids)), make([][16]byte, len(ids))
	for i, id := range ids {
		n[i], raw[i] = int64(counts[id]), id
	}
	return []any{raw, n, now}
}

// countsChanged returns the photos whose counts change, in id order, and has
// their cached rows dropped once tx commits.
func (s *Service) countsChanged(tx *ent.Tx, counts map[uuid.UUID]int) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(counts))
	for id, n := range counts {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if s.cfg.Cache != nil {
		entx.AfterCommit(tx, func() {
			panics.Go(s.log, "dropping cached photos", func() { s.forgetCounts(context.Background(), ids...) })
		})
	}
	return ids
}

// SQLiteUpgrade brings the photos of an SQLite database of an earlier
// release to vote_tier and fit_due (db.Open runs it once, as data
// upgrades 2 to 4; PostgreSQL's migrations 20261206214122-25 do the
// same): each photo's vote tier and whether the refit owes it a weighing,
// filled in from its vote count and versions, and the indexes they
// replace dropped (ent's migration adds indexes but drops none).
var SQLiteUpgrade = [...]string{
	`UPDATE ` + photo.Table + ` SET ` + photo.FieldVoteTier + ` = ` + VoteTierFunc + `(` + photo.FieldVoteCount + `),
		` + photo.FieldFitDue + ` = CASE WHEN fitted_version < stats_version THEN COALESCE(stats_updated_at, created_at) END
	WHERE vote_count > 0 OR fitted_version < stats_version`,
	`DROP INDEX IF EXISTS photo_status_judge_queue_vote_count_id`,
	`DROP INDEX IF EXISTS photo_stats_updated_at`,
}

// addVotesPG is AddVotes' statement on PostgreSQL.
var addVotesPG = AddVotesSQL(1)

// AddVotesSQL is AddVotes' statement on PostgreSQL with its parameters
// numbered from $first: the photos, what to add to their vote counts, and
// the time (AddVotesArgs). A caller may run it as a data-modifying CTE of
// a statement of its own.
func AddVotesSQL(first int) string {
	ids, n, now := fmt.Sprintf("$%d", first), fmt.Sprintf("$%d", first+1), fmt.Sprintf("$%d", first+2)
	return `UPDATE ` + photo.Table + ` AS p
	SET ` + photo.FieldVoteCount + ` = p.` + photo.FieldVoteCount + ` + d.n,
	    ` + photo.FieldVoteTier + ` = ` + VoteTierSQL("(p."+photo.FieldVoteCount+" + d.n)") + `,
	    ` + photo.FieldStatsVersion + ` = p.` + photo.FieldStatsVersion + ` + 1,
	    ` + photo.FieldStatsUpdatedAt + ` = ` + now + `,
	    ` + photo.FieldFitDue + ` = COALESCE(p.` + photo.FieldFitDue + `, ` + now + `)
	FROM unnest(` + ids + `::uuid[], ` + n + `::bigint[]) AS d(id, n)
	WHERE p.` + photo.FieldID + ` = d.id`
}

// Unfitted returns up to n photos whose votes changed since the judge
// model last weighed them (FitDue set), longest waiting first: a partial
// index holds exactly those.
func (s *Service) Unfitted(ctx context.Context, n int) ([]uuid.UUID, error) {
	ids, err := s.client.Photo.Query().Where(photo.FitDueNotNil()).
		Order(photo.ByFitDue(), photo.ByID()).Limit(n).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("photos: unfitted: %w", err)
	}
	return ids, nil
}

// MarkFitted records, within tx and under the photos' locks (Lock, whose
// rows locked are), what the judge model did with each photo it weighed
// at the stats version it read (read[id]): a photo whose weighted figures
// changed (changed[id]) moves to a new stats version, so that caches and
// live subscribers take the new figures; a photo still at the version
// read stops waiting for a refit. One whose votes changed meanwhile keeps
// waiting. Once tx commits, the changed photos' cached rows are dropped.
// It returns the photos moved to a new version.
func (s *Service) MarkFitted(ctx context.Context, tx *ent.Tx, locked map[uuid.UUID]*ent.Photo, read map[uuid.UUID]int64, changed map[uuid.UUID]bool) ([]uuid.UUID, error) {
	var moved []uuid.UUID
	for id, version := range read {
		p := locked[id]
		if p == nil {
			continue // deleted meanwhile
		}
		upd := tx.Photo.Update().Where(photo.ID(id))
		current := p.StatsVersion == version
		switch {
		case changed[id] && current:
			upd.SetStatsVersion(p.StatsVersion + 1).SetFittedVersion(p.StatsVersion + 1).ClearFitDue()
		case changed[id]:
			upd.SetStatsVersion(p.StatsVersion + 1)
		case current && (p.FittedVersion != version || p.FitDue != nil):
			upd.SetFittedVersion(version).ClearFitDue()
		default:
			continue
		}
		if err := upd.Exec(ctx); err != nil {
			return nil, fmt.Errorf("photos: marking fitted: %w", err)
		}
		if changed[id] {
			moved = append(moved, id)
		}
	}
	slices.SortFunc(moved, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if s.cfg.Cache != nil && len(moved) > 0 {
		entx.AfterCommit(tx, func() {
			panics.Go(s.log, "dropping cached photos", func() { s.forgetCounts(context.Background(), moved...) })
		})
	}
	return moved, nil
}
