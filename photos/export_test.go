package photos

import (
	"context"

	"github.com/google/uuid"
)

// For the external tests of the judging order's head.
const (
	HeadMinSize = headMinSize
	JudgedLimit = judgedLimit
)

// Walker reports whether judge is remembered as one the head cannot serve.
func (s *Service) Walker(judge uuid.UUID) bool {
	_, walk, _ := s.memo.get(judge)
	return walk
}

// HeadIDs returns the ids in the current head and whether it is full.
func (s *Service) HeadIDs() ([]uuid.UUID, bool) {
	s.head.mu.Lock()
	defer s.head.mu.Unlock()
	if s.head.cur == nil {
		return nil, false
	}
	ids := make([]uuid.UUID, len(s.head.cur.photos))
	for i, p := range s.head.cur.photos {
		ids[i] = p.id
	}
	return ids, s.head.cur.full
}

// ReadJudged is the statement a pick reads a judge's votes and skips with.
func (s *Service) ReadJudged(ctx context.Context, judge uuid.UUID) ([]uuid.UUID, bool, error) {
	return s.judged(ctx, judge)
}
