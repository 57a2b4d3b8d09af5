package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/apikey"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/entx"
)

// API keys (issue 15): "fsk_" and 256 random bits, shown once, stored as
// their SHA-256. A key acts as its owner within its scopes (see
// Viewer.ViaKey; authz decides what each scope may do); revoking one
// drops its cached entry, so that every instance sharing the cache
// refuses it at once (within cache.GrantTTL without a shared cache).
const (
	keyPrefix = "fsk_"
	// apiKeyLen is the length of every key: the prefix and 43 base64url
	// characters.
	apiKeyLen = len(keyPrefix) + 43
	// MaxLiveKeys is how many unrevoked keys an account may hold.
	MaxLiveKeys = 10
	// maxKeyName is the longest key name, in characters.
	maxKeyName = 100
	// lastUsedEvery is how often a key's last_used_at is written at most.
	lastUsedEvery = time.Minute
)

// IsAPIKey reports whether s has the shape of an API key (so that a
// request presenting a key is told apart before any lookup).
func IsAPIKey(s string) bool { return strings.HasPrefix(s, keyPrefix) }

// encodeScopes and decodeScopes store scopes as "read" or "read,write".
func encodeScopes(sc []Scope) string {
	out := []string{string(ScopeRead)}
	for _, s := range sc {
		if s == ScopeWrite {
			out = append(out, string(ScopeWrite))
			break
		}
	}
	return strings.Join(out, ",")
}

// DecodeScopes reads a key's stored scopes.
func DecodeScopes(s string) []Scope {
	var out []Scope
	for _, p := range strings.Split(s, ",") {
		if p == string(ScopeRead) || p == string(ScopeWrite) {
			out = append(out, Scope(p))
		}
	}
	return out
}

// CreateAPIKey makes a key for v's account and returns it (the only time
// it is seen) with its row. scopes always include read. Callers check
// authz.CanManageKeys first. Errors: BAD_USER_INPUT for a name empty or
// over 100 characters (input.name, INVALID or TOO_LONG), or when the
// account holds MaxLiveKeys live keys already (TOO_MANY_KEYS). The count
// is taken under a lock of the account's row (PostgreSQL; SQLite locks the
// whole database), so two creations at once never make an eleventh.
func (s *Service) CreateAPIKey(ctx context.Context, v *Viewer, name string, scopes []Scope) (string, *ent.ApiKey, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", nil, facestat.InputError("input.name", facestat.ReasonInvalid, "a key needs a name")
	case n > maxKeyName:
		return "", nil, facestat.InputError("input.name", facestat.ReasonTooLong, "a key's name has at most %d characters", maxKeyName)
	}
	key := randomToken(keyPrefix)
	var row *ent.ApiKey
	err := entx.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if s.cfg.LockRows {
			_, err := tx.User.Query().Where(user.ID(v.ID)).
				Modify(func(s *entsql.Selector) { s.For(entsql.LockNoKeyUpdate) }).Select(user.FieldID).Strings(ctx)
			if err != nil {
				return err
			}
		}
		live, err := tx.ApiKey.Query().Where(apikey.UserID(v.ID), apikey.RevokedAtIsNil()).Count(ctx)
		if err != nil {
			return err
		}
		if live >= MaxLiveKeys {
			return facestat.InputError("input", facestat.ReasonTooManyKeys, "an account has at most %d live keys; revoke one first", MaxLiveKeys)
		}
		row, err = tx.ApiKey.Create().SetUserID(v.ID).SetName(name).SetScopes(encodeScopes(scopes)).
			SetTokenHash(hashToken(key)).SetCreatedAt(s.now().Truncate(time.Microsecond)).Save(ctx)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return key, row, nil
}

// APIKeys returns the live keys of v's account, newest first.
func (s *Service) APIKeys(ctx context.Context, v *Viewer) ([]*ent.ApiKey, error) {
	if !v.IsAccount() {
		return nil, nil
	}
	return s.client.ApiKey.Query().Where(apikey.UserID(v.ID), apikey.RevokedAtIsNil()).
		Order(ent.Desc(apikey.FieldCreatedAt), ent.Desc(apikey.FieldID)).All(ctx)
}

// RevokeAPIKey revokes the key id of v's account: from then on it is
// refused everywhere. A key of another account, an unknown or an already
// revoked one: NOT_FOUND.
func (s *Service) RevokeAPIKey(ctx context.Context, v *Viewer, id int) (*ent.ApiKey, error) {
	row, err := s.client.ApiKey.Query().Where(apikey.ID(id), apikey.UserID(v.ID), apikey.RevokedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, facestat.Errorf(facestat.NotFound, "no such key")
	}
	if err != nil {
		return nil, err
	}
	n, err := s.client.ApiKey.Update().Where(apikey.ID(id), apikey.RevokedAtIsNil()).SetRevokedAt(s.now()).Save(ctx)
	if err != nil {
		return nil, err
	}
	s.forgetKeys(context.WithoutCancel(ctx), row.TokenHash)
	if n == 0 {
		return nil, facestat.Errorf(facestat.NotFound, "no such key")
	}
	return row, nil
}

// cachedKey is a key's entry in the cache.
type cachedKey struct {
	ID       int       `json:"id"`
	Owner    uuid.UUID `json:"owner"`
	Scopes   string    `json:"scopes"`
	LastUsed time.Time `json:"lastUsed"`
}

// AuthenticateKey returns the grant of an API key: its id, owner and
// scopes. A malformed, unknown or revoked key, or one of a banned account:
// UNAUTHENTICATED (TOKEN_INVALID). Live keys are cached (cache.GrantTTL at
// most); revoking drops the entry. last_used_at is written when the one
// stored is a minute old or more, not on every request.
func (s *Service) AuthenticateKey(ctx context.Context, key string) (*KeyGrant, error) {
	if len(key) != apiKeyLen || !IsAPIKey(key) {
		return nil, tokenError(errTokenMalformed)
	}
	hash := hashToken(key)
	now := s.now()
	var ck cachedKey
	hit := false
	if s.Cache != nil {
		if got, err := s.Cache.GetMulti(ctx, []string{cache.APIKeyKey(hash)}); err == nil && got[cache.APIKeyKey(hash)] != nil {
			hit = json.Unmarshal(got[cache.APIKeyKey(hash)], &ck) == nil && ck.ID != 0
		}
	}
	if !hit {
		row, err := s.client.ApiKey.Query().Where(apikey.TokenHash(hash), apikey.RevokedAtIsNil(),
			apikey.HasUserWith(user.BannedAtIsNil())).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, tokenError(errTokenMalformed)
		}
		if err != nil {
			return nil, fmt.Errorf("identity: authenticate key: %w", err)
		}
		ck = cachedKey{ID: row.ID, Owner: row.UserID, Scopes: row.Scopes}
		if row.LastUsedAt != nil {
			ck.LastUsed = *row.LastUsedAt
		}
	}
	if now.Sub(ck.LastUsed) >= lastUsedEvery && s.keyUses.claim(ck.ID, now) {
		// Only when the stored time is a minute old, and only if it
		// still is (another instance may have written it meanwhile).
		_, err := s.client.ApiKey.Update().Where(apikey.ID(ck.ID), apikey.Or(apikey.LastUsedAtIsNil(), apikey.LastUsedAtLTE(now.Add(-lastUsedEvery)))).
			SetLastUsedAt(now).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("identity: noting a key's use: %w", err)
		}
		ck.LastUsed = now
		hit = false // cache the new time
	}
	if !hit && s.Cache != nil {
		cache.Put(ctx, s.Cache, map[string]cachedKey{hash: ck}, cache.APIKeyKey, cache.GrantTTL)
	}
	return &KeyGrant{ID: ck.ID, Owner: ck.Owner, Scopes: DecodeScopes(ck.Scopes)}, nil
}

// ViewerOfKey is the viewer an API key alone proves: its owner, as a
// user (a key never moderates), within the key's scopes.
func ViewerOfKey(g *KeyGrant) *Viewer {
	return &Viewer{ID: g.Owner, Role: RoleUser, Key: g, ExpiresAt: time.Now().Add(24 * time.Hour).UTC()}
}

// KeyLive reports whether the key id is still live (not revoked, its
// account not banned nor deleted), for open WebSockets' session checks.
func (s *Service) KeyLive(ctx context.Context, id int) (bool, error) {
	return s.client.ApiKey.Query().Where(apikey.ID(id), apikey.RevokedAtIsNil(), apikey.HasUserWith(user.BannedAtIsNil())).Exist(ctx)
}

// revokeKeysIn revokes every live key of account within tx (a ban) and
// drops their cached entries once tx commits.
func (s *Service) revokeKeysIn(ctx context.Context, tx *ent.Tx, account uuid.UUID, now time.Time) error {
	hashes, err := tx.ApiKey.Query().Where(apikey.UserID(account), apikey.RevokedAtIsNil()).Select(apikey.FieldTokenHash).Strings(ctx)
	if err != nil || len(hashes) == 0 {
		return err
	}
	if _, err := tx.ApiKey.Update().Where(apikey.UserID(account), apikey.RevokedAtIsNil()).SetRevokedAt(now).Save(ctx); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	entx.AfterCommit(tx, func() { s.forgetKeys(ctx, hashes...) })
	return nil
}

// eraseKeysIn deletes every key of account within tx (the account's
// deletion) and drops their cached entries once tx commits.
func (s *Service) eraseKeysIn(ctx context.Context, tx *ent.Tx, account uuid.UUID) error {
	hashes, err := tx.ApiKey.Query().Where(apikey.UserID(account)).Select(apikey.FieldTokenHash).Strings(ctx)
	if err != nil || len(hashes) == 0 {
		return err
	}
	if _, err := tx.ApiKey.Delete().Where(apikey.UserID(account)).Exec(ctx); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	entx.AfterCommit(tx, func() { s.forgetKeys(ctx, hashes...) })
	return nil
}

// forgetKeys removes keys from the cache.
func (s *Service) forgetKeys(ctx context.Context, hashes ...string) {
	if s.Cache == nil {
		return
	}
	keys := make([]string, len(hashes))
	for i, h := range hashes {
		keys[i] = cache.APIKeyKey(h)
	}
	s.Cache.Delete(ctx, keys...)
}

// keyUses keeps, per key, when this instance last wrote its
// last_used_at, so that concurrent requests write it once.
type keyUses struct {
	mu   sync.Mutex
	last map[int]time.Time
}

// claim reports whether the caller is to write key id's last use now.
func (k *keyUses) claim(id int, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.last[id]) < lastUsedEvery {
		return false
	}
	if k.last == nil || len(k.last) > 10000 {
		k.last = map[int]time.Time{}
	}
	k.last[id] = now
	return true
}
