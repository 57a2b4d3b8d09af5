package judging

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/identity"
)

// Config tunes judging.
type Config struct {
	MinVotes      int // answers before a result is stable and gets a percentile
	CandidatePool int // nextPhoto picks at random among this many least-judged photos
	TopSize       int // photos kept per top list
	Ingest        IngestConfig
}

// Service is judging's entry point for the API.
type Service struct {
	client    *ent.Client
	dialect   string
	cfg       Config
	Survey    *Survey
	Ingester  *Ingester
	Standings *Standings
}

// StatsHook receives, after each commit of votes, a fresh snapshot of the
// statistics of every photo the commit changed, each once. It runs on the
// ingester's goroutine: it must not block for long (hand the work off).
type StatsHook func(ctx context.Context, fresh []*Snapshot)

// NewService loads the survey (inserting the default questions first) and
// starts the ingester. hook may be nil. Close stops the ingester.
func NewService(ctx context.Context, client *ent.Client, dialectName string, cfg Config, hook StatsHook, log *slog.Logger) (*Service, error) {
	if err := EnsureQuestions(ctx, client); err != nil {
		return nil, err
	}
	survey, err := NewSurvey(ctx, client)
	if err != nil {
		return nil, err
	}
	if dialectName == dialect.Postgres {
		// An acknowledged vote must survive a crash of the database server
		// too: with synchronous_commit off, PostgreSQL reports a commit
		// before its WAL is on disk. Any other value (on, local,
		// remote_write, remote_apply) flushes the WAL locally first.
		mode, err := syncCommitMode(ctx, client)
		if err != nil {
			return nil, err
		}
		if mode == "off" {
			log.Warn("synchronous_commit is off on this database; vote transactions turn it on for themselves")
			cfg.Ingest.syncCommit = true
		}
	}
	s := &Service{client: client, dialect: dialectName, cfg: cfg, Survey: survey,
		Standings: NewStandings(client, dialectName, survey, cfg.MinVotes, cfg.TopSize)}
	var onCommit CommitHook
	if hook != nil {
		onCommit = func(ctx context.Context, ids []uuid.UUID) {
			fresh, err := s.FreshSnapshots(ctx, ids)
			if err != nil {
				log.Warn("reading statistics after a vote commit", "err", err)
				return
			}
			hook(ctx, fresh)
		}
	}
	s.Ingester = NewIngester(client, dialectName, survey, cfg.Ingest, onCommit, log)
	return s, nil
}

// syncCommitMode returns PostgreSQL's synchronous_commit setting as the
// pool's sessions see it. It asks within a transaction, as the ingester
// sends its raw statements (drivers wrapped by tests pass those through).
func syncCommitMode(ctx context.Context, client *ent.Client) (string, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return "", fmt.Errorf("judging: reading synchronous_commit: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SHOW synchronous_commit")
	if err != nil {
		return "", fmt.Errorf("judging: reading synchronous_commit: %w", err)
	}
	defer rows.Close()
	var mode string
	if rows.Next() {
		err = rows.Scan(&mode)
	}
	if err := errors.Join(err, rows.Err()); err != nil || mode == "" {
		return "", fmt.Errorf("judging: reading synchronous_commit: %w", cmp.Or(err, errors.New("no value")))
	}
	return mode, nil
}

// FreshSnapshots reads the current statistics of the given photos (those
// that still exist), in the order given: four queries.
func (s *Service) FreshSnapshots(ctx context.Context, ids []uuid.UUID) ([]*Snapshot, error) {
	photos, err := s.client.Photo.Query().Where(photo.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("judging: fresh stats: %w", err)
	}
	aggs, err := s.LoadAggregates(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]*ent.Photo, len(photos))
	for _, p := range photos {
		byID[p.ID] = p
	}
	out := make([]*Snapshot, 0, len(photos))
	for _, id := range ids {
		if p := byID[id]; p != nil {
			a := aggs[id]
			a.Version = p.StatsVersion
			out = append(out, NewSnapshot(p, a))
		}
	}
	return out, nil
}

// Close writes the votes still queued and stops the ingester.
func (s *Service) Close() { s.Ingester.Close() }

// CastVote validates a judge's answers about a photo and stores them
// through the ingester, returning the photo as it is after the vote.
// Errors: UNAUTHENTICATED without a session (start an anonymous one);
// BAD_USER_INPUT for answers that do not fit their questions; NOT_FOUND
// for a missing or hidden photo; FORBIDDEN for one's own photo; CONFLICT
// for a repeat; UNAVAILABLE when the ingester is saturated.
func (s *Service) CastVote(ctx context.Context, v *identity.Viewer, photoID uuid.UUID, inputs []AnswerInput) (*ent.Photo, error) {
	if v == nil {
		return nil, facestat.Errorf(facestat.Unauthenticated, "start a session first (startAnonymousSession needs no account)")
	}
	answers, err := s.Survey.Validate(inputs)
	if err != nil {
		return nil, err
	}
	// The ingester checks the photo (gone, hidden, one's own) under its lock.
	if err := s.Ingester.Submit(ctx, Ballot{Judge: v.ID, Anonymous: v.Anonymous, Photo: photoID, Answers: answers}); err != nil {
		return nil, err
	}
	return s.client.Photo.Get(ctx, photoID)
}

// NextPhoto returns a photo for v to judge, or nil when none is left:
// never v's own, never one v judged, never a hidden one, nor one in skip
// (what the client shows already). It picks at random among the
// CandidatePool least-judged photos, so new uploads get votes fast and
// judges do not all get the same photo.
func (s *Service) NextPhoto(ctx context.Context, v *identity.Viewer, skip []uuid.UUID) (*ent.Photo, error) {
	q := s.client.Photo.Query().Where(photo.StatusEQ(photo.StatusActive))
	if v != nil {
		q.Where(photo.OwnerIDNEQ(v.ID), photo.Not(photo.HasVotesWith(vote.JudgeID(v.ID))))
	}
	if len(skip) > 0 {
		q.Where(photo.IDNotIn(skip...))
	}
	candidates, err := q.Order(photo.ByVoteCount(), photo.ByID()).Limit(s.cfg.CandidatePool).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("judging: next photo: %w", err)
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	return candidates[rand.IntN(len(candidates))], nil
}

// VotedOn reports which of photos judge has voted on: one query.
func (s *Service) VotedOn(ctx context.Context, judge uuid.UUID, photos []uuid.UUID) (map[uuid.UUID]bool, error) {
	var rows []struct {
		PhotoID uuid.UUID `json:"photo_id"`
	}
	err := s.client.Vote.Query().Where(vote.JudgeID(judge), vote.PhotoIDIn(photos...)).
		Select(vote.FieldPhotoID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("judging: voted on: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(rows))
	for _, r := range rows {
		out[r.PhotoID] = true
	}
	return out, nil
}

// VotesCast counts the votes judge has cast.
func (s *Service) VotesCast(ctx context.Context, judge uuid.UUID) (int, error) {
	return s.client.Vote.Query().Where(vote.JudgeID(judge)).Count(ctx)
}
