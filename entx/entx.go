// Package entx holds the few helpers every package that writes through ent
// shares.
package entx

import (
	"context"
	"fmt"

	"github.com/facestat/facestat/ent"
)

// WithTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise. A panic in fn rolls back and is re-raised.
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("entx: begin: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("entx: commit: %w", err)
	}
	return nil
}
