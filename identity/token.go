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
	devicePrefix  = "fsd_" // device that signed in to an account: signed, stored nowhere
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

// signer seals payloads under the instance's key:
// prefix base64url(payload) . base64url(HMAC-SHA256(key, prefix + base64url(payload) + bound)).
// The prefix is inside the MAC, so a token of one kind never passes as
// another; bound is text the token is tied to without carrying it (a
// device token's account email), empty for none.
type signer struct {
	key []byte
}

func (s signer) seal(prefix string, payload []byte, bound string) string {
	p := b64url.EncodeToString(payload)
	return prefix + p + "." + b64url.EncodeToString(s.mac(prefix, p, bound))
}

func (s signer) mac(prefix, payload, bound string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(prefix + payload + bound))
	return m.Sum(nil)
}

// open returns the payload of a token sealed with prefix and bound, if it
// has size bytes; errTokenMalformed for anything else.
func (s signer) open(prefix, token, bound string, size int) ([]byte, error) {
	rest, ok := strings.CutPrefix(token, prefix)
	if !ok {
		return nil, errTokenMalformed
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, errTokenMalformed
	}
	gotMAC, err := b64url.DecodeString(sig)
	if err != nil || !hmac.Equal(gotMAC, s.mac(prefix, p, bound)) {
		return nil, errTokenMalformed
	}
	payload, err := b64url.DecodeString(p)
	if err != nil || len(payload) != size {
		return nil, errTokenMalformed
	}
	return payload, nil
}

// anonSigner signs and checks anonymous judges' tokens: sealed (see
// signer) with prefix fsj_, payload judge id (16 bytes) | expiry unix
// seconds (8 bytes), bound to nothing.
type anonSigner struct {
	signer
}

func (s anonSigner) sign(id uuid.UUID, expires time.Time) string {
	payload := make([]byte, 24)
	copy(payload, id[:])
	binary.BigEndian.PutUint64(payload[16:], uint64(expires.Unix()))
	return s.seal(anonPrefix, payload, "")
}

// verify returns the judge id and expiry of a valid, unexpired token.
func (s anonSigner) verify(token string, now time.Time) (uuid.UUID, time.Time, error) {
	payload, err := s.open(anonPrefix, token, "", 24)
	if err != nil {
		return uuid.Nil, time.Time{}, err
	}
	id, _ := uuid.FromBytes(payload[:16])
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[16:])), 0)
	if !now.Before(exp) {
		return uuid.Nil, time.Time{}, errTokenExpired
	}
	return id, exp, nil
}
