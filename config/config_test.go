package config_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"io"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facestat/facestat/config"
)

// env returns a getenv that knows only vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func load(t *testing.T, args []string, vars map[string]string) *config.Config {
	t.Helper()
	c, _, err := config.Load(args, env(vars), io.Discard)
	if err != nil {
		t.Fatalf("Load(%q, %v): %v", args, vars, err)
	}
	return c
}

// loadErr fails unless Load refuses and its error mentions every one of want.
func loadErr(t *testing.T, args []string, vars map[string]string, want ...string) {
	t.Helper()
	c, _, err := config.Load(args, env(vars), io.Discard)
	if err == nil {
		t.Fatalf("Load(%q, %v) = %+v, want an error", args, vars, c)
	}
	if c != nil {
		t.Errorf("Load returned a config along with %v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Load(%q, %v) error %q does not mention %q", args, vars, err, w)
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c, rest, err := config.Load(nil, env(nil), io.Discard)
		if err != nil {
			t.Fatalf("Load with no settings: %v", err)
		}
		if len(rest) != 0 {
			t.Errorf("rest = %q, want none", rest)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("the defaults do not validate: %v", err)
		}
		for name, tc := range map[string]struct{ got, want any }{
			"Addr":            {c.Addr, "127.0.0.1:8080"},
			"PublicURL":       {c.PublicURL, "http://127.0.0.1:8080"},
			"DataDir":         {c.DataDir, "./data"},
			"DatabaseURL":     {c.DatabaseURL, ""},
			"DBMaxConns":      {c.DBMaxConns, 20},
			"Secret":          {c.Secret, ""},
			"LogLevel":        {c.LogLevel, "info"},
			"LogFormat":       {c.LogFormat, "json"},
			"MigrateOnStart":  {c.MigrateOnStart, true},
			"ShutdownTimeout": {c.ShutdownTimeout, 15 * time.Second},
			"MaxBodyBytes":    {c.MaxBodyBytes, int64(1 << 20)},
			"MaxUploadBytes":  {c.MaxUploadBytes, int64(10 << 20)},
			"MaxImagePixels":  {c.MaxImagePixels, int64(40_000_000)},
			"ImageSide":       {c.ImageSide, 2048},
			"ThumbSide":       {c.ThumbSide, 400},
			"MaxQueryDepth":   {c.MaxQueryDepth, 12},
			"MaxPageSize":     {c.MaxPageSize, 100},
			"Argon2Memory":    {c.Argon2Memory, 19456},
			"Argon2Time":      {c.Argon2Time, 2},
			"Argon2Threads":   {c.Argon2Threads, 1},
			"AccessTokenTTL":  {c.AccessTokenTTL, 24 * time.Hour},
			"RefreshTokenTTL": {c.RefreshTokenTTL, 720 * time.Hour},
			"AnonTokenTTL":    {c.AnonTokenTTL, 720 * time.Hour},
			"RateAnonSession": {c.RateAnonSession, config.Rate{N: 30, Per: time.Minute}},
			"RateSignUp":      {c.RateSignUp, config.Rate{N: 10, Per: time.Minute}},
			"RateSignIn":      {c.RateSignIn, config.Rate{N: 20, Per: time.Minute}},
			"RateUpload":      {c.RateUpload, config.Rate{N: 30, Per: time.Hour}},
			"RateUploadIP":    {c.RateUploadIP, config.Rate{N: 120, Per: time.Hour}},
			"RateVote":        {c.RateVote, config.Rate{N: 120, Per: time.Minute}},
			"RateVoteIP":      {c.RateVoteIP, config.Rate{N: 3000, Per: time.Minute}},
			"RateSignInEmail": {c.RateSignInEmail, config.Rate{N: 10, Per: 10 * time.Minute}},
			"SecureCookies":   {c.SecureCookies(), false},
			"S3":              {c.S3(), false},
			"S3Secure":        {c.S3Secure, true},
			"S3CreateBucket":  {c.S3CreateBucket, false},
			"S3Timeout":       {c.S3Timeout, 10 * time.Second},
			"ImageBaseURL":    {c.ImageBaseURL, "http://127.0.0.1:8080/images"},
		} {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("%s = %v, want %v", name, tc.got, tc.want)
			}
		}
		if c.TrustedProxies != nil || c.CORSOrigins != nil {
			t.Errorf("TrustedProxies = %v, CORSOrigins = %v; want none", c.TrustedProxies, c.CORSOrigins)
		}
	})
	t.Run("OKEmptyVariableKeepsDefault", func(t *testing.T) {
		c := load(t, nil, map[string]string{"FACESTAT_ADDR": "", "FACESTAT_DB_MAX_CONNS": ""})
		if c.Addr != "127.0.0.1:8080" || c.DBMaxConns != 20 {
			t.Errorf("Addr = %q, DBMaxConns = %d; want the defaults", c.Addr, c.DBMaxConns)
		}
	})
	t.Run("OKRestArgs", func(t *testing.T) {
		_, rest, err := config.Load([]string{"-addr", "127.0.0.1:1", "serve", "-x"}, env(nil), io.Discard)
		if err != nil || !slices.Equal(rest, []string{"serve", "-x"}) {
			t.Errorf("rest = %q, %v; want [serve -x]", rest, err)
		}
	})
}

func TestLoadPrecedence(t *testing.T) {
	t.Run("OKEnvOverridesDefault", func(t *testing.T) {
		c := load(t, nil, map[string]string{
			"FACESTAT_ADDR":             "0.0.0.0:9000",
			"FACESTAT_DB_MAX_CONNS":     "7",
			"FACESTAT_MAX_BODY_BYTES":   "2MiB",
			"FACESTAT_LOG_FORMAT":       "text",
			"FACESTAT_MIGRATE_ON_START": "false",
			"FACESTAT_ACCESS_TOKEN_TTL": "90m",
			"FACESTAT_RATE_UPLOAD":      "5/1h",
			"FACESTAT_REDIS_PREFIX":     "fs2:",
		})
		if c.Addr != "0.0.0.0:9000" || c.PublicURL != "http://localhost:9000" || c.DBMaxConns != 7 || c.MaxBodyBytes != 2<<20 ||
			c.LogFormat != "text" || c.MigrateOnStart || c.AccessTokenTTL != 90*time.Minute ||
			c.RateUpload != (config.Rate{N: 5, Per: time.Hour}) || c.RedisPrefix != "fs2:" {
			t.Errorf("environment not applied: %+v", c)
		}
	})
	t.Run("OKFlagsOverrideEnv", func(t *testing.T) {
		vars := map[string]string{
			"FACESTAT_ADDR":            "0.0.0.0:9000",
			"FACESTAT_DB_MAX_CONNS":    "7",
			"FACESTAT_TRUSTED_PROXIES": "10.0.0.0/8,10.1.0.0/16",
			"FACESTAT_CORS_ORIGINS":    "https://a.example",
		}
		c := load(t, []string{"-addr=127.0.0.1:7000", "--db-max-conns", "3", "-trusted-proxies", "192.0.2.1", "-cors-origins="}, vars)
		if c.Addr != "127.0.0.1:7000" || c.DBMaxConns != 3 || c.PublicURL != "http://127.0.0.1:7000" {
			t.Errorf("Addr = %q, DBMaxConns = %d, PublicURL = %q; want the flags'", c.Addr, c.DBMaxConns, c.PublicURL)
		}
		// A list given by flag replaces the environment's, not adds to it.
		if want := []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}; !slices.Equal(c.TrustedProxies, want) {
			t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
		}
		if len(c.CORSOrigins) != 0 {
			t.Errorf("CORSOrigins = %q, want the flag's empty list", c.CORSOrigins)
		}
	})
	t.Run("OKLastFlagWins", func(t *testing.T) {
		c := load(t, []string{"-db-max-conns=3", "-db-max-conns=4"}, nil)
		if c.DBMaxConns != 4 {
			t.Errorf("DBMaxConns = %d, want 4", c.DBMaxConns)
		}
	})
	t.Run("ErrHelp", func(t *testing.T) {
		var out bytes.Buffer
		_, _, err := config.Load([]string{"-h"}, env(nil), &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("Load(-h) = %v, want flag.ErrHelp", err)
		}
		if !strings.Contains(out.String(), "FACESTAT_MAX_UPLOAD_BYTES") {
			t.Errorf("help does not name the variables:\n%s", out.String())
		}
	})
	t.Run("ErrUnknownFlag", func(t *testing.T) {
		loadErr(t, []string{"-no-such-option"}, nil, "no-such-option")
	})
}

func TestLoadInvalid(t *testing.T) {
	// Each refused value's error names what to fix: the variable when the
	// value does not parse, the setting when it is out of range.
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"DBMaxConnsNotNumber":   {map[string]string{"FACESTAT_DB_MAX_CONNS": "lots"}, "FACESTAT_DB_MAX_CONNS"},
		"AdmitReadsNegative":    {map[string]string{"FACESTAT_ADMIT_READS": "-1"}, "admit-reads"},
		"AdmitWaitLong":         {map[string]string{"FACESTAT_ADMIT_WAIT": "1m"}, "admit-wait"},
		"AdmitLatencyTiny":      {map[string]string{"FACESTAT_ADMIT_LATENCY": "1us"}, "admit-latency"},
		"DegradationUnknown":    {map[string]string{"FACESTAT_DEGRADATION": "off"}, "FACESTAT_DEGRADATION"},
		"DBMaxConnsZero":        {map[string]string{"FACESTAT_DB_MAX_CONNS": "0"}, "db-max-conns"},
		"DBMaxConnsHuge":        {map[string]string{"FACESTAT_DB_MAX_CONNS": "1001"}, "db-max-conns"},
		"BodyBytesUnit":         {map[string]string{"FACESTAT_MAX_BODY_BYTES": "1MB"}, "FACESTAT_MAX_BODY_BYTES"},
		"BodyBytesFraction":     {map[string]string{"FACESTAT_MAX_BODY_BYTES": "0.5MiB"}, "FACESTAT_MAX_BODY_BYTES"},
		"BodyBytesLowerUnit":    {map[string]string{"FACESTAT_MAX_BODY_BYTES": "1mib"}, "FACESTAT_MAX_BODY_BYTES"},
		"BodyBytesSmall":        {map[string]string{"FACESTAT_MAX_BODY_BYTES": "1023"}, "max-body-bytes"},
		"BodyBytesLarge":        {map[string]string{"FACESTAT_MAX_BODY_BYTES": "65MiB"}, "max-body-bytes"},
		"BodyBytesNegative":     {map[string]string{"FACESTAT_MAX_BODY_BYTES": "-1KiB"}, "FACESTAT_MAX_BODY_BYTES"},
		"UploadBytesLarge":      {map[string]string{"FACESTAT_MAX_UPLOAD_BYTES": "1GiB"}, "max-upload-bytes"},
		"ImagePixelsZero":       {map[string]string{"FACESTAT_MAX_IMAGE_PIXELS": "0"}, "max-image-pixels"},
		"ImageSideSmall":        {map[string]string{"FACESTAT_IMAGE_SIDE": "63"}, "image-side"},
		"ThumbAboveImage":       {map[string]string{"FACESTAT_IMAGE_SIDE": "256", "FACESTAT_THUMB_SIDE": "257"}, "thumb-side"},
		"QuotaNegative":         {map[string]string{"FACESTAT_PHOTO_QUOTA": "-1"}, "photo-quota"},
		"QueryDepthLow":         {map[string]string{"FACESTAT_MAX_QUERY_DEPTH": "2"}, "max-query-depth"},
		"PageSizeHigh":          {map[string]string{"FACESTAT_MAX_PAGE_SIZE": "1001"}, "max-page-size"},
		"ComplexityLow":         {map[string]string{"FACESTAT_MAX_COMPLEXITY": "9"}, "max-complexity"},
		"QueryTokensLow":        {map[string]string{"FACESTAT_MAX_QUERY_TOKENS": "99"}, "max-query-tokens"},
		"Argon2MemoryLow":       {map[string]string{"FACESTAT_ARGON2_MEMORY": "7"}, "argon2-memory"},
		"Argon2TimeZero":        {map[string]string{"FACESTAT_ARGON2_TIME": "0"}, "argon2-time"},
		"Argon2ThreadsZero":     {map[string]string{"FACESTAT_ARGON2_THREADS": "0"}, "argon2-threads"},
		"Argon2ThreadsOverflow": {map[string]string{"FACESTAT_ARGON2_THREADS": "256"}, "argon2-threads"},
		"ShutdownNotDuration":   {map[string]string{"FACESTAT_SHUTDOWN_TIMEOUT": "soon"}, "FACESTAT_SHUTDOWN_TIMEOUT"},
		"ShutdownZero":          {map[string]string{"FACESTAT_SHUTDOWN_TIMEOUT": "0s"}, "shutdown-timeout"},
		"AccessTTLShort":        {map[string]string{"FACESTAT_ACCESS_TOKEN_TTL": "999ms"}, "access-token-ttl"},
		"RefreshBelowAccess":    {map[string]string{"FACESTAT_ACCESS_TOKEN_TTL": "2h", "FACESTAT_REFRESH_TOKEN_TTL": "1h"}, "refresh-token-ttl"},
		"AnonTTLZero":           {map[string]string{"FACESTAT_ANON_TOKEN_TTL": "0s"}, "anon-token-ttl"},
		"MigrateNotBool":        {map[string]string{"FACESTAT_MIGRATE_ON_START": "maybe"}, "FACESTAT_MIGRATE_ON_START"},
		"LogLevel":              {map[string]string{"FACESTAT_LOG_LEVEL": "loud"}, "log-level"},
		"LogFormat":             {map[string]string{"FACESTAT_LOG_FORMAT": "xml"}, "log-format"},
		"SecretShort":           {map[string]string{"FACESTAT_SECRET": strings.Repeat("s", 31)}, "secret"},
		"PublicURLScheme":       {map[string]string{"FACESTAT_PUBLIC_URL": "ftp://facestat.example"}, "public-url"},
		"PublicURLNoScheme":     {map[string]string{"FACESTAT_PUBLIC_URL": "facestat.example"}, "public-url"},
		"RateNoSlash":           {map[string]string{"FACESTAT_RATE_SIGN_IN": "20"}, "FACESTAT_RATE_SIGN_IN"},
		"BudgetBelowPriceLimit": {map[string]string{"FACESTAT_MAX_COMPLEXITY": "5000", "FACESTAT_BUDGET_SESSION": "4999/1m"}, "budget-session"},
		"ProxyHost":             {map[string]string{"FACESTAT_TRUSTED_PROXIES": "proxy.example"}, "FACESTAT_TRUSTED_PROXIES"},
		"CORSWildcard":          {map[string]string{"FACESTAT_CORS_ORIGINS": "*"}, "FACESTAT_CORS_ORIGINS"},
	} {
		t.Run(name, func(t *testing.T) {
			loadErr(t, nil, tc.vars, tc.want)
		})
	}
	t.Run("ErrFlagNamed", func(t *testing.T) {
		loadErr(t, []string{"-db-max-conns", "lots"}, nil, "db-max-conns")
		loadErr(t, []string{"-max-upload-bytes=1XiB"}, nil, "max-upload-bytes")
		loadErr(t, []string{"-rate-upload=5"}, nil, "rate-upload")
		loadErr(t, []string{"-cors-origins=https://a.example/"}, nil, "cors-origins")
	})
	t.Run("ErrValueQuoted", func(t *testing.T) {
		// The variable's offending value is shown, so a typo is easy to see.
		loadErr(t, nil, map[string]string{"FACESTAT_DB_MAX_CONNS": "2O"}, `FACESTAT_DB_MAX_CONNS="2O"`)
	})
}

func TestByteSizes(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for in, want := range map[string]int64{
			"1024":      1024,
			"1KiB":      1 << 10,
			"64KiB":     64 << 10,
			"10MiB":     10 << 20,
			"1 MiB":     1 << 20,
			" 3MiB":     3 << 20,
			"256MiB":    256 << 20,
			"262144KiB": 256 << 20,
		} {
			c := load(t, nil, map[string]string{"FACESTAT_MAX_UPLOAD_BYTES": in})
			if c.MaxUploadBytes != want {
				t.Errorf("max-upload-bytes %q = %d, want %d", in, c.MaxUploadBytes, want)
			}
		}
		c := load(t, []string{"-max-body-bytes=64MiB"}, nil)
		if c.MaxBodyBytes != 64<<20 {
			t.Errorf("max-body-bytes 64MiB = %d", c.MaxBodyBytes)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range []string{"KiB", "1 K", "1KB", "1kib", "1.5MiB", "1e6", "0x400", "MiB1", "1MiB ", "1 MiB MiB"} {
			loadErr(t, nil, map[string]string{"FACESTAT_MAX_UPLOAD_BYTES": in}, "FACESTAT_MAX_UPLOAD_BYTES")
		}
	})
	t.Run("ErrOverflow", func(t *testing.T) {
		loadErr(t, nil, map[string]string{"FACESTAT_MAX_BODY_BYTES": "17592186044417MiB"}, "FACESTAT_MAX_BODY_BYTES")
		loadErr(t, nil, map[string]string{"FACESTAT_MAX_BODY_BYTES": "9223372036854775807KiB"}, "FACESTAT_MAX_BODY_BYTES")
	})
	t.Run("ErrTwoSuffixes", func(t *testing.T) {
		for range 200 {
			loadErr(t, nil, map[string]string{"FACESTAT_MAX_BODY_BYTES": "2KiBMiB"}, "FACESTAT_MAX_BODY_BYTES")
		}
	})
}

func TestRates(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for in, want := range map[string]config.Rate{
			"30/1m":      {N: 30, Per: time.Minute},
			" 5 / 10s ":  {N: 5, Per: 10 * time.Second},
			"0/1s":       {N: 0, Per: time.Second},
			"1000/1h30m": {N: 1000, Per: 90 * time.Minute},
			"1/1ns":      {N: 1, Per: time.Nanosecond},
		} {
			c := load(t, nil, map[string]string{"FACESTAT_RATE_SIGN_UP": in})
			if c.RateSignUp != want {
				t.Errorf("rate %q = %+v, want %+v", in, c.RateSignUp, want)
			}
			// String writes what Load reads back.
			if again := load(t, []string{"-rate-sign-up", c.RateSignUp.String()}, nil); again.RateSignUp != want {
				t.Errorf("rate %q: String() = %q reads back as %+v", in, c.RateSignUp, again.RateSignUp)
			}
		}
	})
	t.Run("OKEachOption", func(t *testing.T) {
		// Every rate option sets its own field and no other.
		rates := func(c *config.Config) map[string]config.Rate {
			return map[string]config.Rate{
				"FACESTAT_RATE_ANON_SESSION": c.RateAnonSession, "FACESTAT_RATE_SIGN_UP": c.RateSignUp,
				"FACESTAT_RATE_SIGN_IN": c.RateSignIn, "FACESTAT_RATE_SIGN_IN_EMAIL": c.RateSignInEmail,
				"FACESTAT_RATE_UPLOAD": c.RateUpload, "FACESTAT_RATE_UPLOAD_IP": c.RateUploadIP,
				"FACESTAT_RATE_VOTE": c.RateVote, "FACESTAT_RATE_VOTE_IP": c.RateVoteIP,
			}
		}
		defaults := rates(load(t, nil, nil))
		want := config.Rate{N: 7, Per: 3 * time.Second}
		for name := range defaults {
			got := rates(load(t, nil, map[string]string{name: "7/3s"}))
			for other, r := range got {
				if other == name && r != want || other != name && r != defaults[other] {
					t.Errorf("%s=7/3s: %s = %v", name, other, r)
				}
			}
			loadErr(t, nil, map[string]string{name: "7"}, name)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range []string{"30", "/1m", "30/", "x/1m", "-1/1m", "1.5/1m", "30/0s", "30/-1m", "30/soon", "30/1m/2", "30 per minute"} {
			loadErr(t, nil, map[string]string{"FACESTAT_RATE_SIGN_UP": in}, "FACESTAT_RATE_SIGN_UP")
		}
		loadErr(t, []string{"-rate-sign-up="}, nil, "rate-sign-up")
	})
}

func TestTrustedProxies(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c := load(t, nil, map[string]string{"FACESTAT_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7 ,::1,2001:db8::/32,, 203.0.113.9/32"})
		want := []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"),
			netip.MustParsePrefix("192.0.2.7/32"),
			netip.MustParsePrefix("::1/128"),
			netip.MustParsePrefix("2001:db8::/32"),
			netip.MustParsePrefix("203.0.113.9/32"),
		}
		if !slices.Equal(c.TrustedProxies, want) {
			t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
		}
		if !c.TrustedProxies[1].Contains(netip.MustParseAddr("192.0.2.7")) || c.TrustedProxies[1].Contains(netip.MustParseAddr("192.0.2.8")) {
			t.Error("a bare IP must trust exactly that address")
		}
	})
	t.Run("OKEmpty", func(t *testing.T) {
		for _, in := range []string{" ", ",", " , ,"} {
			if c := load(t, nil, map[string]string{"FACESTAT_TRUSTED_PROXIES": in}); len(c.TrustedProxies) != 0 {
				t.Errorf("%q: TrustedProxies = %v, want none", in, c.TrustedProxies)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range []string{"proxy.example", "10.0.0.0/33", "::1/129", "10.0.0", "10.0.0.1/", "10.0.0.0/8;10.1.0.0/16", "10.0.0.0/8,nope"} {
			loadErr(t, nil, map[string]string{"FACESTAT_TRUSTED_PROXIES": in}, "FACESTAT_TRUSTED_PROXIES")
		}
	})
}

// TestOperatorAccess: loopback are operators by default; the operator
// token is kept only as its hash, and a short one is refused without the
// error quoting it.
func TestOperatorAccess(t *testing.T) {
	t.Run("OKDefaults", func(t *testing.T) {
		c := load(t, nil, nil)
		want := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		if !slices.Equal(c.OperatorCIDRs, want) || c.OperatorTokenHash != nil {
			t.Errorf("OperatorCIDRs = %v, token hash %x; want %v and none", c.OperatorCIDRs, c.OperatorTokenHash, want)
		}
	})
	t.Run("OKToken", func(t *testing.T) {
		token := strings.Repeat("t0ken", 8)
		c := load(t, nil, map[string]string{"FACESTAT_OPERATOR_TOKEN": token, "FACESTAT_OPERATOR_CIDRS": "10.9.0.0/16"})
		if sum := sha256.Sum256([]byte(token)); !bytes.Equal(c.OperatorTokenHash, sum[:]) {
			t.Errorf("OperatorTokenHash = %x, want the token's SHA-256", c.OperatorTokenHash)
		}
		if want := []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}; !slices.Equal(c.OperatorCIDRs, want) {
			t.Errorf("OperatorCIDRs = %v, want %v", c.OperatorCIDRs, want)
		}
	})
	t.Run("ErrShortToken", func(t *testing.T) {
		_, _, err := config.Load(nil, env(map[string]string{"FACESTAT_OPERATOR_TOKEN": "hunter2hunter2"}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "operator-token") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Load with a short token: %v; want an error naming operator-token, not quoting the token", err)
		}
	})
	t.Run("ErrInvalidCIDR", func(t *testing.T) {
		loadErr(t, nil, map[string]string{"FACESTAT_OPERATOR_CIDRS": "10.0.0.0/33"}, "FACESTAT_OPERATOR_CIDRS")
	})
}

func TestCORSOrigins(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c := load(t, nil, map[string]string{"FACESTAT_CORS_ORIGINS": "https://app.example, http://localhost:3000,,http://[::1]:5173"})
		if want := []string{"https://app.example", "http://localhost:3000", "http://[::1]:5173"}; !slices.Equal(c.CORSOrigins, want) {
			t.Errorf("CORSOrigins = %q, want %q", c.CORSOrigins, want)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range []string{"*", "app.example", "localhost:3000", "//app.example", "https://", "https://app.example/", "https://app.example/path", "https://app.example, /relative", "https://a b.example"} {
			loadErr(t, nil, map[string]string{"FACESTAT_CORS_ORIGINS": in}, "FACESTAT_CORS_ORIGINS")
		}
	})
	t.Run("ErrNotAnOrigin", func(t *testing.T) {
		for _, in := range []string{"https://app.example?x=1", "https://app.example#top", "https://user@app.example", "ftp://app.example"} {
			loadErr(t, nil, map[string]string{"FACESTAT_CORS_ORIGINS": in}, "FACESTAT_CORS_ORIGINS")
		}
	})
}

func TestPublicURL(t *testing.T) {
	t.Run("OKDefaultFromAddr", func(t *testing.T) {
		for addr, want := range map[string]string{
			"127.0.0.1:8080":   "http://127.0.0.1:8080",
			"localhost:9":      "http://localhost:9",
			"facestat.test:80": "http://facestat.test:80",
			"[::1]:8080":       "http://[::1]:8080",
		} {
			if c := load(t, []string{"-addr", addr}, nil); c.PublicURL != want {
				t.Errorf("addr %q: PublicURL = %q, want %q", addr, c.PublicURL, want)
			}
		}
	})
	t.Run("OKExplicit", func(t *testing.T) {
		c := load(t, []string{"-addr", "0.0.0.0:8080"}, map[string]string{"FACESTAT_PUBLIC_URL": "https://facestat.example/"})
		if c.PublicURL != "https://facestat.example" {
			t.Errorf("PublicURL = %q, want the trailing slash trimmed", c.PublicURL)
		}
		if !c.SecureCookies() {
			t.Error("SecureCookies() = false for an https public URL")
		}
	})
	t.Run("ErrNoHostName", func(t *testing.T) {
		c, _, err := config.Load([]string{"-addr", ":8080"}, env(nil), io.Discard)
		if err != nil {
			if !strings.Contains(err.Error(), "public-url") {
				t.Errorf("error %q does not name public-url", err)
			}
			return
		}
		if u, err := url.Parse(c.PublicURL); err != nil || u.Hostname() == "" {
			t.Errorf("PublicURL = %q names no host", c.PublicURL)
		}
	})
}

func TestValidate(t *testing.T) {
	base := func(t *testing.T) *config.Config {
		t.Helper()
		return load(t, nil, nil)
	}
	t.Run("OK", func(t *testing.T) {
		c := base(t)
		c.DatabaseURL, c.DataDir = "postgres://db.example/facestat", ""
		if err := c.Validate(); err != nil {
			t.Errorf("PostgreSQL without a data folder: %v", err)
		}
	})
	for name, tc := range map[string]struct {
		mutate func(*config.Config)
		want   string
	}{
		"ErrNoAddr":          {func(c *config.Config) { c.Addr = "" }, "addr"},
		"ErrNoStorage":       {func(c *config.Config) { c.DataDir, c.DatabaseURL = "", "" }, "data-dir"},
		"ErrPublicURLNoHost": {func(c *config.Config) { c.PublicURL = "https://" }, "public-url"},
		"ErrImageSideHigh":   {func(c *config.Config) { c.ImageSide = 8193 }, "image-side"},
		"ErrImageSideMax":    {func(c *config.Config) { c.MaxImageSide = 65536 }, "max-image-side"},
		"ErrArgon2MemoryMax": {func(c *config.Config) { c.Argon2Memory = 4<<20 + 1 }, "argon2-memory"},
		"ErrArgon2TimeMax":   {func(c *config.Config) { c.Argon2Time = 101 }, "argon2-time"},
	} {
		t.Run(name, func(t *testing.T) {
			c := base(t)
			tc.mutate(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestObjectStorage(t *testing.T) {
	s3 := func(more map[string]string) map[string]string {
		vars := map[string]string{"FACESTAT_S3_ENDPOINT": "s3.example.com", "FACESTAT_S3_BUCKET": "pics"}
		for k, v := range more {
			vars[k] = v
		}
		return vars
	}
	t.Run("OK", func(t *testing.T) {
		c := load(t, nil, s3(map[string]string{
			"FACESTAT_S3_REGION":        "eu-west-1",
			"FACESTAT_S3_ACCESS_KEY":    "AKIA",
			"FACESTAT_S3_SECRET_KEY":    "secret",
			"FACESTAT_S3_CREATE_BUCKET": "true",
			"FACESTAT_S3_TIMEOUT":       "3s",
		}))
		want := config.Config{S3Endpoint: "s3.example.com", S3Bucket: "pics", S3Region: "eu-west-1", S3AccessKey: "AKIA",
			S3SecretKey: "secret", S3Secure: true, S3CreateBucket: true, S3Timeout: 3 * time.Second}
		got := config.Config{S3Endpoint: c.S3Endpoint, S3Bucket: c.S3Bucket, S3Region: c.S3Region, S3AccessKey: c.S3AccessKey,
			S3SecretKey: c.S3SecretKey, S3Secure: c.S3Secure, S3CreateBucket: c.S3CreateBucket, S3Timeout: c.S3Timeout}
		if !reflect.DeepEqual(got, want) || !c.S3() {
			t.Errorf("S3 settings = %+v, want %+v", got, want)
		}
	})
	t.Run("OKDefaultImageBaseURL", func(t *testing.T) {
		for name, tc := range map[string]struct {
			vars map[string]string
			want string
		}{
			"LocalDisk":    {map[string]string{"FACESTAT_PUBLIC_URL": "https://facestat.example/"}, "https://facestat.example/images"},
			"S3":           {s3(nil), "https://s3.example.com/pics"},
			"S3Plain":      {s3(map[string]string{"FACESTAT_S3_ENDPOINT": "127.0.0.1:9000", "FACESTAT_S3_SECURE": "false"}), "http://127.0.0.1:9000/pics"},
			"S3Prefix":     {s3(map[string]string{"FACESTAT_S3_PREFIX": "/site/a/"}), "https://s3.example.com/pics/site/a"},
			"Explicit":     {s3(map[string]string{"FACESTAT_IMAGE_BASE_URL": "https://cdn.example/img/"}), "https://cdn.example/img"},
			"CDNOnDisk":    {map[string]string{"FACESTAT_IMAGE_BASE_URL": "https://cdn.example"}, "https://cdn.example"},
			"IPv6":         {s3(map[string]string{"FACESTAT_S3_ENDPOINT": "[::1]:9000"}), "https://[::1]:9000/pics"},
			"DottedBucket": {s3(map[string]string{"FACESTAT_S3_BUCKET": "img.facestat.example"}), "https://s3.example.com/img.facestat.example"},
		} {
			if c := load(t, nil, tc.vars); c.ImageBaseURL != tc.want {
				t.Errorf("%s: ImageBaseURL = %q, want %q", name, c.ImageBaseURL, tc.want)
			}
		}
		c := load(t, nil, s3(map[string]string{"FACESTAT_S3_PREFIX": "/site/a/"}))
		if c.S3Prefix != "site/a" {
			t.Errorf("S3Prefix = %q, want the slashes trimmed", c.S3Prefix)
		}
	})
	t.Run("OKFlags", func(t *testing.T) {
		c := load(t, []string{"-s3-endpoint", "minio.internal:9000", "-s3-bucket=pics", "-s3-secure=false", "-s3-prefix", "fs"}, nil)
		if c.S3Endpoint != "minio.internal:9000" || c.S3Bucket != "pics" || c.S3Secure || c.ImageBaseURL != "http://minio.internal:9000/pics/fs" {
			t.Errorf("flags not applied: %+v", c)
		}
	})
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"ErrNoBucket":          {map[string]string{"FACESTAT_S3_ENDPOINT": "s3.example.com"}, "s3-bucket"},
		"ErrBucketWithoutS3":   {map[string]string{"FACESTAT_S3_BUCKET": "pics"}, "s3-bucket"},
		"ErrBucketUpper":       {s3(map[string]string{"FACESTAT_S3_BUCKET": "Pics"}), "s3-bucket"},
		"ErrBucketShort":       {s3(map[string]string{"FACESTAT_S3_BUCKET": "pi"}), "s3-bucket"},
		"ErrBucketDash":        {s3(map[string]string{"FACESTAT_S3_BUCKET": "-pics"}), "s3-bucket"},
		"ErrEndpointScheme":    {s3(map[string]string{"FACESTAT_S3_ENDPOINT": "https://s3.example.com"}), "s3-endpoint"},
		"ErrEndpointPath":      {s3(map[string]string{"FACESTAT_S3_ENDPOINT": "s3.example.com/pics"}), "s3-endpoint"},
		"ErrEndpointPort":      {s3(map[string]string{"FACESTAT_S3_ENDPOINT": "s3.example.com:99999"}), "s3-endpoint"},
		"ErrEndpointEmptyPort": {s3(map[string]string{"FACESTAT_S3_ENDPOINT": "s3.example.com:"}), "s3-endpoint"},
		"ErrEndpointNoHost":    {s3(map[string]string{"FACESTAT_S3_ENDPOINT": ":9000"}), "s3-endpoint"},
		"ErrHalfCredentials":   {s3(map[string]string{"FACESTAT_S3_ACCESS_KEY": "AKIA"}), "s3-secret-key"},
		"ErrPrefix":            {s3(map[string]string{"FACESTAT_S3_PREFIX": "a/../b"}), "s3-prefix"},
		"ErrPrefixUpper":       {s3(map[string]string{"FACESTAT_S3_PREFIX": "Site"}), "s3-prefix"},
		"ErrTimeout":           {s3(map[string]string{"FACESTAT_S3_TIMEOUT": "0s"}), "s3-timeout"},
		"ErrTimeoutParse":      {s3(map[string]string{"FACESTAT_S3_TIMEOUT": "soon"}), "FACESTAT_S3_TIMEOUT"},
		"ErrSecureParse":       {s3(map[string]string{"FACESTAT_S3_SECURE": "tls"}), "FACESTAT_S3_SECURE"},
		"ErrBaseURLScheme":     {map[string]string{"FACESTAT_IMAGE_BASE_URL": "ftp://cdn.example"}, "image-base-url"},
		"ErrBaseURLRelative":   {map[string]string{"FACESTAT_IMAGE_BASE_URL": "/images"}, "image-base-url"},
		"ErrBaseURLQuery":      {map[string]string{"FACESTAT_IMAGE_BASE_URL": "https://cdn.example/?a=b"}, "image-base-url"},
		"ErrBaseURLSelf": {s3(map[string]string{"FACESTAT_PUBLIC_URL": "https://facestat.example",
			"FACESTAT_IMAGE_BASE_URL": "https://facestat.example/images"}), "image-base-url"},
	} {
		t.Run(name, func(t *testing.T) {
			loadErr(t, nil, tc.vars, tc.want)
		})
	}
}

func TestDegradation(t *testing.T) {
	if c := load(t, nil, nil); c.Degradation != nil {
		t.Errorf("default degradation forced to %v, want automatic", *c.Degradation)
	}
	c := load(t, []string{"-degradation", "pause-uploads"}, map[string]string{"FACESTAT_DEGRADATION": "normal"})
	if c.Degradation == nil || c.Degradation.String() != "pause-uploads" {
		t.Errorf("flag over env: %v", c.Degradation)
	}
	if c := load(t, nil, map[string]string{"FACESTAT_DEGRADATION": "auto"}); c.Degradation != nil {
		t.Errorf("auto: %v", *c.Degradation)
	}
}
