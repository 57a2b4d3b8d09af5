package redis

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxKeyPart is the longest part of a Redis key kept as it is. A client
// chooses many parts (an e-mail address, a session id, an address), and a
// long one must not become a long key: Redis would keep it, in memory and
// on every replica, for as long as the entry lives.
const maxKeyPart = 64

// key joins prefix and parts with ':' into a Redis key of bounded length:
// a part longer than maxKeyPart bytes is replaced by "#" and the hex
// SHA-256 of its bytes (65 bytes), so distinct parts still give distinct
// keys. Every key built from something a client chooses goes through key.
func key(prefix string, parts ...string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(keyPart(p))
	}
	return b.String()
}

// keyPart is p, or "#" and its hex SHA-256 when p is longer than
// maxKeyPart. A part that starts with '#' is hashed whatever its length,
// so that no client string can pose as the hash of another.
func keyPart(p string) string {
	if len(p) <= maxKeyPart && !strings.HasPrefix(p, "#") {
		return p
	}
	sum := sha256.Sum256([]byte(p))
	return "#" + hex.EncodeToString(sum[:])
}
