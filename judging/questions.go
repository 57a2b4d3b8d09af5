// Package judging is the loop that makes FaceStat what it is: the survey,
// the next photo to judge, votes stored through a group-committing
// ingester, and the statistics read from the aggregates those votes keep.
package judging

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/question"
)

// DefaultQuestions is the survey a new instance starts with, in FaceStat's
// spirit. EnsureQuestions inserts the ones missing; existing rows (edited
// or retired by an operator) are left alone.
var DefaultQuestions = []ent.Question{
	{Key: "age", Prompt: "How old does this person look?", Kind: question.KindNUMBER, Min: ptr(1), Max: ptr(100), Position: 10},
	{Key: "attractive", Prompt: "How attractive is this person? (1 to 10)", Kind: question.KindSCALE, Min: ptr(1), Max: ptr(10), Position: 20},
	{Key: "trustworthy", Prompt: "Do they look trustworthy?", Kind: question.KindYES_NO, Position: 30},
	{Key: "intelligent", Prompt: "Do they look intelligent?", Kind: question.KindYES_NO, Position: 40},
	{Key: "happy", Prompt: "Do they look happy?", Kind: question.KindYES_NO, Position: 50},
	{Key: "friendly", Prompt: "Do they look friendly?", Kind: question.KindYES_NO, Position: 60},
	{Key: "confident", Prompt: "Do they look confident?", Kind: question.KindYES_NO, Position: 70},
	{Key: "impression", Prompt: "Your first impression, in one word", Kind: question.KindWORD, Position: 80},
}

func ptr[T any](v T) *T { return &v }

// EnsureQuestions inserts the default questions that do not exist yet (by
// key). Several instances may run it at once.
func EnsureQuestions(ctx context.Context, client *ent.Client) error {
	builders := make([]*ent.QuestionCreate, len(DefaultQuestions))
	for i, q := range DefaultQuestions {
		builders[i] = client.Question.Create().SetKey(q.Key).SetPrompt(q.Prompt).SetKind(q.Kind).
			SetNillableMin(q.Min).SetNillableMax(q.Max).SetPosition(q.Position)
	}
	err := client.Question.CreateBulk(builders...).OnConflict(sql.ConflictColumns(question.FieldKey)).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("judging: ensuring questions: %w", err)
	}
	return nil
}

// Survey is the set of questions, read from the database and refreshed in
// the background, so that validating a vote costs no query.
type Survey struct {
	client *ent.Client
	all    atomic.Pointer[surveySnapshot]
	mu     sync.Mutex // serialises reloads
}

type surveySnapshot struct {
	byKey  map[string]*ent.Question // active and retired
	byID   map[int]*ent.Question
	active []*ent.Question // in survey order
	loaded time.Time
}

// NewSurvey loads the questions.
func NewSurvey(ctx context.Context, client *ent.Client) (*Survey, error) {
	s := &Survey{client: client}
	return s, s.Reload(ctx)
}

// Reload reads the questions again.
func (s *Survey) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	qs, err := s.client.Question.Query().All(ctx)
	if err != nil {
		return fmt.Errorf("judging: loading questions: %w", err)
	}
	snap := &surveySnapshot{byKey: map[string]*ent.Question{}, byID: map[int]*ent.Question{}, loaded: time.Now()}
	for _, q := range qs {
		snap.byKey[q.Key] = q
		snap.byID[q.ID] = q
		if !q.Retired {
			snap.active = append(snap.active, q)
		}
	}
	sort.Slice(snap.active, func(i, j int) bool {
		a, b := snap.active[i], snap.active[j]
		return a.Position < b.Position || (a.Position == b.Position && a.ID < b.ID)
	})
	s.all.Store(snap)
	return nil
}

// Run reloads the questions every interval until ctx ends, so that an
// operator's change reaches every instance.
func (s *Survey) Run(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Reload(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}

// Active returns the questions judges are asked, in order.
func (s *Survey) Active() []*ent.Question { return s.all.Load().active }

// ByKey returns the question with key, retired ones included.
func (s *Survey) ByKey(key string) (*ent.Question, bool) {
	q, ok := s.all.Load().byKey[key]
	return q, ok
}

// ByID returns the question with id, retired ones included.
func (s *Survey) ByID(id int) (*ent.Question, bool) {
	q, ok := s.all.Load().byID[id]
	return q, ok
}
