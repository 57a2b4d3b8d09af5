// Package settings keeps the few values that every instance on one
// database shares, in the settings table: the key that signs anonymous
// judges' tokens, and the degradation level an operator forced. Each has
// its own typed accessor here; no other package reads or writes the table.
package settings

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/authz"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/setting"
	"github.com/facestat/facestat/identity"
)

// The settings' names (the table's ids).
const (
	signingKeyID = "anon_token_key"
	// degradationID holds the level an operator forced for every instance:
	// "auto" or a level's name.
	degradationID = "degradation_level"
)

// Store reads and writes the shared settings.
type Store struct{ client *ent.Client }

// New returns the settings stored through client.
func New(client *ent.Client) *Store { return &Store{client: client} }

// SigningKey returns configured when set, otherwise the key kept in the
// database, generating and storing it first if no instance has yet. Every
// instance on one database thus signs with the same key, whichever starts
// first.
func (s *Store) SigningKey(ctx context.Context, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	if err := s.create(ctx, signingKeyID, hex.EncodeToString(b)); err != nil {
		return nil, fmt.Errorf("settings: storing the signing key: %w", err)
	}
	v, err := s.client.Setting.Get(ctx, signingKeyID)
	if err != nil {
		return nil, fmt.Errorf("settings: loading the signing key: %w", err)
	}
	return hex.DecodeString(v.Value)
}

// ForcedLevel returns the degradation level an operator forced for every
// instance, nil when levels are automatic. Each instance's admission
// controller polls it.
func (s *Store) ForcedLevel(ctx context.Context) (*admission.Level, error) {
	v, err := s.client.Setting.Get(ctx, degradationID)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settings: reading the degradation level: %w", err)
	}
	return admission.ParseForced(v.Value)
}

// SetForcedLevel forces level on every instance; nil hands the choice back
// to each instance's load.
func (s *Store) SetForcedLevel(ctx context.Context, level *admission.Level) error {
	value := "auto"
	if level != nil {
		value = level.String()
	}
	err := s.client.Setting.Create().SetID(degradationID).SetValue(value).
		OnConflictColumns(setting.FieldID).UpdateValue().Exec(ctx)
	if err != nil {
		return fmt.Errorf("settings: forcing the degradation level: %w", err)
	}
	return nil
}

// create stores value under id unless a value is there already.
func (s *Store) create(ctx context.Context, id, value string) error {
	err := s.client.Setting.Create().SetID(id).SetValue(value).
		OnConflictColumns(setting.FieldID).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// Operator is what an admin may change about how every instance runs.
type Operator struct {
	Store     *Store
	Admission *admission.Controller // this instance's, told at once
}

// ForceDegradation forces level (nil: automatic) on every instance, for
// v: admins only (authz.CanOperate). This instance applies it at once; the
// others on their next poll (admission's tick).
func (o *Operator) ForceDegradation(ctx context.Context, v *identity.Viewer, level *admission.Level) error {
	if err := authz.CanOperate(v); err != nil {
		return err
	}
	if err := o.Store.SetForcedLevel(ctx, level); err != nil {
		return err
	}
	o.Admission.SetShared(level)
	return nil
}
