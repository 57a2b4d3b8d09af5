package identity

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
)

// Device tokens follow OWASP's "Slow Down Online Guessing Attacks with
// Device Cookies": a client that once signed in to an account holds a token
// saying so, and its later sign-ins to that account are judged on the
// device's own budget instead of the account's tight budget for untrusted
// clients, which strangers guessing the password from many addresses use
// up. A device that keeps failing runs out of its own budget; the account
// stays open to its other devices.
//
// A device token is sealed (see signer) with prefix fsd_ and payload
// account id (16 bytes) | issue time, unix seconds (8 bytes) | random nonce
// (16 bytes), bound to the account's email: the MAC covers the email, which
// the token does not carry, so whether a token is one of the account being
// signed in to is known before the database is asked, and a token of
// another account fails the MAC. It is stored nowhere; the nonce names the
// device's budget. A token stops being trusted when it is older than the
// device TTL or the signing key changes.
const deviceTokenSize = 16 + 8 + 16

// device is what a valid device token says.
type device struct {
	account uuid.UUID
	nonce   string // base64url of the random nonce: the key of the device's budget
}

// issueDevice returns a new device token of account, bound to its
// normalised email, and when it stops being trusted.
func (s *Service) issueDevice(account uuid.UUID, email string) (string, time.Time) {
	now := s.now().Truncate(time.Second)
	payload := make([]byte, deviceTokenSize)
	copy(payload, account[:])
	binary.BigEndian.PutUint64(payload[16:], uint64(now.Unix()))
	rand.Read(payload[24:])
	return s.signer.seal(devicePrefix, payload, email), now.Add(s.cfg.DeviceTTL)
}

// trustedDevice returns what token says when it is a device token of the
// account with the normalised email, issued less than the device TTL ago;
// ok is false for anything else (no token, junk, forged, another account's,
// expired), which signs in as an untrusted client.
func (s *Service) trustedDevice(token, email string) (d device, ok bool) {
	if token == "" || len(token) > maxTokenLen {
		return device{}, false
	}
	payload, err := s.signer.open(devicePrefix, token, email, deviceTokenSize)
	if err != nil {
		return device{}, false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(payload[16:24])), 0)
	if !s.now().Before(issued.Add(s.cfg.DeviceTTL)) {
		return device{}, false
	}
	d.account, _ = uuid.FromBytes(payload[:16])
	d.nonce = b64url.EncodeToString(payload[24:])
	return d, true
}
