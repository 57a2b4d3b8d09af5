package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/photos"
)

// rateSettings make every rate limit tight. The test client is a trusted
// proxy, so each request names its client address in X-Forwarded-For and
// every check spends budgets of its own. A budget of 2/1m refills one
// event every 30 s: far longer than a test takes.
var rateSettings = map[string]string{
	"FACESTAT_TRUSTED_PROXIES":    "127.0.0.1/32",
	"FACESTAT_RATE_ANON_SESSION":  "2/1m",
	"FACESTAT_RATE_SIGN_UP":       "2/1m",
	"FACESTAT_RATE_SIGN_IN":       "2/1m",
	"FACESTAT_RATE_SIGN_IN_EMAIL": "2/1m",
	"FACESTAT_RATE_UPLOAD":        "2/1m",
	"FACESTAT_RATE_UPLOAD_IP":     "3/1m",
	"FACESTAT_RATE_VOTE":          "2/1m",
	"FACESTAT_RATE_VOTE_IP":       "3/1m",
	"FACESTAT_PHOTO_QUOTA":        "10",
}

// rateEnv sends requests from client addresses the test chooses.
type rateEnv struct {
	*env
	n int
}

// fresh returns a client address no request has come from yet.
func (e *rateEnv) fresh() string {
	e.n++
	return fmt.Sprintf("198.18.%d.%d", e.n/200, e.n%200+1)
}

func from(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

func (e *rateEnv) anonFrom(t *testing.T, ip string) *response {
	t.Helper()
	return e.do(t, request{Header: from(ip), Query: `mutation { startAnonymousSession { token } }`})
}

// judge starts an anonymous session from a fresh address.
func (e *rateEnv) judge(t *testing.T) string {
	t.Helper()
	var out struct{ StartAnonymousSession struct{ Token string } }
	e.anonFrom(t, e.fresh()).decode(t, &out)
	return out.StartAnonymousSession.Token
}

func (e *rateEnv) signUpFrom(t *testing.T, ip, handle string) *response {
	t.Helper()
	return e.do(t, request{Header: from(ip), Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
		Vars: map[string]any{"in": map[string]any{"handle": handle, "email": handle + "@example.com", "password": "correct horse battery"}}})
}

// newAccount signs up from a fresh address and returns the access token.
func (e *rateEnv) newAccount(t *testing.T, handle string) string {
	t.Helper()
	var out struct{ SignUp struct{ Token string } }
	e.signUpFrom(t, e.fresh(), handle).decode(t, &out)
	return out.SignUp.Token
}

func (e *rateEnv) signInFrom(t *testing.T, ip, email, password string) *response {
	t.Helper()
	return e.do(t, request{Header: from(ip), Query: `mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token refreshToken } }`,
		Vars: map[string]any{"e": email, "p": password}})
}

func (e *rateEnv) uploadFrom(t *testing.T, ip, token string) *response {
	t.Helper()
	return e.uploadWith(t, request{Token: token, Header: from(ip)}, "face.jpg", imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft), true)
}

func voteFrom(t *testing.T, e *env, ip, judge, photoID string) *response {
	t.Helper()
	return e.do(t, request{Token: judge, Header: from(ip), Query: liveCastVote,
		Vars: map[string]any{"id": photoID, "a": answers(30, 5, true, "calm")}})
}

// photoOf uploads one photo as owner from a fresh address and returns its id.
func (e *rateEnv) photoOf(t *testing.T, owner string) string {
	t.Helper()
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.uploadFrom(t, e.fresh(), owner).decode(t, &up)
	return up.UploadPhoto.Photo.ID
}

// allowed fails the test unless r succeeded.
func allowed(t *testing.T, what string, r *response) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%s: %d %+v; want it allowed", what, r.Status, r.Errors)
	}
}

// limited sends a request with send and fails the test unless it is
// refused for its rate (429, RATE_LIMITED, the same whole number of seconds
// in Retry-After and extensions.retryAfter, within the period of 1m) and
// stored nothing: e's snapshot is the same before and after.
func limited(t *testing.T, e *env, what string, send func() *response) {
	t.Helper()
	before := e.snapshot(t)
	r := send()
	header := r.Header.Get("Retry-After")
	retry, err := strconv.Atoi(header)
	ext, _ := r.ext("retryAfter").(float64)
	if r.Status != http.StatusTooManyRequests || r.code() != "RATE_LIMITED" || err != nil || retry < 1 || retry > 60 || ext != float64(retry) {
		t.Fatalf("%s: %d, Retry-After %q, %+v; want 429 RATE_LIMITED with a retry time", what, r.Status, header, r.Errors)
	}
	if after := e.snapshot(t); after.String() != before.String() {
		t.Fatalf("%s stored something: rows %v -> %v, %d -> %d blob paths", what, before.Rows, after.Rows, len(before.Blobs), len(after.Blobs))
	}
}

// TestRateLimits drives every rate limit past its budget: the request
// beyond is refused with 429 RATE_LIMITED and a retry time and stores
// nothing, and budgets are counted per the identity or address they name.
func TestRateLimits(t *testing.T) {
	backends(t, rateSettings, func(t *testing.T, env *env) {
		e := &rateEnv{env: env}

		t.Run("AnonymousSessionPerIP", func(t *testing.T) {
			// Straight from the peer's own address (no X-Forwarded-For).
			direct := func() *response { return e.do(t, request{Query: `mutation { startAnonymousSession { token } }`}) }
			allowed(t, "first session", direct())
			allowed(t, "second session", direct())
			limited(t, e.env, "third session", direct)
			allowed(t, "a session from another address", e.anonFrom(t, e.fresh()))
			// IPv6 addresses count per /64.
			allowed(t, "first of a /64", e.anonFrom(t, "2001:db8:a:1::1"))
			allowed(t, "second of the /64", e.anonFrom(t, "2001:db8:a:1::2"))
			limited(t, e.env, "third of the /64", func() *response { return e.anonFrom(t, "2001:db8:a:1:ffff::9") })
			allowed(t, "the next /64", e.anonFrom(t, "2001:db8:a:2::1"))
		})

		t.Run("SignUpPerIP", func(t *testing.T) {
			ip := e.fresh()
			allowed(t, "first sign-up", e.signUpFrom(t, ip, "su1"))
			allowed(t, "second sign-up", e.signUpFrom(t, ip, "su2"))
			limited(t, e.env, "third sign-up", func() *response { return e.signUpFrom(t, ip, "su3") })
			// The refused one took nothing: its handle and email are free.
			allowed(t, "the third from another address", e.signUpFrom(t, e.fresh(), "su3"))
		})

		t.Run("SignInPerIP", func(t *testing.T) {
			for _, h := range []string{"si1", "si2", "si3"} {
				e.newAccount(t, h)
			}
			ip := e.fresh()
			var in struct {
				SignIn struct{ Token, RefreshToken string }
			}
			r := e.signInFrom(t, ip, "si1@example.com", "correct horse battery")
			r.decode(t, &in)
			allowed(t, "second sign-in", e.signInFrom(t, ip, "si2@example.com", "correct horse battery"))
			limited(t, e.env, "third sign-in", func() *response { return e.signInFrom(t, ip, "si3@example.com", "correct horse battery") })
			// refreshSession spends the same per-address budget.
			limited(t, e.env, "refreshSession", func() *response {
				return e.do(t, request{Header: from(ip), Query: `mutation($r: String!) { refreshSession(input: {refreshToken: $r}) { token } }`,
					Vars: map[string]any{"r": in.SignIn.RefreshToken}})
			})
			// The address is checked first: the refused sign-in did not spend
			// si3's per-email budget of two.
			allowed(t, "si3 from elsewhere", e.signInFrom(t, e.fresh(), "si3@example.com", "correct horse battery"))
			allowed(t, "si3 from elsewhere again", e.signInFrom(t, e.fresh(), "si3@example.com", "correct horse battery"))
		})

		t.Run("SignInPerEmail", func(t *testing.T) {
			e.newAccount(t, "guessed")
			e.newAccount(t, "bystander")
			for i := range 2 {
				if r := e.signInFrom(t, e.fresh(), "guessed@example.com", "wrong password!"); r.code() != "UNAUTHENTICATED" {
					t.Fatalf("wrong password %d: %d %+v", i, r.Status, r.Errors)
				}
			}
			// From a third address, with the right password and the email
			// written differently: still the same account's budget.
			ip := e.fresh()
			limited(t, e.env, "third sign-in to the account", func() *response { return e.signInFrom(t, ip, " Guessed@Example.COM ", "correct horse battery") })
			allowed(t, "another account from that address", e.signInFrom(t, ip, "bystander@example.com", "correct horse battery"))
		})

		t.Run("UploadPerAccount", func(t *testing.T) {
			owner := e.newAccount(t, "uploader")
			allowed(t, "first upload", e.uploadFrom(t, e.fresh(), owner))
			allowed(t, "second upload", e.uploadFrom(t, e.fresh(), owner))
			ip := e.fresh()
			limited(t, e.env, "third upload, from a third address", func() *response { return e.uploadFrom(t, ip, owner) })
			allowed(t, "another account from that address", e.uploadFrom(t, ip, e.newAccount(t, "uploader2")))
		})

		t.Run("UploadPerIP", func(t *testing.T) {
			v, w, z := e.newAccount(t, "office1"), e.newAccount(t, "office2"), e.newAccount(t, "office3")
			ip := e.fresh()
			allowed(t, "first upload of the address", e.uploadFrom(t, ip, v))
			allowed(t, "second upload of the address", e.uploadFrom(t, ip, v))
			allowed(t, "third upload of the address", e.uploadFrom(t, ip, w))
			limited(t, e.env, "fourth upload of the address (its account's second)", func() *response { return e.uploadFrom(t, ip, w) })
			limited(t, e.env, "an account's first upload from the address", func() *response { return e.uploadFrom(t, ip, z) })
			allowed(t, "that account from another address", e.uploadFrom(t, e.fresh(), z))
		})

		t.Run("UploadFromNoClient", func(t *testing.T) {
			// facestat seed uploads in-process, with no client address: only
			// the per-account budget applies, not one shared by all such calls.
			ctx := context.Background()
			for _, h := range []string{"seeded1", "seeded2"} {
				v, err := e.App.Identity.Authenticate(ctx, e.newAccount(t, h))
				if err != nil {
					t.Fatal(err)
				}
				for i := range 2 {
					jpg := imagetest.JPEGWithMetadata(160, 200, 1, imagetest.TopLeft)
					if _, err := e.App.Photos.Upload(ctx, v, bytes.NewReader(jpg), int64(len(jpg)), photos.UploadOptions{Public: true}); err != nil {
						t.Fatalf("%s's upload %d: %v", h, i, err)
					}
				}
			}
		})

		// Photos to vote on: two owners of two each (two uploads per account).
		o1, o2 := e.newAccount(t, "owner1"), e.newAccount(t, "owner2")
		photos := []string{e.photoOf(t, o1), e.photoOf(t, o1), e.photoOf(t, o2), e.photoOf(t, o2)}

		t.Run("VotePerJudge", func(t *testing.T) {
			j, k := e.judge(t), e.judge(t)
			ip := e.fresh()
			allowed(t, "first vote", voteFrom(t, e.env, ip, j, photos[0]))
			allowed(t, "second vote", voteFrom(t, e.env, ip, j, photos[1]))
			limited(t, e.env, "third vote", func() *response { return voteFrom(t, e.env, ip, j, photos[2]) })
			limited(t, e.env, "third vote from another address", func() *response { return voteFrom(t, e.env, e.fresh(), j, photos[3]) })
			// The judge is checked first: its refused votes did not spend the
			// address's budget of three, which has one vote left.
			allowed(t, "another judge from the address", voteFrom(t, e.env, ip, k, photos[2]))
			limited(t, e.env, "the address's fourth vote", func() *response { return voteFrom(t, e.env, ip, k, photos[3]) })
		})

		t.Run("VotePerIP", func(t *testing.T) {
			a, b, c := e.judge(t), e.judge(t), e.judge(t)
			ip := e.fresh()
			allowed(t, "first vote of the address", voteFrom(t, e.env, ip, a, photos[0]))
			allowed(t, "second vote of the address", voteFrom(t, e.env, ip, a, photos[1]))
			allowed(t, "third vote of the address", voteFrom(t, e.env, ip, b, photos[0]))
			limited(t, e.env, "fourth vote of the address (its judge's second)", func() *response { return voteFrom(t, e.env, ip, b, photos[1]) })
			limited(t, e.env, "a judge's first vote from the address", func() *response { return voteFrom(t, e.env, ip, c, photos[1]) })
			allowed(t, "that judge from another address", voteFrom(t, e.env, e.fresh(), c, photos[1]))
		})
	})
}

// TestHostileVoteLeases: with limits large enough to be leased (each
// instance takes a tenth of a limit from Redis at once and counts votes
// against it in process), a judge voting as fast as it can through two
// instances at once, and judges crowding one address through both, get
// no more votes than the limits: a lease is taken from the shared bucket
// before any vote is counted against it. They may be refused early, at
// most a lease per instance.
func TestHostileVoteLeases(t *testing.T) {
	const limit, lease = 30, 3
	rs := startRedis(t)
	settings := map[string]string{
		"FACESTAT_REDIS_URL":          rs.URL(),
		"FACESTAT_REDIS_PREFIX":       liveRedisPrefix(),
		"FACESTAT_TRUSTED_PROXIES":    "127.0.0.1/32",
		"FACESTAT_RATE_VOTE":          fmt.Sprintf("%d/1h", limit),
		"FACESTAT_RATE_VOTE_IP":       fmt.Sprintf("%d/1h", limit),
		"FACESTAT_VOTE_LEASE_PERCENT": "10",
		"FACESTAT_VOTE_LEASE_TTL":     "1m",
		"FACESTAT_PHOTO_QUOTA":        "40",
	}
	url := dbtest.MustCreatePGDatabase(t)
	a := &rateEnv{env: startEnv(t, url, settings)}
	b := &rateEnv{env: startEnv(t, url, settings), n: 1000}
	owner := a.newAccount(t, "owner")
	var photos []string
	for range limit + 4 {
		photos = append(photos, a.photoOf(t, owner))
	}
	// race sends votes(i) for every photo at once, even ones through A and
	// odd ones through B, and returns how many were allowed; each other
	// must be RATE_LIMITED.
	race := func(t *testing.T, vote func(e *env, i int) *response) int {
		t.Helper()
		var wg sync.WaitGroup
		got := make([]*response, len(photos))
		for i := range photos {
			e := a.env
			if i%2 == 1 {
				e = b.env
			}
			wg.Go(func() { got[i] = vote(e, i) })
		}
		wg.Wait()
		n := 0
		for i, r := range got {
			switch {
			case r.Status == http.StatusOK && len(r.Errors) == 0:
				n++
			case r.code() != "RATE_LIMITED":
				t.Fatalf("vote %d: %d %+v; want it allowed or RATE_LIMITED", i, r.Status, r.Errors)
			}
		}
		return n
	}
	check := func(t *testing.T, what string, n int) {
		t.Helper()
		t.Logf("%s: %d of %d votes allowed (limit %d, leases of %d)", what, n, len(photos), limit, lease)
		if n > limit || n < limit-2*lease {
			t.Errorf("%s: %d votes allowed, want at most %d and at least %d (a lease per instance refused early)", what, n, limit, limit-2*lease)
		}
	}
	// The limits are shared only while Redis answers within the limiter's
	// call timeout (150 ms); past it each instance counts alone (the
	// fallback, TestHostileLimitsRedisStopped), which a machine busy with
	// the rest of the suite can cause for a moment. A race during which
	// either instance fell back says nothing about the shared limits (each
	// instance alone allows at most the limit, which it is checked for): it
	// is run again, with a new judge or address, once the fallback's retry
	// time (1 s) has passed, up to three times in all.
	fallbacks := func() float64 {
		_, fa := limiterMetrics(t, a.env)
		_, fb := limiterMetrics(t, b.env)
		return fa + fb
	}
	shared := func(t *testing.T, what string, run func() int) {
		t.Helper()
		for attempt := 1; attempt <= 3; attempt++ {
			before := fallbacks()
			n := run()
			if fallbacks() == before {
				check(t, what, n)
				return
			}
			t.Logf("%s, attempt %d: Redis did not answer in time and the limits fell back to each instance alone (%d votes allowed); again", what, attempt, n)
			if n > 2*limit {
				t.Errorf("%s: %d votes allowed with the limits counted by each instance alone, want at most %d", what, n, 2*limit)
			}
			time.Sleep(1500 * time.Millisecond) // past the fallback's retry: Redis is asked again
		}
		t.Fatalf("%s: the limits fell back to each instance alone in all three attempts", what)
	}
	t.Run("OneJudge", func(t *testing.T) {
		shared(t, "one judge through both instances", func() int {
			j := a.judge(t)
			addrs := make([]string, len(photos)) // fresh is not safe for concurrent use
			for i := range addrs {
				addrs[i] = b.fresh()
			}
			return race(t, func(e *env, i int) *response {
				return voteFrom(t, e, addrs[i], j, photos[i])
			})
		})
	})
	t.Run("OneAddress", func(t *testing.T) {
		shared(t, "judges on one address through both instances", func() int {
			ip := a.fresh()
			judges := make([]string, len(photos))
			for i := range judges {
				judges[i] = b.judge(t)
			}
			return race(t, func(e *env, i int) *response {
				return voteFrom(t, e, ip, judges[i], photos[i])
			})
		})
	})
}

// TestRateLimitsRedis runs the vote limits on two instances sharing one
// database and one Redis: they draw on one budget, so votes through A and
// B together reach the limits that neither instance would reach alone.
func TestRateLimitsRedis(t *testing.T) {
	rs := startRedis(t)
	prefix := liveRedisPrefix()
	settings := map[string]string{
		"FACESTAT_REDIS_URL":       rs.URL(),
		"FACESTAT_REDIS_PREFIX":    prefix,
		"FACESTAT_TRUSTED_PROXIES": "127.0.0.1/32",
		"FACESTAT_RATE_VOTE":       "2/1m",
		"FACESTAT_RATE_VOTE_IP":    "3/1m",
	}
	url := dbtest.MustCreatePGDatabase(t)
	a := &rateEnv{env: startEnv(t, url, settings)}
	b := &rateEnv{env: startEnv(t, url, settings), n: 1000} // addresses apart from a's
	owner := a.newAccount(t, "owner")
	photos := []string{a.photoOf(t, owner), a.photoOf(t, owner), a.photoOf(t, owner)}

	t.Run("PerJudge", func(t *testing.T) {
		j := a.judge(t)
		allowed(t, "first vote, through A", voteFrom(t, a.env, a.fresh(), j, photos[0]))
		allowed(t, "second vote, through B", voteFrom(t, b.env, b.fresh(), j, photos[1]))
		limited(t, a.env, "third vote, through A", func() *response { return voteFrom(t, a.env, a.fresh(), j, photos[2]) })
		limited(t, b.env, "third vote, through B", func() *response { return voteFrom(t, b.env, b.fresh(), j, photos[2]) })
	})
	t.Run("PerIP", func(t *testing.T) {
		k, l, m := a.judge(t), a.judge(t), b.judge(t)
		ip := a.fresh()
		allowed(t, "first vote of the address, through A", voteFrom(t, a.env, ip, k, photos[0]))
		allowed(t, "second vote of the address, through B", voteFrom(t, b.env, ip, k, photos[1]))
		allowed(t, "third vote of the address, through A", voteFrom(t, a.env, ip, l, photos[0]))
		limited(t, b.env, "fourth vote of the address, through B", func() *response { return voteFrom(t, b.env, ip, l, photos[1]) })
		limited(t, a.env, "another judge from the address, through A", func() *response { return voteFrom(t, a.env, ip, m, photos[1]) })
		allowed(t, "that judge from another address, through B", voteFrom(t, b.env, b.fresh(), m, photos[1]))
	})
	t.Run("KeptInRedis", func(t *testing.T) {
		opts, err := goredis.ParseURL(rs.URL())
		if err != nil {
			t.Fatal(err)
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		for _, pattern := range []string{prefix + "rl:vote:*", prefix + "rl:vote_ip:198.18.*"} {
			keys, err := rdb.Keys(context.Background(), pattern).Result()
			if err != nil || len(keys) == 0 {
				t.Errorf("no Redis keys match %s: %v %v", pattern, keys, err)
			}
		}
	})
}
