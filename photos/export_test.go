package photos

import (
	"context"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
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

// DrawColumns are the columns drawRow reads.
var DrawColumns = drawColumns

// DrawRow is drawFromHead's statement: the photo id if active and, with
// judge, not judged by them.
func (s *Service) DrawRow(ctx context.Context, id uuid.UUID, judge *uuid.UUID) (*ent.Photo, error) {
	return s.drawRow(ctx, id, judge)
}

// Memo reports whether the memo holds judge's judged photos.
func (s *Service) Memo(judge uuid.UUID) bool {
	_, _, ok := s.memo.get(judge)
	return ok
}
