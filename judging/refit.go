package judging

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/judgeprofile"
	"github.com/facestat/facestat/ent/photoquestionstat"
	"github.com/facestat/facestat/ent/predicate"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/entx"
	"github.com/facestat/facestat/judging/quality"
	"github.com/facestat/facestat/stats"
)

// The refit: the judge model (judging/quality) applied to the stored votes
// in the background, a round every refit-interval.
//
// A round reads the votes stored since the previous round (with an overlap
// of refitOverlap, longer than any vote transaction, so that a vote that
// committed late is still seen; a round that stopped at MaxVotes is
// followed by one that reads on from the last vote it read, by (created_at,
// id): a batch of votes shares one created_at) and
//
//  1. profiles every judge who cast one of them, from all the judge's
//     votes, against the photos' current adjusted figures (offsets, care,
//     weight: quality.ProfileJudge), and sets the judge's earned karma;
//  2. weighs every photo those votes were on, the photos those judges
//     judged, and the photos waiting for a refit (photos.Unfitted: their
//     statistics changed since they were last weighed), up to MaxPhotos,
//     from all the photo's votes (quality.WeighPhoto), alternating 1 and 2
//     Sweeps times in memory as quality.FitAll does;
//  3. writes the profiles, the weighted figures of the photos whose
//     figures changed (moving them to a new stats version, so that caches
//     and live subscribers take them) and the judges' earned karma, in
//     one transaction; then, in a second one, the karma balances of the
//     judges and of the photos' owners (settleKarma), which locks users
//     before photos as vote batches do (in the first transaction it would
//     lock users after photos, the opposite order).
//
// A vote the overlap reads again after a round took it in (committed) is
// not new to the next: the process keeps the ids of the votes its rounds
// took in for as long as an overlap may read them, so that its judges and
// photos are not profiled and weighed again for it (at a steady 2,000
// votes a second the overlap holds 120,000 votes; without this, every
// interval started the last minute's work over).
//
// Everything a round computes is recomputed from the votes, never added
// to, so a round that runs twice over the same votes (the overlap, two
// instances, a retry) changes nothing the second time. On PostgreSQL one
// instance at a time runs a round (a transaction-scoped advisory lock);
// the others skip it.

// RefitConfig tunes the refit.
type RefitConfig struct {
	MaxVotes  int // new votes a round takes in at most (default 20,000)
	MaxPhotos int // photos a round weighs at most (default 500)
	Model     quality.Config
}

const (
	// refitOverlap is how far back of its previous start a round reads
	// votes again: longer than the ingester's 30-second transactions, so
	// that a vote stamped before a round started and committed after it is
	// read by the next.
	refitOverlap = time.Minute
	// refitLockKey is the PostgreSQL advisory lock of the refit ("fsrf").
	refitLockKey = 0x66737266
	// A round also profiles again the judges profiled longest ago, if
	// more than refitRestale ago: up to refitStaleMax.
	refitRestale  = 10 * time.Minute
	refitStaleMax = 200
	// refitMaxRead bounds the votes a round reads, in MaxVotes: the
	// overlap's votes an earlier round took in are read but not new.
	refitMaxRead = 20
	// refitRest is how many times its own time a round rests before the
	// next (RunRefit).
	refitRest = 9
)

func (c RefitConfig) withDefaults() RefitConfig {
	if c.MaxVotes <= 0 {
		c.MaxVotes = 20_000
	}
	if c.MaxPhotos <= 0 {
		c.MaxPhotos = 500
	}
	return c
}

// RefitReport says what one round did.
type RefitReport struct {
	Votes   int  // new votes read
	Judges  int  // judges profiled
	Photos  int  // photos weighed
	Changed int  // photos whose weighted figures changed
	More    bool // the round stopped at MaxVotes: more new votes wait
	// Again: the round changed a judge's profile or a photo's figures;
	// the next takes its judges and photos again, new votes or not.
	Again   bool
	Skipped bool // another instance was running a round
}

// Refit runs one round of the refit (see above) and, once it committed,
// tells the observers of the photos whose figures changed.
func (s *Service) Refit(ctx context.Context) (RefitReport, error) {
	s.refitMu.Lock()
	defer s.refitMu.Unlock()
	cfg := s.cfg.Refit.withDefaults()
	start := time.Now().UTC()
	if s.refitSince.IsZero() {
		since, err := s.lastRefit(ctx)
		if err != nil {
			return RefitReport{}, err
		}
		s.refitSince = since
	}

	// The round reads first, through the pool, and only then opens its
	// transaction to write: it never holds a connection while it needs
	// another (db-max-conns may be 1), and SQLite's transactions, which
	// hold the whole database, last only as long as the writes.
	r := newRefitRound(s, cfg, modelQuestions(s.Survey.Active()))
	rep, next, after, err := r.run(ctx, start)
	if err != nil {
		return rep, fmt.Errorf("judging: refit: %w", err)
	}
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return rep, fmt.Errorf("judging: refit: %w", err)
	}
	defer tx.Rollback()
	if s.dialect == dialect.Postgres {
		// One instance writes at a time; one that finds another writing
		// leaves it the round (the next round reads again what this one
		// read).
		if ok, err := entx.TryAdvisoryLock(ctx, tx, refitLockKey); err != nil || !ok {
			return RefitReport{Skipped: err == nil}, err
		}
	}
	if err := r.write(ctx, tx, start); err != nil {
		return rep, fmt.Errorf("judging: refit: %w", err)
	}
	rep.Changed = len(r.moved)
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("judging: refit: commit: %w", err)
	}
	s.refitSince, s.refitAfter = next, after
	s.tookIn(r.news, next)
	// A round that changed a profile or a photo's figures moved the
	// others measured against them: the next takes the same judges and
	// photos again, as quality.FitAll alternates until nothing moves
	// (before the ids were kept, the overlap did it by reading the same
	// votes again for a minute).
	s.refitAgain.judges, s.refitAgain.photos = nil, nil
	if rep.Again = len(r.moved) > 0 || r.profileChanged; rep.Again {
		s.refitAgain.judges = r.profiled
		s.refitAgain.photos = slices.Collect(maps.Keys(r.fresh))
	}
	if len(r.moved) > 0 {
		s.statsChanged(ctx, r.moved)
	}
	// Users a failed settle left behind are settled with this round's:
	// nothing else may bring them to a round again.
	users := append(s.refitUnsettled, r.settle...)
	if err := s.settle(ctx, users); err != nil {
		slices.SortFunc(users, compareUUID)
		s.refitUnsettled = slices.Compact(users)
		return rep, fmt.Errorf("judging: refit: %w", err)
	}
	s.refitUnsettled = nil
	return rep, nil
}

// tookIn records the votes a committed round took in, and forgets those
// no round reading from since on can read again.
func (s *Service) tookIn(news []*ent.Vote, since time.Time) {
	if s.refitSeen == nil {
		s.refitSeen = make(map[int64]int64, len(news))
	}
	for _, v := range news {
		s.refitSeen[v.ID] = v.CreatedAt.UnixMicro()
	}
	horizon := since.Add(-refitOverlap).UnixMicro()
	maps.DeleteFunc(s.refitSeen, func(_ int64, at int64) bool { return at <= horizon })
}

// settle recomputes the karma balances of users (and their photos' places
// in the judging queue) in a transaction of its own. Balances are
// recomputed, not added to, so one that fails is made good by the next
// round, which settles those users with its own (Refit keeps them).
func (s *Service) settle(ctx context.Context, users []uuid.UUID) error {
	if len(users) == 0 {
		return nil
	}
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := settleKarma(ctx, tx, users); err != nil {
		return err
	}
	return tx.Commit()
}

// RunRefit runs rounds every interval until ctx ends, and again while
// votes wait beyond a round's MaxVotes; a round is skipped while paused
// (may be nil) reports true. After a round that took d, the next waits at
// least refitRest × d, so that rounds take at most a tenth of the time
// whatever the votes: a round's work grows with its photos' votes (it
// weighs each from all of them), and under a stream of votes back-to-back
// rounds took a fifth of the instance's CPU away from the votes. done
// hears of every round run (its report, and its error unless it
// succeeded), for metrics and logs.
func (s *Service) RunRefit(ctx context.Context, interval time.Duration, paused func() bool, done func(RefitReport, error)) {
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		start := time.Now()
		wait := interval
		if paused == nil || !paused() {
			rep, err := s.Refit(ctx)
			if ctx.Err() != nil {
				return
			}
			done(rep, err)
			wait = refitWait(interval, time.Since(start), err == nil && rep.More)
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refitWait is how long RunRefit waits after a round that took took: the
// rest of the interval, but at least refitRest × took; only the rest when
// more votes wait (more).
func refitWait(interval, took time.Duration, more bool) time.Duration {
	if more {
		return refitRest * took
	}
	return max(interval-took, refitRest*took)
}

// lastRefit is where a process's first round starts reading votes: the
// newest judge profile's time (the zero time without any), or, if older,
// the time of the oldest vote that no profile of its judge written since
// takes in. Rounds that stopped at MaxVotes (after an upgrade, say) leave
// such votes behind them, and the cursor they read on from lives only in
// the process. Two queries, at a process's first round only; the second
// walks the votes oldest first (the created_at index) until it finds one,
// so when every vote is taken in it reads them all, once.
func (s *Service) lastRefit(ctx context.Context) (time.Time, error) {
	p, err := s.client.JudgeProfile.Query().Order(ent.Desc(judgeprofile.FieldUpdatedAt)).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("judging: refit: %w", err)
	}
	unread := predicate.Vote(func(sel *entsql.Selector) {
		jp := entsql.Table(judgeprofile.Table)
		sel.Where(entsql.Not(entsql.Exists(entsql.Select(jp.C(judgeprofile.FieldJudgeID)).From(jp).Where(entsql.And(
			entsql.ColumnsEQ(jp.C(judgeprofile.FieldJudgeID), sel.C(vote.FieldJudgeID)),
			entsql.ColumnsGTE(jp.C(judgeprofile.FieldUpdatedAt), sel.C(vote.FieldCreatedAt)))))))
	})
	oldest, err := s.client.Vote.Query().Where(unread).Order(vote.ByCreatedAt(), vote.ByID()).
		Select(vote.FieldCreatedAt).First(ctx)
	switch {
	case ent.IsNotFound(err):
		return p.UpdatedAt, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("judging: refit: %w", err)
	}
	if oldest.CreatedAt.Before(p.UpdatedAt) {
		return oldest.CreatedAt, nil
	}
	return p.UpdatedAt, nil
}

// modelQuestions are the questions the model weighs: the active NUMBER,
// SCALE (with a range) and YES_NO ones.
func modelQuestions(active []*ent.Question) []quality.Question {
	var qs []quality.Question
	for _, q := range active {
		switch q.Kind {
		case question.KindYES_NO:
			qs = append(qs, quality.Question{ID: q.ID, Kind: quality.YesNo, Min: 0, Max: 1})
		case question.KindNUMBER, question.KindSCALE:
			if r := stats.RangeOf(q.Min, q.Max); r != nil {
				qs = append(qs, quality.Question{ID: q.ID, Kind: quality.Numeric, Min: float64(r.Min), Max: float64(r.Max)})
			}
		}
	}
	return qs
}

// refitRound is the state of one round.
type refitRound struct {
	s    *Service
	cfg  RefitConfig
	read *ent.Client
	qs   []quality.Question
	byID map[int]quality.Question // qs by id

	news     []*ent.Vote                                  // the votes read that no earlier round took in
	photos   map[uuid.UUID]*ent.Photo                     // every photo a vote read is on
	figures  map[uuid.UUID]map[int]*ent.PhotoQuestionStat // their stored aggregates
	fresh    map[uuid.UUID]map[int]*stats.Weighted        // the round's figures of the photos weighed
	judges   map[uuid.UUID]*quality.Judge                 // profiles: fresh for the judges profiled, stored for the rest
	profiled []uuid.UUID                                  // the judges profiled, in the order the round found them
	moved    []uuid.UUID                                  // photos moved to a new stats version
	// profileChanged: some judge's profile is not what was stored
	profileChanged bool
	settle         []uuid.UUID // users whose karma to settle after the commit
}

// refitCursor is the last vote a round that stopped at MaxVotes read: the
// next round reads the votes after it in (created_at, id) order.
type refitCursor struct {
	at time.Time
	id int64
}

// newRefitRound starts a round of s over the questions qs.
func newRefitRound(s *Service, cfg RefitConfig, qs []quality.Question) *refitRound {
	r := &refitRound{s: s, cfg: cfg, qs: qs, byID: make(map[int]quality.Question, len(qs))}
	if s != nil {
		r.read = s.client
	}
	for _, q := range qs {
		r.byID[q.ID] = q
	}
	return r
}

// run reads and computes the round; it returns the report and where the
// next round starts reading: after since (less refitOverlap), or after
// the cursor when there is one (the round stopped at MaxVotes).
func (r *refitRound) run(ctx context.Context, start time.Time) (rep RefitReport, next time.Time, after *refitCursor, err error) {
	since := r.s.refitSince
	next = start
	var judges, photos idSet
	// Pages of votes in (created_at, id) order, until MaxVotes new ones
	// (a vote the overlap reads again does not count: at 2,000 votes a
	// second the overlap alone is 120,000 of them) or refitMaxRead read.
	cursor := r.s.refitAfter
	read := 0
	for {
		q := r.read.Vote.Query().Order(vote.ByCreatedAt(), vote.ByID()).Limit(r.cfg.MaxVotes).
			Select(vote.FieldJudgeID, vote.FieldPhotoID, vote.FieldCreatedAt)
		switch {
		case cursor != nil:
			// Votes of one batch share a created_at: read on past the
			// last one read by id, not by time alone, which would skip
			// the rest.
			q.Where(vote.Or(vote.CreatedAtGT(cursor.at), vote.And(vote.CreatedAt(cursor.at), vote.IDGT(cursor.id))))
		case !since.IsZero():
			q.Where(vote.CreatedAtGT(since.Add(-refitOverlap)))
		}
		page, err := q.All(ctx)
		if err != nil {
			return rep, since, nil, err
		}
		read += len(page)
		for _, v := range page {
			if _, seen := r.s.refitSeen[v.ID]; seen {
				continue // taken in by an earlier round: read again by the overlap
			}
			r.news = append(r.news, v)
			judges.add(v.JudgeID)
			photos.add(v.PhotoID)
		}
		if len(page) < r.cfg.MaxVotes {
			break // read up to now
		}
		last := page[len(page)-1]
		cursor = &refitCursor{at: last.CreatedAt, id: last.ID}
		if len(r.news) >= r.cfg.MaxVotes || read >= refitMaxRead*r.cfg.MaxVotes {
			// The next round reads on after the last vote read.
			rep.More, after = true, cursor
			break
		}
	}
	rep.Votes = len(r.news)
	// The judges and photos of a round that changed something, again (see
	// Refit): the model's alternation goes on across rounds until one
	// changes nothing.
	for _, id := range r.s.refitAgain.judges {
		judges.add(id)
	}
	for _, id := range r.s.refitAgain.photos {
		photos.add(id)
	}
	// The judges profiled longest ago too, so that every profile follows
	// the figures it is measured against even when its judge stopped
	// voting.
	stale, err := r.read.JudgeProfile.Query().Where(judgeprofile.UpdatedAtLT(start.Add(-refitRestale))).
		Order(judgeprofile.ByUpdatedAt()).Limit(refitStaleMax).Select(judgeprofile.FieldJudgeID).Strings(ctx)
	if err != nil {
		return rep, since, nil, err
	}
	for _, id := range stale {
		if j, err := uuid.Parse(id); err == nil {
			judges.add(j)
		}
	}
	unfitted, err := r.s.photos.Unfitted(ctx, r.cfg.MaxPhotos)
	if err != nil {
		return rep, since, nil, err
	}
	for _, id := range unfitted {
		photos.add(id)
	}
	judgeIDs := judges.list

	// Every vote of the judges profiled, and of the photos weighed.
	judgeVotes, err := r.votes(ctx, vote.FieldJudgeID, judgeIDs)
	if err != nil {
		return rep, since, nil, err
	}
	for _, v := range judgeVotes {
		if len(photos.list) >= r.cfg.MaxPhotos {
			break
		}
		photos.add(v.PhotoID)
	}
	photoIDs := photos.list
	// The photos' rows (their stats versions) before their votes: a vote
	// that lands between the two reads then leaves the photo at a version
	// newer than the one the round records as weighed, so it waits for
	// the next round, instead of being marked weighed without that vote.
	if err := r.loadPhotos(ctx, judgeVotes, photoIDs); err != nil {
		return rep, since, nil, err
	}
	photoVotes, err := r.votes(ctx, vote.FieldPhotoID, photoIDs)
	if err != nil {
		return rep, since, nil, err
	}
	if err := r.loadProfiles(ctx, photoVotes, judgeIDs); err != nil {
		return rep, since, nil, err
	}

	// Alternate, as quality.FitAll does: profile the judges against the
	// current figures, weigh the photos with the new profiles, and again.
	byJudge := r.toModel(judgeVotes, func(v *ent.Vote) uuid.UUID { return v.JudgeID })
	byPhoto := r.toModel(photoVotes, func(v *ent.Vote) uuid.UUID { return v.PhotoID })
	r.fresh = map[uuid.UUID]map[int]*stats.Weighted{}
	stored := make(map[uuid.UUID]*quality.Judge, len(judgeIDs))
	for _, j := range judgeIDs {
		stored[j] = r.judges[j]
	}
	model := r.cfg.Model
	for range max(model.Sweeps, 1) {
		for _, j := range judgeIDs {
			r.judges[j] = quality.ProfileJudge(r.qs, byJudge[j], r.centerFor(j, byJudge[j]), model)
		}
		for _, p := range photoIDs {
			if r.photos[p] != nil {
				r.fresh[p] = quality.WeighPhoto(r.qs, byPhoto[p], r.judge, model)
			}
		}
	}
	rep.Judges, rep.Photos = len(judgeIDs), len(r.fresh)
	r.profiled = judgeIDs
	for _, j := range judgeIDs {
		if !sameJudge(stored[j], r.judges[j]) {
			r.profileChanged = true
			break
		}
	}
	return rep, next, after, nil
}

// votes reads every vote whose column is in ids, in chunks (readVotes).
func (r *refitRound) votes(ctx context.Context, column string, ids []uuid.UUID) ([]*ent.Vote, error) {
	var out []*ent.Vote
	for chunk := range slices.Chunk(ids, 1000) {
		vs, err := readVotes(ctx, r.read, r.s.dialect, column, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// loadPhotos reads the rows and aggregates of the photos weighed and of
// every photo the judges' votes are on (for the owner, the owner's
// network, the image, the stats version and the centers).
func (r *refitRound) loadPhotos(ctx context.Context, judgeVotes []*ent.Vote, weighed []uuid.UUID) error {
	var ids idSet
	for _, id := range weighed {
		ids.add(id)
	}
	for _, v := range judgeVotes {
		ids.add(v.PhotoID)
	}
	r.photos = map[uuid.UUID]*ent.Photo{}
	r.figures = map[uuid.UUID]map[int]*ent.PhotoQuestionStat{}
	for chunk := range slices.Chunk(ids.list, 1000) {
		rows, err := r.s.photos.Fresh(ctx, chunk)
		if err != nil {
			return err
		}
		for id, p := range rows {
			r.photos[id] = p
		}
		figs, err := r.read.PhotoQuestionStat.Query().Where(photoquestionstat.PhotoIDIn(chunk...)).All(ctx)
		if err != nil {
			return err
		}
		for _, f := range figs {
			if r.figures[f.PhotoID] == nil {
				r.figures[f.PhotoID] = map[int]*ent.PhotoQuestionStat{}
			}
			r.figures[f.PhotoID][f.QuestionID] = f
		}
	}
	return nil
}

// loadProfiles reads the stored profiles of the judges of votes and of
// the judges the round profiles (their last profile is where it starts).
func (r *refitRound) loadProfiles(ctx context.Context, votes []*ent.Vote, profiled []uuid.UUID) error {
	r.judges = map[uuid.UUID]*quality.Judge{}
	var ids idSet
	for _, id := range profiled {
		ids.add(id)
	}
	for _, v := range votes {
		ids.add(v.JudgeID)
	}
	for chunk := range slices.Chunk(ids.list, 1000) {
		ps, err := r.read.JudgeProfile.Query().Where(judgeprofile.JudgeIDIn(chunk...)).All(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			j := &quality.Judge{Votes: p.Votes, Care: p.Care, Weight: p.Weight, Offsets: map[int]float64{}}
			for k, off := range p.Offsets {
				if q, err := strconv.Atoi(k); err == nil {
					j.Offsets[q] = off
				}
			}
			r.judges[p.JudgeID] = j
		}
	}
	return nil
}

// toModel groups votes by key as the model sees them. A vote is its
// owner's when its judge owns the photo (an anonymous judge's vote moved
// to the owner's account) or it came from the network the photo was
// uploaded from.
func (r *refitRound) toModel(votes []*ent.Vote, key func(*ent.Vote) uuid.UUID) map[uuid.UUID][]quality.Vote {
	out := map[uuid.UUID][]quality.Vote{}
	n := 0
	for _, v := range votes {
		n += len(v.Answers)
	}
	slab := make([]quality.Answer, n) // the votes' answers, cut from one allocation
	for _, v := range votes {
		p := r.photos[v.PhotoID]
		if p == nil {
			continue // deleted meanwhile
		}
		mv := quality.Vote{Judge: v.JudgeID, Photo: v.PhotoID, Image: p.ImageKey, At: v.CreatedAt, Network: v.Network,
			Owner: v.JudgeID == p.OwnerID || (v.Network != "" && v.Network == p.OwnerNetwork)}
		mv.Answers, slab = slab[:0:len(v.Answers)], slab[len(v.Answers):]
		for _, a := range v.Answers {
			switch {
			case a.Number != nil:
				mv.Answers = append(mv.Answers, quality.Answer{Question: a.Question, Value: float64(*a.Number)})
			case a.Yes != nil:
				y := 0.0
				if *a.Yes {
					y = 1
				}
				mv.Answers = append(mv.Answers, quality.Answer{Question: a.Question, Value: y})
			}
		}
		out[key(v)] = append(out[key(v)], mv)
	}
	return out
}

// centerFor is what judge j's answers (votes) are measured against: each
// photo's current figure for the question with j's own vote taken out
// (quality.LeaveOut), as quality.FitAll measures, so that a judge is not
// measured against itself. The figure is the round's own when it weighed
// the photo, else the stored one (the raw mean, every answer weighing 1,
// before the photo was first weighed).
func (r *refitRound) centerFor(j uuid.UUID, votes []quality.Vote) quality.Center {
	type pq struct {
		photo uuid.UUID
		q     int
	}
	n := 0
	for _, v := range votes {
		n += len(v.Answers)
	}
	mine := make(map[pq]float64, n)
	for _, v := range votes {
		for _, a := range v.Answers {
			mine[pq{v.Photo, a.Question}] = a.Value
		}
	}
	prev := r.judges[j]
	w := r.cfg.Model.NewWeight
	if prev != nil {
		w = prev.Weight
	}
	return func(photo uuid.UUID, q int) (float64, bool) {
		f, raw, ok := r.figure(photo, q)
		if !ok {
			return 0, false
		}
		x, answered := mine[pq{photo, q}]
		if !answered {
			return figureOf(f), true
		}
		if raw {
			// The raw mean: every answer counted 1, as given (no offset
			// was taken from it).
			return quality.LeaveOut(r.byID[q], f, x, nil, 1)
		}
		return quality.LeaveOut(r.byID[q], f, x, prev, w)
	}
}

// figure is a photo's current figures for a question: the round's own
// when it weighed the photo, else the stored ones, else (never weighed,
// raw) the raw mean as if every answer weighed 1; ok is false when there
// is none, or nothing weighs.
func (r *refitRound) figure(photo uuid.UUID, q int) (w *stats.Weighted, raw, ok bool) {
	if w := r.fresh[photo][q]; w != nil && w.Weight > 0 {
		return w, false, true
	}
	f := r.figures[photo][q]
	if f == nil || f.Count <= 0 {
		return nil, false, false
	}
	if w := weightedOf(f); w != nil {
		return w, false, w.Weight > 0
	}
	n := float64(f.Count)
	return &stats.Weighted{Weight: n, NEff: n, Mean: float64(f.Sum) / n, MeanSq: float64(f.SumSq) / n}, true, true
}

func figureOf(w *stats.Weighted) float64 {
	if w.Adjusted != nil {
		return *w.Adjusted
	}
	return w.Mean
}

// judge is the profile the round knows of a judge; nil for a judge never
// profiled (the model treats it as new).
func (r *refitRound) judge(id uuid.UUID) *quality.Judge { return r.judges[id] }

// write stores the round's results within tx: the profiles and earned
// karma of the judges profiled, the weighted figures that changed, the
// photos' versions, and the karma balances of the judges and owners.
func (r *refitRound) write(ctx context.Context, tx *ent.Tx, now time.Time) error {
	judgeIDs := r.profiled
	if len(judgeIDs) > 0 {
		slices.SortFunc(judgeIDs, compareUUID)
		// The judges' rows first, in id order, as strongly as setEarned
		// will (FOR NO KEY UPDATE): the profiles' foreign keys would take
		// a share of them first, and a sign-in locking the account's row
		// and then the judge's would deadlock with the round.
		for chunk := range slices.Chunk(judgeIDs, karmaChunk) {
			if _, err := lockUsers(ctx, tx, chunk); err != nil {
				return fmt.Errorf("locking judges: %w", err)
			}
		}
		rows := make([]*ent.JudgeProfileCreate, 0, len(judgeIDs))
		earned := make(map[uuid.UUID]int64, len(judgeIDs))
		for _, id := range judgeIDs {
			j := r.judges[id]
			offsets := make(map[string]float64, len(j.Offsets))
			for q, off := range j.Offsets {
				offsets[strconv.Itoa(q)] = off
			}
			rows = append(rows, tx.JudgeProfile.Create().SetJudgeID(id).SetVotes(j.Votes).SetCare(j.Care).
				SetWeight(j.Weight).SetOffsets(offsets).SetUpdatedAt(now))
			earned[id] = int64(j.Votes) * KarmaFor(j.Care)
		}
		for chunk := range slices.Chunk(rows, 500) {
			err := tx.JudgeProfile.CreateBulk(chunk...).OnConflict(
				entsql.ConflictColumns(judgeprofile.FieldJudgeID),
				entsql.ResolveWithNewValues(),
			).Exec(ctx)
			if err != nil {
				return fmt.Errorf("writing judge profiles: %w", err)
			}
		}
		if err := setEarned(ctx, tx, earned); err != nil {
			return err
		}
	}

	// The photos' locks (in id order, as the ingester takes them) keep
	// their aggregates' rows from changing under the write, and deleted
	// photos out of it.
	ids := make([]uuid.UUID, 0, len(r.fresh))
	for id := range r.fresh {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareUUID)
	locked, err := r.s.photos.LockForCounts(ctx, tx, ids)
	if err != nil {
		return err
	}
	// What is stored now, under the locks: another instance may have
	// written the same figures since the round read them.
	stored := map[[2]any]*ent.PhotoQuestionStat{}
	for chunk := range slices.Chunk(ids, 1000) {
		rows, err := tx.PhotoQuestionStat.Query().Where(photoquestionstat.PhotoIDIn(chunk...)).All(ctx)
		if err != nil {
			return err
		}
		for _, f := range rows {
			stored[[2]any{f.PhotoID, f.QuestionID}] = f
		}
	}
	var rows []*ent.PhotoQuestionStatCreate
	read := make(map[uuid.UUID]int64, len(ids))
	changed := map[uuid.UUID]bool{}
	var owners idSet
	for _, id := range judgeIDs {
		owners.add(id)
	}
	for _, id := range ids {
		if locked[id] == nil {
			continue
		}
		read[id] = r.photos[id].StatsVersion
		owners.add(r.photos[id].OwnerID)
		for _, q := range r.qs {
			w, f := r.fresh[id][q.ID], stored[[2]any{id, q.ID}]
			if f == nil && w == nil {
				continue
			}
			if w == nil {
				w = &stats.Weighted{} // nobody's answer counts any more: raw figures
			}
			if f != nil && sameWeighted(f, w) {
				continue
			}
			changed[id] = true
			rows = append(rows, tx.PhotoQuestionStat.Create().SetPhotoID(id).SetQuestionID(q.ID).
				SetWWeight(w.Weight).SetWNeff(w.NEff).SetWMean(w.Mean).SetWMeanSq(w.MeanSq).SetNillableWAdjusted(w.Adjusted))
		}
	}
	for chunk := range slices.Chunk(rows, 500) {
		err := tx.PhotoQuestionStat.CreateBulk(chunk...).OnConflict(
			entsql.ConflictColumns(photoquestionstat.FieldPhotoID, photoquestionstat.FieldQuestionID),
			entsql.ResolveWith(func(u *entsql.UpdateSet) {
				u.SetExcluded(photoquestionstat.FieldWWeight).SetExcluded(photoquestionstat.FieldWNeff).
					SetExcluded(photoquestionstat.FieldWMean).SetExcluded(photoquestionstat.FieldWMeanSq).
					SetExcluded(photoquestionstat.FieldWAdjusted)
			}),
		).Exec(ctx)
		if err != nil {
			return fmt.Errorf("writing weighted figures: %w", err)
		}
	}
	r.moved, err = r.s.photos.MarkFitted(ctx, tx, locked, read, changed)
	if err != nil {
		return err
	}
	r.settle = owners.list
	return nil
}

// same reports whether two figures agree to a billionth: what a round
// counts as unchanged.
func same(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b)) }

// sameJudge reports whether two profiles are the same (to a billionth):
// nil is a judge never profiled.
func sameJudge(a, b *quality.Judge) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Votes != b.Votes || !same(a.Care, b.Care) || !same(a.Weight, b.Weight) || len(a.Offsets) != len(b.Offsets) {
		return false
	}
	for q, off := range a.Offsets {
		if o, ok := b.Offsets[q]; !ok || !same(off, o) {
			return false
		}
	}
	return true
}

// sameWeighted reports whether the stored figures are f's (to a
// billionth): nothing to write.
func sameWeighted(f *ent.PhotoQuestionStat, w *stats.Weighted) bool {
	adjSame := (f.WAdjusted == nil) == (w.Adjusted == nil) && (w.Adjusted == nil || same(*f.WAdjusted, *w.Adjusted))
	return adjSame && same(f.WWeight, w.Weight) && same(f.WNeff, w.NEff) && same(f.WMean, w.Mean) && same(f.WMeanSq, w.MeanSq)
}

// setEarned sets the judges' earned karma (recomputed from all their
// votes at their current care, so a judge found careless later earns
// less for the past too).
func setEarned(ctx context.Context, tx *ent.Tx, earned map[uuid.UUID]int64) error {
	ids := make([]uuid.UUID, 0, len(earned))
	for id := range earned {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareUUID)
	for _, id := range ids {
		err := tx.User.Update().Where(user.ID(id), user.KarmaEarnedNEQ(earned[id])).SetKarmaEarned(earned[id]).Exec(ctx)
		if err != nil {
			return fmt.Errorf("setting earned karma: %w", err)
		}
	}
	return nil
}

// idSet is a set of ids that keeps their first-added order.
type idSet struct {
	list []uuid.UUID
	in   map[uuid.UUID]bool
}

func (s *idSet) add(id uuid.UUID) {
	if s.in == nil {
		s.in = map[uuid.UUID]bool{}
	}
	if !s.in[id] {
		s.in[id] = true
		s.list = append(s.list, id)
	}
}
