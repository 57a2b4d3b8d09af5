package judging

import (
	"context"
	"fmt"
	"math"
	"slices"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/photos"
)

// Karma is judge to be judged, as on Photofeeler. Judging earns it: each
// vote, once the refit has weighed its judge, earns KarmaFor(care), more
// for careful judging. Votes received spend it: every vote on one's photos
// past each photo's first FreeVotes costs one. The balance, earned minus
// spent, orders nextPhoto: photos of owners at or below zero wait behind
// the others once they have their free votes (photos.judge_queue). The
// refit keeps all of it: each judge's karma_earned recomputed from all its
// votes inside the round's transaction (setEarned), then the balances in a
// transaction of their own (settleKarma). creditKarma, which adds rather
// than recomputes, is for the tests.

// FreeVotes is how many votes every photo gets whatever its owner's karma:
// they cost nothing, and until a photo has them it is served with the
// others, least judged first.
const FreeVotes = 10

// MaxKarmaPerVote is what one vote earns at the highest care.
const MaxKarmaPerVote = 4

// karmaChunk bounds the judges of one statement (two parameters each, far
// under either database's limit).
const karmaChunk = 500

// Karma returns a judge's karma balance: 0 for a judge without a row yet
// (an anonymous judge that never voted).
func (s *Service) Karma(ctx context.Context, judge uuid.UUID) (int, error) {
	u, err := s.client.User.Query().Where(user.ID(judge)).Select(user.FieldKarma).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("judging: karma: %w", err)
	}
	return int(u.Karma), nil
}

// KarmaFor is what one vote earns its judge at the judge's care (0..1,
// judging/quality's Judge.Care): careful judging earns more. It is care
// times MaxKarmaPerVote, rounded: a careful vote (care 7/8 or more) buys
// four votes on one's own photos, a careless one (care under 1/8: the same
// answer to everything, faster than a person reads) nothing.
func KarmaFor(care float64) int64 {
	if math.IsNaN(care) {
		return 0
	}
	return int64(math.Round(MaxKarmaPerVote * min(max(care, 0), 1)))
}

// creditKarma adds earned[judge] to each judge's karma_earned, in batched
// statements. The judges' rows are locked first, in id order (as the
// ingester and sign-in lock them), so that it never deadlocks with them;
// judges without a row are passed over.
func creditKarma(ctx context.Context, tx *ent.Tx, earned map[uuid.UUID]int64) error {
	ids := make([]uuid.UUID, 0, len(earned))
	for id, n := range earned {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareUUID)
	for chunk := range slices.Chunk(ids, karmaChunk) {
		if _, err := lockUsers(ctx, tx, chunk); err != nil {
			return fmt.Errorf("judging: crediting karma: %w", err)
		}
		err := tx.User.Update().Where(user.IDIn(chunk...)).Modify(func(u *entsql.UpdateBuilder) {
			u.Set(user.FieldKarmaEarned, entsql.ExprFunc(func(b *entsql.Builder) {
				b.Ident(user.FieldKarmaEarned).WriteString(" + ")
				byID(b, chunk, func(id uuid.UUID) int64 { return earned[id] })
			}))
		}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("judging: crediting karma: %w", err)
		}
	}
	return nil
}

// settleKarma recomputes the balance karma = karma_earned − spent of the
// given users, where spent = Σ over their photos of max(0, vote_count −
// FreeVotes), and sets judge_queue of their photos: 1 when the owner's
// karma is at most 0 and the photo has at least FreeVotes votes, else 0.
// A few statements per karmaChunk users: lock and read the users (in id
// order), sum what their photos spent, write the balances that changed,
// then flip the queue of the photos whose place changed
// (photos.SetJudgeQueue).
func settleKarma(ctx context.Context, tx *ent.Tx, users []uuid.UUID) error {
	ids := slices.Clone(users)
	slices.SortFunc(ids, compareUUID)
	ids = slices.Compact(ids)
	for chunk := range slices.Chunk(ids, karmaChunk) {
		rows, err := lockUsers(ctx, tx, chunk)
		if err != nil {
			return fmt.Errorf("judging: settling karma: %w", err)
		}
		owners := make([]uuid.UUID, len(rows))
		for i, u := range rows {
			owners[i] = u.ID
		}
		spent, err := photos.Spent(ctx, tx, owners, FreeVotes)
		if err != nil {
			return fmt.Errorf("judging: settling karma: %w", err)
		}
		balance := make(map[uuid.UUID]int64, len(rows))
		var changed, broke []uuid.UUID
		for _, u := range rows {
			balance[u.ID] = u.KarmaEarned - spent[u.ID]
			if balance[u.ID] != u.Karma {
				changed = append(changed, u.ID)
			}
			if balance[u.ID] <= 0 {
				broke = append(broke, u.ID)
			}
		}
		if len(changed) > 0 {
			err := tx.User.Update().Where(user.IDIn(changed...)).Modify(func(u *entsql.UpdateBuilder) {
				u.Set(user.FieldKarma, entsql.ExprFunc(func(b *entsql.Builder) {
					byID(b, changed, func(id uuid.UUID) int64 { return balance[id] })
				}))
			}).Exec(ctx)
			if err != nil {
				return fmt.Errorf("judging: settling karma: %w", err)
			}
		}
		if err := photos.SetJudgeQueue(ctx, tx, owners, broke, FreeVotes); err != nil {
			return fmt.Errorf("judging: settling karma: %w", err)
		}
	}
	return nil
}

// mergeKarma gives the account to what the anonymous judge from earned
// (Merge): its karma_earned is added to the account's, and to its balance
// (an anonymous judge owns no photos, so spent nothing). The account's
// photos change queue, if they must, at its next settleKarma.
func mergeKarma(ctx context.Context, tx *ent.Tx, from, to uuid.UUID) error {
	judge, err := tx.User.Query().Where(user.ID(from)).Select(user.FieldKarmaEarned).Only(ctx)
	if ent.IsNotFound(err) || err == nil && judge.KarmaEarned == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("judging: merging karma: %w", err)
	}
	if err := tx.User.UpdateOneID(to).AddKarmaEarned(judge.KarmaEarned).AddKarma(judge.KarmaEarned).Exec(ctx); err != nil {
		return fmt.Errorf("judging: merging karma: %w", err)
	}
	if err := tx.User.UpdateOneID(from).SetKarmaEarned(0).SetKarma(0).Exec(ctx); err != nil {
		return fmt.Errorf("judging: merging karma: %w", err)
	}
	return nil
}

// karmaRow is a user's karma columns.
type karmaRow struct {
	ID          uuid.UUID `json:"id"`
	KarmaEarned int64     `json:"karma_earned"`
	Karma       int64     `json:"karma"`
}

// lockUsers reads the karma of ids (sorted) that have a row, locking them
// on PostgreSQL in id order. FOR NO KEY UPDATE, the lock an UPDATE of the
// karma columns takes anyway: a vote's insert, whose foreign key takes KEY
// SHARE on its judge's row once the vote path holds the photo's lock, does
// not wait for it.
func lockUsers(ctx context.Context, tx *ent.Tx, ids []uuid.UUID) ([]karmaRow, error) {
	var rows []karmaRow
	err := tx.User.Query().Where(user.IDIn(ids...)).Order(user.ByID()).
		Select(user.FieldID, user.FieldKarmaEarned, user.FieldKarma).
		Modify(func(s *entsql.Selector) {
			if s.Dialect() == dialect.Postgres {
				s.For(entsql.LockNoKeyUpdate)
			}
		}).Scan(ctx, &rows)
	return rows, err
}

// byID writes CASE id WHEN … THEN value(id) … ELSE 0 END for ids.
func byID(b *entsql.Builder, ids []uuid.UUID, value func(uuid.UUID) int64) {
	b.WriteString("CASE ").Ident(user.FieldID)
	for _, id := range ids {
		b.WriteString(" WHEN ").Arg(id).WriteString(" THEN ").Arg(value(id))
	}
	b.WriteString(" ELSE 0 END")
}
