package photos_test

import (
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/photos"
)

// TestPhotoOfVersionedKey: keys of every class and version name their
// photo; a version spelt another way names none.
func TestPhotoOfVersionedKey(t *testing.T) {
	id := uuid.New()
	tail := blob.Key("", []byte("a"), ".jpg")
	for _, class := range []string{"", "private/", "private/hidden/"} {
		for _, kind := range []string{"img/", "thumb/"} {
			for _, v := range []string{"v0/", "v1/", "v12/"} {
				key := class + kind + id.String() + "/" + v + tail
				if got, ok := photos.PhotoOfKey(key); !ok || got != id {
					t.Errorf("PhotoOfKey(%q) = %s, %v; want %s", key, got, ok, id)
				}
			}
		}
	}
	for _, v := range []string{"v01/", "v/", "vx/", "v-1/", "V1/", "v1/v1/", "hidden/"} {
		key := "private/img/" + id.String() + "/" + v + tail
		if got, ok := photos.PhotoOfKey(key); ok {
			t.Errorf("PhotoOfKey(%q) = %s; want none", key, got)
		}
	}
}

// TestSignedURLs: a private key's URL is signed until a rounded expiry
// within the TTL; the same URL comes back within a step; only the exact
// signature for the exact key and expiry passes, and not after the expiry.
func TestSignedURLs(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ttl := 10 * time.Minute
	s := photos.NewService(nil, nil, photos.Config{
		ImageBaseURL: "https://cdn.example/i", SignedBaseURL: "https://fs.example/images",
		SigningKey: []byte("0123456789abcdef0123456789abcdef"), SignedURLTTL: ttl,
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = func() time.Time { return now }

	pub := "img/" + uuid.NewString() + "/v1/" + blob.Key("", []byte("a"), ".jpg")
	if got := s.URL(pub); got != "https://cdn.example/i/"+pub {
		t.Errorf("public URL %s", got)
	}
	key := "private/img/" + uuid.NewString() + "/v2/" + blob.Key("", []byte("a"), ".jpg")
	other := "private/thumb/" + strings.TrimPrefix(key, "private/img/")
	u := s.URL(key)
	pu, err := url.Parse(u)
	if err != nil || !strings.HasPrefix(u, "https://fs.example/images/"+key+"?") {
		t.Fatalf("signed URL %s", u)
	}
	exp, sig := pu.Query().Get("exp"), pu.Query().Get("sig")
	n, _ := strconv.ParseInt(exp, 10, 64)
	if life := time.Unix(n, 0).Sub(now); life > ttl || life <= ttl-time.Minute || n%60 != 0 {
		t.Errorf("expiry %d: lifetime %s, want a whole minute in (%s, %s]", n, life, ttl-time.Minute, ttl)
	}
	if left, ok := s.CheckSignature(key, exp, sig); !ok || left != time.Unix(n, 0).Sub(now) {
		t.Fatalf("the honest signature: %s %v", left, ok)
	}
	now = now.Add(30 * time.Second)
	if again := s.URL(key); again != u && time.Unix(n, 0).Sub(now) > ttl-time.Minute {
		t.Errorf("asked again within the step: %s, then %s", u, again)
	}
	for name, c := range map[string][3]string{
		"other key":     {other, exp, sig},
		"public key":    {pub, exp, sig},
		"later expiry":  {key, strconv.FormatInt(n+60, 10), sig},
		"leading zero":  {key, "0" + exp, sig},
		"empty":         {key, exp, ""},
		"padded":        {key, exp, sig + "="},
		"flipped":       {key, exp, sig[:42] + string(sig[42]^1)},
		"no expiry":     {key, "", sig},
		"negative":      {key, "-" + exp, sig},
		"huge expiry":   {key, "9999999999999", sig},
		"not a number":  {key, exp + "x", sig},
		"half the sig":  {key, exp, sig[:22]},
		"sig as hex":    {key, exp, strings.Repeat("a", 43)},
		"key with case": {strings.ToUpper(key), exp, sig},
	} {
		if _, ok := s.CheckSignature(c[0], c[1], c[2]); ok {
			t.Errorf("%s: passed", name)
		}
	}
	if std := strings.NewReplacer("-", "+", "_", "/").Replace(sig); std != sig {
		if _, ok := s.CheckSignature(key, exp, std); ok {
			t.Error("the standard alphabet passed")
		}
	}
	now = time.Unix(n, 0)
	if _, ok := s.CheckSignature(key, exp, sig); ok {
		t.Error("passed at its expiry")
	}
}
