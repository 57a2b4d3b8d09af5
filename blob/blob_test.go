package blob_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/facestat/facestat/blob"
)

func TestValidKey(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, k := range []string{
			"a",
			"img/ab/abcdef.jpg",
			"a-b_c.d/e",
			".hidden",
			"a/..b/c..",
			strings.Repeat("x", blob.MaxKeyLen),
			blob.Key("img", []byte("x"), ".jpg"),
		} {
			if !blob.ValidKey(k) {
				t.Errorf("ValidKey(%q) = false, want true", k)
			}
		}
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		for _, k := range []string{
			"",
			strings.Repeat("x", blob.MaxKeyLen+1),
			"/a",
			"a/",
			"a//b",
			"..",
			"a/../b",
			"a/..",
			".",
			"a/./b",
			"A",
			"a b",
			"a\\b",
			"a\x00",
			"~tmp-1",
			"é",
		} {
			if blob.ValidKey(k) {
				t.Errorf("ValidKey(%q) = true, want false", k)
			}
		}
	})
}

func TestKey(t *testing.T) {
	data := []byte("hello")
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct{ prefix, ext, want string }{
			{"img", ".jpg", "img/" + h[:2] + "/" + h + ".jpg"},
			{"a/b", "", "a/b/" + h[:2] + "/" + h},
			{"", ".png", h[:2] + "/" + h + ".png"},
		} {
			got := blob.Key(tc.prefix, data, tc.ext)
			if got != tc.want {
				t.Errorf("Key(%q, data, %q) = %q, want %q", tc.prefix, tc.ext, got, tc.want)
			}
			if !blob.ValidKey(got) {
				t.Errorf("ValidKey(%q) = false", got)
			}
		}
		if a, b := blob.Key("img", []byte("a"), ""), blob.Key("img", []byte("b"), ""); a == b {
			t.Errorf("different data, same key %q", a)
		}
	})
}
