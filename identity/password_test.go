package identity_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/facestat/facestat/identity"
)

// cheap keeps the tests fast; the production cost comes from config.
var cheap = identity.Argon2Params{Memory: 64, Time: 1, Threads: 1}

var rawStd = base64.RawStdEncoding

// phc builds a PHC string by hand, independently of HashPassword.
func phc(t *testing.T, password string, salt []byte, p identity.Argon2Params, keyLen uint32) string {
	t.Helper()
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s",
		p.Memory, p.Time, p.Threads, rawStd.EncodeToString(salt), rawStd.EncodeToString(key))
}

// verify calls VerifyPassword and turns a panic into a test failure, so one
// bad case does not stop the others.
func verify(t *testing.T, password, hash string) (ok bool, err error) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Errorf("VerifyPassword(%q) panicked: %v", hash, v)
			ok, err = false, fmt.Errorf("panic: %v", v)
		}
	}()
	return identity.VerifyPassword(password, hash)
}

func TestHashPassword(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		h := identity.HashPassword("correct horse battery", cheap)
		if want := "$argon2id$v=19$m=64,t=1,p=1$"; !strings.HasPrefix(h, want) {
			t.Fatalf("hash = %q, want prefix %q", h, want)
		}
		parts := strings.Split(h, "$")
		if len(parts) != 6 {
			t.Fatalf("hash has %d $-separated parts, want 6: %q", len(parts), h)
		}
		if salt, err := rawStd.DecodeString(parts[4]); err != nil || len(salt) != 16 {
			t.Errorf("salt %q: %d bytes, err %v; want 16 bytes", parts[4], len(salt), err)
		}
		if key, err := rawStd.DecodeString(parts[5]); err != nil || len(key) != 32 {
			t.Errorf("key %q: %d bytes, err %v; want 32 bytes", parts[5], len(key), err)
		}
		if strings.Contains(h, "correct horse battery") {
			t.Errorf("hash contains the password: %q", h)
		}
	})
	t.Run("OKFreshSalt", func(t *testing.T) {
		a, b := identity.HashPassword("same password", cheap), identity.HashPassword("same password", cheap)
		if a == b {
			t.Errorf("two hashes of one password are equal (%q): the salt is not random", a)
		}
	})
}

func TestVerifyPassword(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, pw := range []string{"correct horse battery", "", "ünïcödé pässwörd ✓", strings.Repeat("x", 256)} {
			h := identity.HashPassword(pw, cheap)
			if ok, err := identity.VerifyPassword(pw, h); !ok || err != nil {
				t.Errorf("VerifyPassword(%q, its own hash) = %v, %v; want true, nil", pw, ok, err)
			}
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		h := identity.HashPassword("correct horse battery", cheap)
		for _, pw := range []string{"correct horse batter", "Correct horse battery", "correct horse battery ", ""} {
			if ok, err := identity.VerifyPassword(pw, h); ok || err != nil {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false, nil", pw, ok, err)
			}
		}
	})
	t.Run("OKParamsFromStoredString", func(t *testing.T) {
		// Hashes made under other costs (and key lengths) keep verifying:
		// the parameters come from the string, not from any setting.
		salt := []byte("0123456789abcdef")
		for _, tc := range []struct {
			p      identity.Argon2Params
			keyLen uint32
		}{
			{identity.Argon2Params{Memory: 8, Time: 1, Threads: 1}, 32},
			{identity.Argon2Params{Memory: 32, Time: 3, Threads: 2}, 32},
			{identity.Argon2Params{Memory: 128, Time: 2, Threads: 4}, 16},
			{identity.Argon2Params{Memory: 64, Time: 1, Threads: 1}, 64},
		} {
			h := phc(t, "pa55word!!", salt, tc.p, tc.keyLen)
			if ok, err := identity.VerifyPassword("pa55word!!", h); !ok || err != nil {
				t.Errorf("VerifyPassword(%q) = %v, %v; want true, nil", h, ok, err)
			}
		}
		// Changing a stored parameter changes the derived key, so the
		// password no longer matches: the parameters are really used.
		h := phc(t, "pa55word!!", salt, identity.Argon2Params{Memory: 32, Time: 2, Threads: 1}, 32)
		for from, to := range map[string]string{"m=32,": "m=40,", "t=2,": "t=3,", "p=1$": "p=2$"} {
			changed := strings.Replace(h, from, to, 1)
			if ok, err := identity.VerifyPassword("pa55word!!", changed); ok || err != nil {
				t.Errorf("VerifyPassword with %s changed to %s = %v, %v; want false, nil", from, to, ok, err)
			}
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		good := phc(t, "pw", []byte("0123456789abcdef"), identity.Argon2Params{Memory: 8, Time: 1, Threads: 1}, 32)
		parts := strings.Split(good, "$") // "", argon2id, v=19, m=8,t=1,p=1, salt, key
		with := func(i int, v string) string {
			p := append([]string(nil), parts...)
			p[i] = v
			return strings.Join(p, "$")
		}
		for name, h := range map[string]string{
			"Empty":               "",
			"Plain":               "pw",
			"OnlyDollars":         "$$$$$",
			"TooFewParts":         strings.Join(parts[:5], "$"),
			"TooManyParts":        good + "$extra",
			"Bcrypt":              "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
			"Argon2i":             with(1, "argon2i"),
			"Argon2d":             with(1, "argon2d"),
			"UpperAlgorithm":      with(1, "ARGON2ID"),
			"OldVersion":          with(2, "v=16"),
			"VersionNotNumber":    with(2, "v=x"),
			"VersionMissing":      with(2, ""),
			"ParamsMissing":       with(3, ""),
			"ParamsTwoOfThree":    with(3, "m=8,t=1"),
			"ParamsReordered":     with(3, "t=1,m=8,p=1"),
			"ParamsSpaces":        with(3, "m=8, t=1, p=1"),
			"ParamsNegative":      with(3, "m=-8,t=1,p=1"),
			"ParamsHex":           with(3, "m=0x8,t=1,p=1"),
			"ThreadsOverflow":     with(3, "m=8,t=1,p=256"),
			"MemoryOverflow":      with(3, "m=4294967296,t=1,p=1"),
			"TimeOverflow":        with(3, "m=8,t=99999999999,p=1"),
			"SaltNotBase64":       with(4, "!!!!"),
			"SaltPadded":          with(4, parts[4]+"=="),
			"SaltURLAlphabet":     with(4, "-_-_-_-_"),
			"KeyNotBase64":        with(5, "@@@@"),
			"KeyEmpty":            with(5, ""),
			"KeyPadded":           with(5, parts[5]+"="),
			"KeyImpossibleLength": with(5, "A"),
		} {
			t.Run(name, func(t *testing.T) {
				ok, err := verify(t, "pw", h)
				if ok || err == nil {
					t.Errorf("VerifyPassword(%q) = %v, %v; want false and an error", h, ok, err)
				}
			})
		}
	})
	t.Run("ErrMalformedZeroCost", func(t *testing.T) {
		good := phc(t, "pw", []byte("0123456789abcdef"), identity.Argon2Params{Memory: 8, Time: 1, Threads: 1}, 32)
		for name, params := range map[string]string{"TimeZero": "m=8,t=0,p=1", "ThreadsZero": "m=8,t=1,p=0"} {
			t.Run(name, func(t *testing.T) {
				h := strings.Replace(good, "m=8,t=1,p=1", params, 1)
				if ok, err := verify(t, "pw", h); ok || err == nil {
					t.Errorf("VerifyPassword(%q) = %v, %v; want false and an error", h, ok, err)
				}
			})
		}
	})
}
