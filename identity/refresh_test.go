package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/inmem"
)

// racingCache is a cache in which a request with the token old arrives
// just after old's session is dropped from it: Delete deletes, then
// authenticates old, as a concurrent request would.
type racingCache struct {
	*inmem.Cache
	s   *identity.Service
	old string
}

func (c *racingCache) Delete(ctx context.Context, keys ...string) error {
	err := c.Cache.Delete(ctx, keys...)
	if c.old != "" {
		old := c.old
		c.old = ""
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		c.s.Authenticate(ctx, old)
	}
	return err
}

// TestRefreshDropsTheOldSessionOnceCommitted: a request with the old
// access token that arrives while a refresh is dropping it from the cache
// does not bring it back into the cache: the session is dropped once its
// deletion has committed, so the old token is refused afterwards.
func TestRefreshDropsTheOldSessionOnceCommitted(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	c := &racingCache{Cache: inmem.NewCache(100), s: s}
	s.Cache = c
	ses := signUp(t, s, "ann", "ann@example.com", "correct horse battery")
	if _, err := s.Authenticate(ctx, ses.Token); err != nil {
		t.Fatal(err)
	}
	c.old = ses.Token
	if _, err := s.Refresh(ctx, ses.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Authenticate(ctx, ses.Token); err == nil {
		t.Fatalf("the access token refreshed away still authenticates (%v)", v.ID)
	}
}
