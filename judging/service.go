package judging

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/clientaddr"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/vote"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/ratelimit"
)

// Config tunes judging.
type Config struct {
	MinVotes      int // answers before a result is stable and gets a percentile
	CandidatePool int // nextPhoto picks at random among this many least-judged photos
	TopSize       int // photos kept per top list
	Ingest        IngestConfig
	Refit         RefitConfig
}

// Deps are what the Service works with.
type Deps struct {
	Client  *ent.Client
	Dialect string // entgo.io/ent/dialect's name of the database
	// Photos is the photo store: every query of the photos table, the vote
	// path's included, goes through it.
	Photos *photos.Service
	// Cache, when set, holds photos' aggregates (Aggregates); the vote path
	// writes the fresh ones through.
	Cache cache.Store
	// RateLimits bound votes per judge and per client address (nil: no
	// limits).
	RateLimits *ratelimit.Policy
	// Observers are told of every change of statistics (see Observer).
	Observers []Observer
	// Servings, when set, is told of every photo NextPhoto (or ServeNext) serves to a
	// session (moderation records them, so that a report can tell whether
	// its reporter was shown the photo). It must not block.
	Servings ServingRecorder
	Log      *slog.Logger
}

// ServingRecorder is told that judge was served photo. Record must return
// at once (no statement on NextPhoto's path): moderation.Servings queues
// it for a background writer and drops it when the queue is full.
type ServingRecorder interface {
	Record(judge, photo uuid.UUID)
}

// Service is judging's entry point for the API.
type Service struct {
	client    *ent.Client
	dialect   string
	photos    *photos.Service
	cache     cache.Store
	limits    *ratelimit.Policy
	log       *slog.Logger
	cfg       Config
	observers []Observer
	servings  ServingRecorder
	Survey    *Survey
	Ingester  *Ingester
	Standings *Standings

	refitMu    sync.Mutex   // one round at a time in this process
	refitSince time.Time    // where the next round reads votes from (see Refit)
	refitAfter *refitCursor // else the last vote a round that stopped at MaxVotes read
	// The votes rounds took in, by id, with their created_at (Unix µs),
	// while a later round's overlap may read them again (see Refit).
	refitSeen map[int64]int64
	// The judges profiled and photos weighed by the last round, when it
	// changed something: the next round takes them again (see Refit).
	refitAgain struct{ judges, photos []uuid.UUID }
	// users whose karma a round failed to settle after its commit
	refitUnsettled []uuid.UUID
}

// Observer is told the fresh state of photos whose statistics or
// visibility changed, each photo once per change: after each commit of
// votes (on the ingester's goroutine, before its callers are answered),
// after an anonymous judge's votes were merged into an account, after a
// photo was made public or private, and after it was deleted
// (Snapshot.Deleted) (on goroutines of their own). It must not block: hand
// the work off. live.Coalescer is one: it publishes the change to the live
// subscribers of every instance.
type Observer interface {
	PhotosChanged(ctx context.Context, fresh []*Snapshot)
}

// NewService loads the survey (inserting the default questions first) and
// starts the ingester. Close stops the ingester.
func NewService(ctx context.Context, d Deps, cfg Config) (*Service, error) {
	client, dialectName, log := d.Client, d.Dialect, d.Log
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
	s := &Service{client: client, dialect: dialectName, photos: d.Photos, cache: d.Cache, limits: d.RateLimits, log: log,
		observers: d.Observers, servings: d.Servings, cfg: cfg, Survey: survey, Standings: NewStandings(client, survey, cfg.MinVotes, cfg.TopSize)}
	var hook CommitHook // nobody to tell: no snapshots to make
	if s.cache != nil || len(s.observers) > 0 {
		hook = s.publish
	}
	s.Ingester = NewIngester(client, dialectName, survey, d.Photos, cfg.Ingest, hook, log)
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
// that still exist) from the database, in the order given: four queries.
func (s *Service) FreshSnapshots(ctx context.Context, ids []uuid.UUID) ([]*Snapshot, error) {
	byID, err := s.photos.Fresh(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("judging: fresh stats: %w", err)
	}
	aggs, err := s.LoadAggregates(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Snapshot, 0, len(byID))
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
// RATE_LIMITED per judge and per client address; BAD_USER_INPUT for
// answers that do not fit their questions; NOT_FOUND for a missing or
// hidden photo; FORBIDDEN for one's own photo; CONFLICT for a repeat;
// UNAVAILABLE when the ingester is saturated.
func (s *Service) CastVote(ctx context.Context, v *identity.Viewer, photoID uuid.UUID, inputs []AnswerInput) (*ent.Photo, error) {
	c, err := s.CastVoteFresh(ctx, v, photoID, inputs, false)
	return c.Photo, err
}

// Cast is what a vote left.
type Cast struct {
	Photo *ent.Photo // the photo as the vote left it
	// Aggs are the photo's aggregates as the vote left them (nil when the
	// service has no cache and no observers, for which it makes none).
	Aggs *Aggregates
	// Next is the judge's next photo, drawn by the vote's batch
	// (photos.Candidates, DrawNext); nil when it was not (ServeNext: NextPhoto
	// picks).
	Next *ent.Photo
}

// CastVoteFresh is CastVote, also returning the photo's aggregates as the
// vote left them: what the voter's answer shows, with its own vote
// counted, read from nowhere; and, with next, the judge's next photo when
// the vote's batch could draw it.
func (s *Service) CastVoteFresh(ctx context.Context, v *identity.Viewer, photoID uuid.UUID, inputs []AnswerInput, next bool) (Cast, error) {
	if v == nil {
		return Cast{}, facestat.Errorf(facestat.Unauthenticated, "start a session first (startAnonymousSession needs no account)")
	}
	if err := s.limits.Vote(ctx, v.ID); err != nil {
		return Cast{}, err
	}
	answers, err := s.Survey.Validate(inputs)
	if err != nil {
		return Cast{}, err
	}
	b := Ballot{Judge: v.ID, Anonymous: v.Anonymous, Photo: photoID, Answers: answers,
		Network: clientaddr.Network(clientaddr.From(ctx))}
	if next {
		b.Next = s.photos.Candidates(v.ID, []uuid.UUID{photoID}, s.cfg.CandidatePool)
	}
	// The ingester checks the photo (gone, hidden, one's own) under its lock.
	// It answers with the photo as the vote left it: no statement after
	// the commit.
	p, err := s.Ingester.submit(ctx, b)
	if err == nil || facestat.ErrorCode(err) == facestat.Conflict {
		s.photos.Judged(v.ID, photoID) // for its next nextPhoto
	}
	if err != nil {
		return Cast{}, err
	}
	return Cast{Photo: p.photo, Aggs: p.aggs, Next: p.next}, nil
}

// ServeNext is NextPhoto for v after a vote (skip: nil) that drew drawn,
// when it did (Cast.Next): drawn, checked as NextPhoto checks its picks.
func (s *Service) ServeNext(ctx context.Context, v *identity.Viewer, drawn *ent.Photo) (*ent.Photo, error) {
	if drawn == nil {
		return s.NextPhoto(ctx, v, nil)
	}
	p := s.served(ctx, v, drawn)
	if p != nil {
		s.photos.ServedDrawn()
	}
	return p, nil
}

// NextPhoto returns a photo for v to judge, or nil when none is left:
// never v's own, never one v judged, never a hidden one, nor one in skip
// (what the client shows already). It picks at random among the
// CandidatePool least-judged photos, so new uploads get votes fast and
// judges do not all get the same photo.
func (s *Service) NextPhoto(ctx context.Context, v *identity.Viewer, skip []uuid.UUID) (*ent.Photo, error) {
	var judge *uuid.UUID
	if v != nil {
		judge = &v.ID
	}
	p, err := s.photos.PickToJudge(ctx, judge, skip, s.cfg.CandidatePool)
	if err != nil || p == nil {
		return nil, err
	}
	return s.served(ctx, v, p), nil
}

// served is p, a photo picked for v, as NextPhoto serves it: checked by
// authz and recorded as served; nil when authz refuses it.
func (s *Service) served(ctx context.Context, v *identity.Viewer, p *ent.Photo) *ent.Photo {
	// The picks' queries apply authz's Judge rule; the rule itself has the
	// last word (the queries and it are tested to agree: a disagreement
	// is a defect, logged).
	if !authz.PhotoAccess(v, photos.FactsOf(p), false).Judge {
		s.log.ErrorContext(ctx, "nextPhoto's query served a photo authz's Judge rule refuses", "photo", p.ID)
		return nil
	}
	if v != nil && s.servings != nil {
		s.servings.Record(v.ID, p.ID) // queued, written in the background
	}
	return p
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
