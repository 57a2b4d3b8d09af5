package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Token prefixes say what a token is without a database lookup.
const (
	accessPrefix  = "fsa_" // account session: random, stored hashed
	refreshPrefix = "fsr_" // refresh token: random, stored hashed
	anonPrefix    = "fsj_" // anonymous judge: signed, stored nowhere
	maxTokenLen   = 256
)

var b64url = base64.RawURLEncoding

var (
	errTokenMalformed = errors.New("identity: malformed token")
	errTokenExpired   = errors.New("identity: token expired")
)

// randomToken returns prefix followed by 256 random bits.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + b64url.EncodeToString(b)
}

// hashToken is what is stored for a random token: its SHA-256, in hex.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// anonSigner signs and checks anonymous judges' tokens:
// fsj_ base64url(judge id (16 bytes) | expiry unix seconds (8 bytes)) . base64url(HMAC-SHA256).
type anonSigner struct {
	key []byte
}

func (s anonSigner) sign(id uuid.UUID, expires time.Time) string {
	payload := make([]byte, 24)
	copy(payload, id[:])
	binary.BigEndian.PutUint64(payload[16:], uint64(expires.Unix()))
	p := b64url.EncodeToString(payload)
	return anonPrefix + p + "." + b64url.EncodeToString(s.mac(p))
}

func (s anonSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(anonPrefix + payload))
	return m.Sum(nil)
}

// verify returns the judge id and expiry of a valid, unexpired token.
func (s anonSigner) verify(token string, now time.Time) (uuid.UUID, time.Time, error) {
	rest, ok := strings.CutPrefix(token, anonPrefix)
	if !ok {
		return uuid.Nil, time.Time{}, errTokenMalformed
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return uuid.Nil, time.Time{}, errTokenMalformed
	}
	gotMAC, err := b64url.DecodeString(sig)
	if err != nil || !hmac.Equal(gotMAC, s.mac(p)) {
		return uuid.Nil, time.Time{}, errTokenMalformed
	}
	payload, err := b64url.DecodeString(p)
	if err != nil || len(payload) != 24 {
		return uuid.Nil, time.Time{}, errTokenMalformed
	}
	id, _ := uuid.FromBytes(payload[:16])
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[16:])), 0)
	if !now.Before(exp) {
		return uuid.Nil, time.Time{}, errTokenExpired
	}
	return id, exp, nil
}
