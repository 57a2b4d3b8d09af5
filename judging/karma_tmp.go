package judging

import (
	"context"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
)

// Temporary until the loop branch lands (judging/karma.go).
func KarmaFor(care float64) int64 { return int64(2 + 8*care) }

func settleKarma(ctx context.Context, tx *ent.Tx, users []uuid.UUID) error { return nil }
