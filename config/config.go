// Package config loads FaceStat's configuration once, from FACESTAT_*
// environment variables and command-line flags (flags win), into one Config
// that is validated and then passed down. Every option has a default that
// works on a laptop.
package config

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/blob"
)

// Config is the whole configuration of one FaceStat process.
type Config struct {
	Addr           string         // listen address
	DataDir        string         // embedded default's folder (SQLite file, blobs)
	DatabaseURL    string         // PostgreSQL; empty selects SQLite under DataDir
	DBMaxConns     int            // PostgreSQL connection pool size
	RedisURL       string         // the shared cache, live-result pub/sub and rate limits; empty: in-process
	RedisPrefix    string         // prefix of every Redis key and channel
	PublicURL      string         // the URL users reach this service at
	TrustedProxies []netip.Prefix // X-Forwarded-For is honoured only from these
	CORSOrigins    []string       // origins allowed to call the API from a browser
	// OperatorCIDRs are the client addresses (as trusted-proxies resolve
	// them) that may read /metrics and /status without a token.
	OperatorCIDRs []netip.Prefix
	// OperatorTokenHash is the SHA-256 of the operator token, which also
	// opens /metrics and /status; nil without one. The token itself is not
	// kept.
	OperatorTokenHash []byte
	operatorTokenLen  int           // the token's length, for Validate
	Secret            string        // signs anonymous tokens; empty: generated once and kept in the database
	LogLevel          string        // debug, info, warn, error
	LogFormat         string        // json or text
	MigrateOnStart    bool          // serve migrates PostgreSQL before it listens
	Cache             bool          // read-through cache of photos, users, statistics and sessions
	NearCacheTTL      time.Duration // lifetime of an entry of the in-process near cache in front of Redis (0: none)

	// Object storage for images. With S3Endpoint empty, images are files
	// under DataDir/blobs served by FaceStat at /images/.
	S3Endpoint     string        // S3-compatible store's host[:port]; empty keeps images on local disk
	S3Bucket       string        // bucket holding the images (required with S3Endpoint)
	S3Region       string        // the bucket's region; empty: asked from the store (us-east-1 when creating)
	S3AccessKey    string        // signs requests with S3SecretKey; both empty: anonymous requests
	S3SecretKey    string        // see S3AccessKey
	S3Secure       bool          // HTTPS to the store
	S3Prefix       string        // key prefix inside the bucket, without leading or trailing '/'; may be empty
	S3CreateBucket bool          // create the bucket at start-up when it is missing
	S3Timeout      time.Duration // bounds one S3 call, retries included
	// ImageBaseURL is the public base URL of images (no trailing '/'): an
	// image's URL is ImageBaseURL + "/" + key. Load defaults it to
	// PublicURL + "/images" on local disk, and to the bucket's path-style
	// URL (with the prefix) on S3.
	ImageBaseURL string

	ShutdownTimeout time.Duration // graceful shutdown: how long in-flight requests may finish
	DrainDelay      time.Duration // graceful shutdown: how long /readyz reports 503 before the listener closes
	ImageWorkers    int           // images decoded at once (each may take hundreds of MB)

	MaxBodyBytes   int64 // JSON request body
	MaxUploadBytes int64 // one uploaded file (the multipart body may be slightly larger)
	MaxImagePixels int64 // width*height accepted before decoding
	MaxImageSide   int   // longest side accepted before decoding
	MinImageSide   int   // shortest side accepted (a face needs pixels), checked before decoding
	ImageSide      int   // longest side of the stored, normalised image
	ThumbSide      int   // longest side of the thumbnail
	PhotoQuota     int   // photos one account may hold
	// ConsentRequiredFrom: from this time on an upload without all three
	// consents is refused (zero: never).
	ConsentRequiredFrom time.Time
	MaxQueryDepth       int // nesting of a GraphQL operation
	MaxComplexity       int // price of a GraphQL operation (api/cost.go)
	MaxQueryTokens      int // tokens in a GraphQL document
	MaxAliases          int // aliases in a GraphQL document

	// Persisted operations (api/apq.go).
	APQTTL               time.Duration // how long a registered document is kept
	TrustedDocumentsOnly bool          // clients without an API key or the operator token run only the web app's documents
	MaxPageSize          int           // largest `first` of a connection
	Argon2Memory         int           // KiB
	Argon2Time           int           // iterations
	Argon2Threads        int           // lanes
	AccessTokenTTL       time.Duration
	RefreshTokenTTL      time.Duration
	AnonTokenTTL         time.Duration
	DeviceTokenTTL       time.Duration // how long a device token is trusted

	RateAnonSession Rate // startAnonymousSession per client IP
	RateSignUp      Rate // signUp per client IP
	RateSignIn      Rate // signIn per client IP
	RateSignInEmail Rate // signIn per account email

	RateSignInDevice Rate // signIn per device token (RateSignInEmail: without one)

	// Slow clients: what a connection may hold for how long.
	ReadHeaderTimeout time.Duration // a request's headers must arrive within this
	IdleTimeout       time.Duration // a kept-alive connection waits this long for its next request
	MaxHeaderBytes    int64         // a request's headers, at most (431 beyond)
	MinBodyRate       int64         // bytes per second a request body must average...
	MinBodyWindow     time.Duration // ...over this window (408 below)
	MaxUploadsPerIP   int           // uploads in flight at once from one client address
	WSMaxOperations   int           // subscriptions and other operations in flight on one WebSocket
	WSMaxSocketsPerIP int           // WebSockets open at once from one client address

	MaxWSMessageBytes int64         // largest WebSocket message a client may send
	WSInitTimeout     time.Duration // a socket must send connection_init within this
	WSPingInterval    time.Duration // keepalive of both subprotocols
	WSSessionCheck    time.Duration // how soon a signed-out session's sockets close (or a changed role's)
	LiveMaxRate       int           // live updates per photo and subscriber per second, at most

	FrontPageInterval time.Duration // how often the front page is generated

	MinVotes          int           // answers before a result is stable and gets a percentile
	StandingsInterval time.Duration // how often percentiles and top lists are recomputed
	RefitInterval     time.Duration // how often the judge model weighs new votes
	Established       int           // photos a judge has judged before the judge's votes count fully
	NextPhotoPool     int           // nextPhoto picks at random among this many least-judged photos
	TopSize           int           // photos kept per top list
	VoteBatch         int           // votes written in one transaction at most
	VoteWait          time.Duration // how long a vote may wait for others to share its transaction, only while another batch is being written
	VoteOverlap       int           // votes a batch waiting beside one being written gathers before it is written anyway
	VoteQueue         int           // votes waiting at most before castVote answers UNAVAILABLE
	VoteWorkers       int           // vote transactions in flight at once (0: 1 on SQLite, 2 on PostgreSQL)
	RateUpload        Rate          // uploadPhoto per account
	RateUploadIP      Rate          // uploadPhoto per client IP, all accounts together
	RateVote          Rate          // castVote and skipPhoto per judge (account or anonymous session)
	RateVoteIP        Rate          // castVote and skipPhoto per client IP, all judges together

	// Moderation and accounts (issue 14).
	ReportThreshold   int           // counted reports that hide a photo pending review
	RateReport        Rate          // reportPhoto per session
	RateReportIP      Rate          // reportPhoto per client IP
	SMTPURL           string        // smtp(s)://user:password@host:port of the mail relay; empty writes mail to the local outbox
	MailFrom          string        // the From of FaceStat's e-mail
	ResetTokenTTL     time.Duration // lifetime of a password-reset link (at most 30 minutes)
	RateResetIP       Rate          // requestPasswordReset per client IP
	RateResetEmail    Rate          // requestPasswordReset per e-mail address
	ExportTTL         time.Duration // how long a data export's link and file live
	RateExport        Rate          // exportMyData per account
	MaxExportBytes    int64         // largest data export
	SignedURLTTL      time.Duration // lifetime of a private image's signed URL
	PublicImageMaxAge time.Duration // Cache-Control max-age of a public image

	// Budgets: GraphQL cost units (the price of a document) per period,
	// charged up front and refunded down to the actual cost.
	BudgetIP           Rate          // per client IP, everyone behind it together
	BudgetSession      Rate          // per anonymous judge
	BudgetAccount      Rate          // per account
	BudgetAPIKey       Rate          // per API key (issue 15)
	BudgetLeasePercent int           // share of a budget an instance takes from Redis at once and spends in process (0: none)
	BudgetLeaseTTL     time.Duration // how long a lease may be spent from
	VoteLeasePercent   int           // share of rate-vote and rate-vote-ip an instance takes from Redis at once (0: none)
	VoteLeaseTTL       time.Duration // how long a vote lease may be spent from
	GCPercent          int           // GOGC of the process (0: Go's default)
	MemoryLimitPercent int           // GOMEMLIMIT as a percentage of the cgroup's or machine's memory (0: none)
	GCHeadroom         int64         // the least the heap grows between collections, bytes (0: gc-percent alone)

	// Admission control: the most requests of each class in flight at
	// once per instance (0: unbounded), the latency ceiling the adaptive
	// limits below them keep (0: fixed limits), and how long one may wait
	// for a slot.
	AdmitLatency       time.Duration
	AdmitVotes         int
	AdmitReads         int
	AdmitUploads       int
	AdmitSignIns       int
	AdmitSubscriptions int
	AdmitWait          time.Duration
	Degradation        *admission.Level // forced degradation level; nil: automatic
}

// Rate is N events per period; zero N disables the limit. Written "30/1m".
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, r.Per) }

func parseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, errors.New(`want "N/duration", e.g. "30/1m"`)
	}
	c, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || c < 0 {
		return Rate{}, errors.New("bad count")
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d <= 0 {
		return Rate{}, errors.New("bad period")
	}
	return Rate{N: c, Per: d}, nil
}

// option is one configuration setting: its flag name (the environment
// variable follows from it), its default (parsed like any value), one line
// of help, and how it is parsed into a Config. The help line is all there
// is to say about the option: `facestat help` prints it and the README's
// tables are generated from it (make generate), so keep it true, short and
// readable in both. A default that Load or the service computes from other
// settings is explained in computedDefaults.
type option struct {
	name, def, help string
	set             func(c *Config, v string) error
}

// group is a set of related options: a heading in `facestat help` and one
// table in the README. intro, when set, says what the group's options have
// in common.
type group struct {
	title, intro string
	options      []option
}

// options is every option of every group, in order.
var options = func() []option {
	var all []option
	for _, g := range groups {
		all = append(all, g.options...)
	}
	return all
}()

func (o option) env() string {
	return "FACESTAT_" + strings.ToUpper(strings.ReplaceAll(o.name, "-", "_"))
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func integer(p func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		*p(c) = n
		return err
	}
}

func int64s(p func(*Config) *int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseBytes(v)
		*p(c) = n
		return err
	}
}

func duration(p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		*p(c) = d
		return err
	}
}

func timestamp(p func(*Config) *time.Time) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			*p(c) = time.Time{}
			return nil
		}
		t, err := time.Parse(time.RFC3339, v)
		*p(c) = t
		return err
	}
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		*p(c) = b
		return err
	}
}

func rate(p func(*Config) *Rate) func(*Config, string) error {
	return func(c *Config, v string) error {
		r, err := parseRate(v)
		*p(c) = r
		return err
	}
}

// prefixes parses a comma-separated list of CIDRs or single addresses.
// IPv4-mapped IPv6 ones become plain IPv4, as client addresses are compared.
func prefixes(p func(*Config) *[]netip.Prefix) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []netip.Prefix
		for _, s := range list(v) {
			pr, err := netip.ParsePrefix(s)
			if err != nil {
				a, aerr := netip.ParseAddr(s)
				if aerr != nil {
					return err
				}
				pr = netip.PrefixFrom(a, a.BitLen())
			}
			if pr.Addr().Is4In6() { // peers are compared as plain IPv4
				if pr.Bits() < 96 {
					return fmt.Errorf("%q mixes IPv4-mapped and IPv6 addresses", s)
				}
				pr = netip.PrefixFrom(pr.Addr().Unmap(), pr.Bits()-96)
			}
			out = append(out, pr.Masked())
		}
		*p(c) = out
		return nil
	}
}

func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseBytes reads a byte count with an optional KiB, MiB or GiB suffix.
func parseBytes(v string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			v, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, errors.New("want a whole number of bytes, optionally with KiB, MiB or GiB")
	}
	if n < 0 || n > math.MaxInt64/mult {
		return 0, errors.New("out of range")
	}
	return n * mult, nil
}

// groups holds every option, each in the one group a reader would look for
// it in.
var groups = []group{
	{"Server", "", []option{
		{"addr", "127.0.0.1:8080", "host:port to listen on; an empty host or 0.0.0.0 listens on every interface", str(func(c *Config) *string { return &c.Addr })},
		{"public-url", "", "URL users reach FaceStat at: the base of image URLs, Secure cookies when https, the origin trusted for WebSockets", str(func(c *Config) *string { return &c.PublicURL })},
		{"trusted-proxies", "", "comma-separated CIDRs or addresses of proxies whose X-Forwarded-For is believed; none: the peer is the client", prefixes(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies })},
		{"cors-origins", "", "comma-separated origins (scheme://host[:port]) of other web apps allowed to call the API from browsers; none: same origin only", func(c *Config, v string) error {
			c.CORSOrigins = list(v)
			for _, o := range c.CORSOrigins {
				u, err := url.Parse(o)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil ||
					u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(o, "?#") {
					return fmt.Errorf("origin %q is not http(s)://host[:port]", o)
				}
			}
			return nil
		}},
		{"log-level", "info", "least severe log lines written: debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
		{"log-format", "json", "json (one object per line) or text", str(func(c *Config) *string { return &c.LogFormat })},
		{"gc-percent", "100", "the garbage collector's GOGC: the heap grows this percent over the live heap between collections (Go's default, 100: 400 saves about 6 % of a cached read's CPU but holds about 40 % more memory per live-results socket; -1 collects only at memory-limit-percent; 0 keeps Go's); GOGC in the environment wins", integer(func(c *Config) *int { return &c.GCPercent })},
		{"gc-headroom", "64MiB", "the least the heap may grow over the live heap between collections: while the live heap is small (votes, reads), the collector's GOGC rises above gc-percent to leave this much, so it runs less often; a large live heap (thousands of live-results sockets) keeps gc-percent; 0 turns it off; GOGC in the environment wins", int64s(func(c *Config) *int64 { return &c.GCHeadroom })},
		{"memory-limit-percent", "80", "the garbage collector's GOMEMLIMIT as a percentage of the memory the process may use (its cgroup's limit, else the machine's): near it the collector runs as often as it must, whatever gc-percent; 0 sets none; GOMEMLIMIT in the environment wins", integer(func(c *Config) *int { return &c.MemoryLimitPercent })},
		{"shutdown-timeout", "15s", "after SIGTERM and drain-delay, how long in-flight requests may finish", duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{"drain-delay", "0s", "after SIGTERM, how long /readyz reports 503 before the listener closes (give the load balancer time to notice)", duration(func(c *Config) *time.Duration { return &c.DrainDelay })},
		{"front-page-interval", "5s", "how often the front page (recent and top photos, served from memory) is generated", duration(func(c *Config) *time.Duration { return &c.FrontPageInterval })},
	}},
	{"Operator access", "/metrics, /status and /status.json answer operators only (others get 403): clients whose address is in operator-cidrs, and clients that send the operator token as `Authorization: Bearer TOKEN`. Behind a proxy, the address is the client's as X-Forwarded-For from a trusted proxy names it: a request with X-Forwarded-For from a peer that is not a trusted proxy, or with Forwarded or X-Real-IP (which FaceStat does not read), never counts by address, so a local proxy does not make strangers operators.", []option{
		{"operator-cidrs", "127.0.0.0/8,::1", "comma-separated CIDRs or addresses of operators' clients (their address after trusted-proxies)", prefixes(func(c *Config) *[]netip.Prefix { return &c.OperatorCIDRs })},
		{"operator-token", "", "token that opens /metrics and /status from any address (at least 32 bytes; only its SHA-256 is kept; prefer the variable to the flag, which ps shows); empty: by address only", func(c *Config, v string) error {
			c.OperatorTokenHash, c.operatorTokenLen = nil, len(v)
			if v != "" {
				sum := sha256.Sum256([]byte(v))
				c.OperatorTokenHash = sum[:]
			}
			return nil // Validate checks the length, so that no error quotes the token
		}},
	}},
	{"Storage", "", []option{
		{"data-dir", "./data", "folder of the embedded default (SQLite database and image blobs)", str(func(c *Config) *string { return &c.DataDir })},
		{"database-url", "", "PostgreSQL URL (postgres://user:pass@host:port/db?sslmode=..., read by pgx); empty runs on SQLite under data-dir", str(func(c *Config) *string { return &c.DatabaseURL })},
		{"db-max-conns", "20", "PostgreSQL connections per instance (its share of the server's max_connections)", integer(func(c *Config) *int { return &c.DBMaxConns })},
		{"migrate-on-start", "true", "serve applies pending PostgreSQL migrations (under an advisory lock) before listening", boolean(func(c *Config) *bool { return &c.MigrateOnStart })},
		{"redis-url", "", "Redis URL (redis://host:port/db) for the shared cache, live-result pub/sub and rate limits across instances; empty keeps them in-process", str(func(c *Config) *string { return &c.RedisURL })},
		{"redis-prefix", "facestat:", "prefix of every Redis key and channel", str(func(c *Config) *string { return &c.RedisPrefix })},
		{"cache", "true", "cache photos, users, statistics and sessions (in Redis when redis-url is set, else in memory)", boolean(func(c *Config) *bool { return &c.Cache })},
		{"near-cache-ttl", "1s", "with redis-url: how long an instance keeps a decoded cache entry in memory (kept coherent by Redis pub/sub invalidations, off while that subscription is down); 0 turns the near cache off", duration(func(c *Config) *time.Duration { return &c.NearCacheTTL })},
	}},
	{"Image storage", "With s3-endpoint empty, images are files under data-dir/blobs, served by FaceStat at /images/.", []option{
		{"s3-endpoint", "", "host[:port] of an S3-compatible store for images; empty keeps them under the data folder", str(func(c *Config) *string { return &c.S3Endpoint })},
		{"s3-bucket", "", "bucket holding the images (required with s3-endpoint)", str(func(c *Config) *string { return &c.S3Bucket })},
		{"s3-region", "", "the bucket's region; empty asks the store (buckets are created in us-east-1)", str(func(c *Config) *string { return &c.S3Region })},
		{"s3-access-key", "", "S3 access key id; empty with s3-secret-key sends anonymous requests", str(func(c *Config) *string { return &c.S3AccessKey })},
		{"s3-secret-key", "", "S3 secret key (prefer the variable to the flag, which ps shows)", str(func(c *Config) *string { return &c.S3SecretKey })},
		{"s3-secure", "true", "use HTTPS to the S3 store", boolean(func(c *Config) *bool { return &c.S3Secure })},
		{"s3-prefix", "", "key prefix inside the bucket (e.g. prod), so one bucket can serve several sites; empty: the bucket's root", func(c *Config, v string) error {
			c.S3Prefix = strings.Trim(v, "/")
			return nil
		}},
		{"s3-create-bucket", "false", "create the bucket at start-up when it is missing (otherwise FaceStat refuses to start)", boolean(func(c *Config) *bool { return &c.S3CreateBucket })},
		{"s3-timeout", "10s", "bounds one S3 call, retries included", duration(func(c *Config) *time.Duration { return &c.S3Timeout })},
		{"signed-url-ttl", "10m", "lifetime of the signed URL of a private or hidden photo's image (served with Cache-Control: private)", duration(func(c *Config) *time.Duration { return &c.SignedURLTTL })},
		{"public-image-max-age", "24h", "how long caches and CDNs may keep a public photo's image (a copy a CDN holds outlives making the photo private by up to this)", duration(func(c *Config) *time.Duration { return &c.PublicImageMaxAge })},
		{"image-base-url", "", "public base URL of images, e.g. a CDN in front of FaceStat or of the bucket (the bucket's URL is http(s)://ENDPOINT/BUCKET[/PREFIX])", str(func(c *Config) *string { return &c.ImageBaseURL })},
	}},
	{"Uploads", "", []option{
		{"max-upload-bytes", "10MiB", "largest uploaded image file (the multipart request may be slightly larger)", int64s(func(c *Config) *int64 { return &c.MaxUploadBytes })},
		{"max-image-pixels", "40000000", "largest width*height accepted, checked before decoding", int64s(func(c *Config) *int64 { return &c.MaxImagePixels })},
		{"max-image-side", "12000", "longest image side accepted, checked before decoding", integer(func(c *Config) *int { return &c.MaxImageSide })},
		{"min-image-side", "128", "shortest side of an uploaded image, in pixels: a smaller picture cannot show a face and is refused (IMAGE_TOO_SMALL); checked before decoding", integer(func(c *Config) *int { return &c.MinImageSide })},
		{"image-side", "2048", "longest side of the stored image", integer(func(c *Config) *int { return &c.ImageSide })},
		{"thumb-side", "400", "longest side of the thumbnail", integer(func(c *Config) *int { return &c.ThumbSide })},
		{"image-workers", "2", "images decoded at once; each can take hundreds of MB at the pixel limit", integer(func(c *Config) *int { return &c.ImageWorkers })},
		{"photo-quota", "100", "photos one account may hold", integer(func(c *Config) *int { return &c.PhotoQuota })},
		{"consent-required-from", "", "from this time on (RFC 3339, e.g. 2027-01-01T00:00:00Z) an upload must carry all three consents (it shows me, I am an adult, I accept judging) or is refused with CONSENT_REQUIRED; unset: consent is stored when given, never required", timestamp(func(c *Config) *time.Time { return &c.ConsentRequiredFrom })},
	}},
	{"Request limits", "", []option{
		{"max-body-bytes", "1MiB", "largest JSON request body", int64s(func(c *Config) *int64 { return &c.MaxBodyBytes })},
		{"max-query-depth", "12", "deepest nesting of a GraphQL operation", integer(func(c *Config) *int { return &c.MaxQueryDepth })},
		{"max-complexity", "57344", "highest price of a GraphQL operation, in units of about 16 bytes of answer (see api/cost.go): 57344 bounds an answer near 896 KiB; a page of 100 photos with full statistics costs about 33000, the fullest introspection 56000", integer(func(c *Config) *int { return &c.MaxComplexity })},
		{"max-query-tokens", "5000", "most tokens in a GraphQL document", integer(func(c *Config) *int { return &c.MaxQueryTokens })},
		{"max-aliases", "50", "most aliases in a GraphQL document (each is priced too)", integer(func(c *Config) *int { return &c.MaxAliases })},
		{"apq-ttl", "24h", "how long a document registered by Apollo's automatic persisted queries is kept for its hash (each instance also keeps the last 1000 in memory)", duration(func(c *Config) *time.Duration { return &c.APQTTL })},
		{"trusted-documents-only", "false", "requests without an API key or the operator token may run only the web app's documents (frontend/persisted-documents.json), by hash or by text; others get PERSISTED_QUERY_NOT_ALLOWED", boolean(func(c *Config) *bool { return &c.TrustedDocumentsOnly })},
		{"max-page-size", "100", "largest `first` or `last` of a connection", integer(func(c *Config) *int { return &c.MaxPageSize })},
	}},
	{"Slow clients", "What one connection may hold, and for how long: a client that sends too slowly is cut off, and one address cannot take every slot.", []option{
		{"read-header-timeout", "10s", "a request's headers must arrive within this", duration(func(c *Config) *time.Duration { return &c.ReadHeaderTimeout })},
		{"idle-timeout", "2m", "how long a kept-alive connection may wait for its next request", duration(func(c *Config) *time.Duration { return &c.IdleTimeout })},
		{"max-header-bytes", "32KiB", "largest request header block (431 beyond)", int64s(func(c *Config) *int64 { return &c.MaxHeaderBytes })},
		{"min-body-rate", "2KiB", "bytes per second a request body must average over min-body-window; a slower one is cut off (408, BODY_TOO_SLOW)", int64s(func(c *Config) *int64 { return &c.MinBodyRate })},
		{"min-body-window", "10s", "the window min-body-rate is averaged over: the longest a body may stall", duration(func(c *Config) *time.Duration { return &c.MinBodyWindow })},
		{"max-uploads-per-ip", "2", "uploads in flight at once from one client address (429 beyond)", integer(func(c *Config) *int { return &c.MaxUploadsPerIP })},
		{"ws-max-operations", "100", "subscriptions and other operations in flight on one WebSocket; beyond, the new operation is refused (the socket stays open)", integer(func(c *Config) *int { return &c.WSMaxOperations })},
		{"ws-max-sockets-per-ip", "32", "WebSockets open at once from one client address (429 beyond)", integer(func(c *Config) *int { return &c.WSMaxSocketsPerIP })},
	}},
	{"Identity", "", []option{
		{"secret", "", "key that signs anonymous tokens (at least 32 bytes); empty: generated once and kept in the database", str(func(c *Config) *string { return &c.Secret })},
		{"argon2-memory", "19456", "password hashing (argon2id): memory in KiB", integer(func(c *Config) *int { return &c.Argon2Memory })},
		{"argon2-time", "2", "password hashing (argon2id): iterations", integer(func(c *Config) *int { return &c.Argon2Time })},
		{"argon2-threads", "1", "password hashing (argon2id): lanes", integer(func(c *Config) *int { return &c.Argon2Threads })},
		{"access-token-ttl", "24h", "lifetime of an account's access token", duration(func(c *Config) *time.Duration { return &c.AccessTokenTTL })},
		{"refresh-token-ttl", "720h", "lifetime of a refresh token", duration(func(c *Config) *time.Duration { return &c.RefreshTokenTTL })},
		{"anon-token-ttl", "720h", "lifetime of an anonymous judge's token", duration(func(c *Config) *time.Duration { return &c.AnonTokenTTL })},
		{"device-token-ttl", "8760h", "how long a device token (handed out by signUp and signIn, kept by browsers in the fs_device cookie) lets its device sign in on its own budget", duration(func(c *Config) *time.Duration { return &c.DeviceTokenTTL })},
	}},
	{"Live results", "", []option{
		{"live-max-rate", "10", "live updates per photo and subscriber per second, at most (the newest state wins)", integer(func(c *Config) *int { return &c.LiveMaxRate })},
		{"max-ws-message-bytes", "64KiB", "largest WebSocket message a client may send (the socket is closed beyond)", int64s(func(c *Config) *int64 { return &c.MaxWSMessageBytes })},
		{"ws-init-timeout", "5s", "a WebSocket must send connection_init within this, or it is closed", duration(func(c *Config) *time.Duration { return &c.WSInitTimeout })},
		{"ws-ping-interval", "15s", "WebSocket keepalive (graphql-ws \"ka\"; graphql-transport-ws ping, pong due within two intervals)", duration(func(c *Config) *time.Duration { return &c.WSPingInterval })},
		{"ws-session-check", "10s", "how often sockets' account sessions are checked, so signing out, or a change of the account's role, closes them", duration(func(c *Config) *time.Duration { return &c.WSSessionCheck })},
	}},
	{"Judging", "", []option{
		{"min-votes", "10", "answers before a result is stable and gets a percentile", integer(func(c *Config) *int { return &c.MinVotes })},
		{"standings-interval", "30s", "how often percentiles and top lists are recomputed", duration(func(c *Config) *time.Duration { return &c.StandingsInterval })},
		{"refit-interval", "5s", "how often the judge model weighs the new votes (judges' offsets and weights, the weighted figures, karma)", duration(func(c *Config) *time.Duration { return &c.RefitInterval })},
		{"established-judge", "5", "photos a judge must have judged before the judge's votes count fully; votes of newer sessions count little", integer(func(c *Config) *int { return &c.Established })},
		{"top-size", "1000", "photos kept per top list", integer(func(c *Config) *int { return &c.TopSize })},
		{"next-photo-pool", "20", "nextPhoto picks at random among this many least-judged photos", integer(func(c *Config) *int { return &c.NextPhotoPool })},
		{"vote-batch", "500", "votes written in one transaction at most", integer(func(c *Config) *int { return &c.VoteBatch })},
		{"vote-wait", "50ms", "how long a vote may wait for others to share its transaction, only while another batch of votes is being written (an idle server writes a vote at once)", duration(func(c *Config) *time.Duration { return &c.VoteWait })},
		{"vote-overlap", "32", "votes a batch gathers before it is written beside another batch being written (at most vote-batch); with fewer it waits for that batch to end (up to vote-wait), so that a moderate load makes fewer, larger transactions", integer(func(c *Config) *int { return &c.VoteOverlap })},
		{"vote-queue", "20000", "votes waiting at most; beyond, castVote answers UNAVAILABLE", integer(func(c *Config) *int { return &c.VoteQueue })},
		{"vote-workers", "0", "vote transactions in flight at once", integer(func(c *Config) *int { return &c.VoteWorkers })},
	}},
	{"Moderation and accounts", "", []option{
		{"report-threshold", "3", "counted reports (from established judges who were shown the photo, one per network) that hide a photo pending review", integer(func(c *Config) *int { return &c.ReportThreshold })},
		{"rate-report", "10/1h", "reportPhoto per session", rate(func(c *Config) *Rate { return &c.RateReport })},
		{"rate-report-ip", "60/1h", "reportPhoto per client IP, all sessions together", rate(func(c *Config) *Rate { return &c.RateReportIP })},
		{"smtp-url", "", "mail relay for password resets, smtp://user:password@host:port (STARTTLS when offered) or smtps:// (TLS); empty writes each message to the local outbox under data-dir (shown at /outbox to operators)", str(func(c *Config) *string { return &c.SMTPURL })},
		{"mail-from", "FaceStat <no-reply@localhost>", "the From of FaceStat's e-mail", str(func(c *Config) *string { return &c.MailFrom })},
		{"reset-token-ttl", "30m", "lifetime of a password-reset link (at most 30m)", duration(func(c *Config) *time.Duration { return &c.ResetTokenTTL })},
		{"rate-reset-ip", "10/1h", "requestPasswordReset per client IP", rate(func(c *Config) *Rate { return &c.RateResetIP })},
		{"rate-reset-email", "3/1h", "requestPasswordReset per e-mail address, whatever the client", rate(func(c *Config) *Rate { return &c.RateResetEmail })},
		{"export-ttl", "1h", "how long a data export's link and file live", duration(func(c *Config) *time.Duration { return &c.ExportTTL })},
		{"rate-export", "3/24h", "exportMyData per account (a request while an export is being built or still live returns that one)", rate(func(c *Config) *Rate { return &c.RateExport })},
		{"max-export-bytes", "2GiB", "largest data export; an account whose data is larger gets an export failed with a message", int64s(func(c *Config) *int64 { return &c.MaxExportBytes })},
	}},
	{"Rate limits", "Each is N/period, a token bucket: a burst of N, refilled at N per period (30/1m: one every 2 s); 0/1s turns it off. A client IP is the whole IPv4 address or the IPv6 /64. With redis-url set, all instances share one budget; while Redis fails, each instance counts on its own with the same limits.", []option{
		{"rate-anon-session", "30/1m", "startAnonymousSession per client IP", rate(func(c *Config) *Rate { return &c.RateAnonSession })},
		{"rate-sign-up", "10/1m", "signUp per client IP", rate(func(c *Config) *Rate { return &c.RateSignUp })},
		{"rate-sign-in", "20/1m", "signIn per client IP (refreshSession, changePassword and resetPassword count here too)", rate(func(c *Config) *Rate { return &c.RateSignIn })},
		{"rate-sign-in-email", "10/10m", "signIn per account email, whatever the address, from clients without a valid device token of the account (strangers can use this up; the owner's devices keep their own budgets)", rate(func(c *Config) *Rate { return &c.RateSignInEmail })},
		{"rate-sign-in-device", "10/10m", "signIn per device token, for sign-ins presenting a valid one of the account (a device that keeps failing locks out only itself); changePassword and deleteAccount per account, on a budget of its own", rate(func(c *Config) *Rate { return &c.RateSignInDevice })},
		{"rate-upload", "30/1h", "uploadPhoto per account", rate(func(c *Config) *Rate { return &c.RateUpload })},
		{"rate-upload-ip", "120/1h", "uploadPhoto per client IP, all accounts together", rate(func(c *Config) *Rate { return &c.RateUploadIP })},
		// A quick honest judge answers about one photo a second: 120/1m leaves
		// twice that. An address may hide a school or an office behind NAT.
		{"rate-vote", "120/1m", "castVote and skipPhoto per judge, account or anonymous session (a quick human casts about one a second)", rate(func(c *Config) *Rate { return &c.RateVote })},
		{"rate-vote-ip", "3000/1m", "castVote and skipPhoto per client IP, all judges together (schools and offices share one address)", rate(func(c *Config) *Rate { return &c.RateVoteIP })},
		{"vote-lease-percent", "5", "with redis-url: the share of rate-vote and of rate-vote-ip (percent of N) an instance takes from Redis at once and counts in process, so that most votes cost no Redis round trip for their limits; a judge or address may be refused at most that share per instance early, never allowed more; 0 counts every vote in Redis", integer(func(c *Config) *int { return &c.VoteLeasePercent })},
		{"vote-lease-ttl", "10s", "with vote-lease-percent: how long an instance counts a judge's or address's votes against a lease before what is left of it goes back to Redis (a human judge casts about one vote a second, so a lease lasts a few seconds of judging)", duration(func(c *Config) *time.Duration { return &c.VoteLeaseTTL })},
	}},
	{"Budgets", "Each GraphQL request is charged its price (the cost max-complexity bounds) up front in every budget that applies to it, refused with 429 THROTTLED when one is short, and refunded down to what it actually cost once it has run. Each is N/period cost units, a token bucket like the rate limits; N must be at least max-complexity, so that any document admitted can run; 0/1s turns one off. With redis-url set, all instances share them.", []option{
		// A judge's nextPhoto and castVote cost one or two hundred units,
		// the web app's largest operation a few thousand, a 100-photo page
		// with full statistics about 32,500 (max-complexity is 32,768): a
		// judge or account may send three such pages at once, then one
		// every 20 s. An address may hide a school or an office behind NAT.
		{"budget-ip", "300000/1m", "cost per client IP, all its clients together (schools and offices share one address)", rate(func(c *Config) *Rate { return &c.BudgetIP })},
		{"budget-session", "100000/1m", "cost per anonymous judge", rate(func(c *Config) *Rate { return &c.BudgetSession })},
		{"budget-account", "100000/1m", "cost per account", rate(func(c *Config) *Rate { return &c.BudgetAccount })},
		{"budget-api-key", "500000/1m", "cost per API key: a request with a valid key is charged to the key instead of its address; a key alone, instead of its owner's account too; a key with a user's token, to the key and to that user", rate(func(c *Config) *Rate { return &c.BudgetAPIKey })},
		{"budget-lease-percent", "1", "with redis-url: the share of a budget (percent of N) an instance takes from Redis at once and spends in process for up to budget-lease-ttl, so that most requests cost no Redis round trip for their budgets; a client may be refused at most that share per instance early, never allowed more; 0 charges Redis on every request", integer(func(c *Config) *int { return &c.BudgetLeasePercent })},
		{"budget-lease-ttl", "10s", "with budget-lease-percent: how long an instance spends from a lease before what is left of it goes back to Redis; longer saves round trips to a client that pauses (a person's requests are seconds apart), and holds its unspent tokens away from other instances as long", duration(func(c *Config) *time.Duration { return &c.BudgetLeaseTTL })},
	}},
	{"Admission and degradation", "Each instance runs a limited number of requests of each class at once. The limit of votes, reads and sign-ins adapts to measured latency (a gradient limiter: it grows while latency holds at its baseline, shrinks as soon as requests queue inside the server, and, for reads and sign-ins, is cut whenever the 90th percentile of a window passes admit-latency; a vote's latency is its batch's commit, which fewer votes do not shorten, so votes follow the gradient alone), between an eighth of its admit-* bound and the bound; uploads and subscriptions have fixed bounds. A request that gets no slot within admit-wait is refused with 503 UNAVAILABLE, reason BUSY. facestat_admission_limit shows each limit.", []option{
		{"admit-latency", "150ms", "latency ceiling of the adaptive limits of reads and sign-ins: the 90th percentile of admitted operations they keep under; 0 makes every admit-* bound (votes' too) a fixed limit", duration(func(c *Config) *time.Duration { return &c.AdmitLatency })},
		{"admit-votes", "256", "castVote requests at once, at most (the adaptive limit stays below)", integer(func(c *Config) *int { return &c.AdmitVotes })},
		{"admit-reads", "64", "queries and other small operations at once, at most (the adaptive limit stays below)", integer(func(c *Config) *int { return &c.AdmitReads })},
		{"admit-uploads", "8", "uploads at once (an upload takes its slot once the first 64 KiB of its body have arrived)", integer(func(c *Config) *int { return &c.AdmitUploads })},
		{"admit-sign-ins", "8", "signIn, signUp and refreshSession at once, at most (argon2id costs memory; the adaptive limit stays below; startAnonymousSession counts as a read)", integer(func(c *Config) *int { return &c.AdmitSignIns })},
		{"admit-subscriptions", "50000", "live-result subscriptions open at once", integer(func(c *Config) *int { return &c.AdmitSubscriptions })},
		{"admit-wait", "100ms", "how long a request may wait for a free slot of its class before it is refused", duration(func(c *Config) *time.Duration { return &c.AdmitWait })},
		{"degradation", "auto", "degradation level: auto (chosen from load), normal, stale-extras or pause-uploads; an admin's setDegradation overrides it for every instance", func(c *Config, v string) error {
			l, err := admission.ParseForced(v)
			c.Degradation = l
			return err
		}},
	}},
}

// Load reads the configuration: defaults, then FACESTAT_* variables from
// getenv, then flags from args. It returns the remaining arguments and an
// error naming the offending setting when a value does not parse or the
// whole does not validate. Help text goes to out when -h is given.
func Load(args []string, getenv func(string) string, out io.Writer) (*Config, []string, error) {
	c := &Config{}
	for _, o := range options {
		v := o.def
		if e := getenv(o.env()); e != "" {
			v = e
		}
		if err := o.set(c, v); err != nil {
			return nil, nil, fmt.Errorf("config: %s=%q: %v", o.env(), v, err)
		}
	}
	fs := flag.NewFlagSet("facestat", flag.ContinueOnError)
	fs.SetOutput(out)
	for _, o := range options {
		fs.Func(o.name, o.help+" ($"+o.env()+")", func(v string) error { return o.set(c, v) })
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	if c.PublicURL == "" {
		c.PublicURL = defaultPublicURL(c.Addr)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.ImageBaseURL == "" {
		c.ImageBaseURL = c.defaultImageBaseURL()
	}
	c.ImageBaseURL = strings.TrimRight(c.ImageBaseURL, "/")
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	return c, fs.Args(), nil
}

// computedDefaults explains, for `facestat help` and the README, the
// defaults that are not a plain value: Load computes public-url and
// image-base-url when they are empty (defaultPublicURL,
// defaultImageBaseURL), and the app picks the vote workers for vote-workers
// 0 from the database.
var computedDefaults = map[string]string{
	"public-url":     "http://ADDR, with localhost for an empty host, 0.0.0.0 or [::]",
	"image-base-url": "PUBLIC_URL/images, or with s3-endpoint the bucket's URL",
	"vote-workers":   "1 on SQLite, 2 on PostgreSQL",
}

// defaultPublicURL is http:// and the listen address, naming localhost when
// the address names no host or all interfaces.
func defaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr // Validate reports the address
	}
	if a, err := netip.ParseAddr(host); host == "" || (err == nil && a.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// defaultImageBaseURL is where images are read from when image-base-url
// is not set: FaceStat's own /images/ on local disk, else the bucket's
// path-style URL, with the prefix.
func (c *Config) defaultImageBaseURL() string {
	if c.S3Endpoint == "" {
		return c.PublicURL + "/images"
	}
	scheme := "http"
	if c.S3Secure {
		scheme = "https"
	}
	u := scheme + "://" + c.S3Endpoint + "/" + c.S3Bucket
	if c.S3Prefix != "" {
		u += "/" + c.S3Prefix
	}
	return u
}

// S3 reports whether images are kept in S3-compatible object storage.
func (c *Config) S3() bool { return c.S3Endpoint != "" }

// validS3Endpoint reports whether e is host[:port], without a scheme or path.
func validS3Endpoint(e string) bool {
	if strings.ContainsAny(e, "/?#@ ") {
		return false
	}
	u, err := url.Parse("//" + e)
	if err != nil || u.Host != e || u.Hostname() == "" {
		return false
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		return err == nil && n >= 1 && n <= 65535
	}
	return !strings.HasSuffix(e, ":")
}

// validBucket reports whether b follows S3's bucket naming rules: 3 to 63
// of [a-z0-9.-], starting and ending with a letter or digit, no "..".
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 || strings.Contains(b, "..") {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && (c != '.' && c != '-' || i == 0 || i == len(b)-1) {
			return false
		}
	}
	return true
}

// Validate reports the first setting that is out of its sane range.
func (c *Config) Validate() error {
	var errs []string
	check := func(ok bool, name, why string) {
		if !ok {
			errs = append(errs, name+" "+why)
		}
	}
	_, _, addrErr := net.SplitHostPort(c.Addr)
	check(addrErr == nil, "addr", "must be host:port (host may be empty)")
	check(c.DatabaseURL != "" || c.DataDir != "", "data-dir", "must be set when database-url is empty")
	check(c.DBMaxConns >= 1 && c.DBMaxConns <= 1000, "db-max-conns", "must be in 1..1000")
	u, err := url.Parse(c.PublicURL)
	check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "", "public-url", "must be an http(s) URL naming a host")
	check(c.Secret == "" || len(c.Secret) >= 32, "secret", "must be at least 32 bytes")
	check(c.operatorTokenLen == 0 || c.operatorTokenLen >= 32, "operator-token", "must be at least 32 bytes")
	if c.S3Endpoint != "" {
		check(validS3Endpoint(c.S3Endpoint), "s3-endpoint", "must be host[:port], without a scheme (s3-secure chooses https)")
		check(validBucket(c.S3Bucket), "s3-bucket", "must be set with s3-endpoint: 3 to 63 of a-z, 0-9, '.' and '-'")
		check((c.S3AccessKey == "") == (c.S3SecretKey == ""), "s3-access-key", "and s3-secret-key must be set together (or both left empty)")
		check(c.S3Prefix == "" || blob.ValidKey(c.S3Prefix), "s3-prefix", "must be segments of a-z, 0-9, '.', '_' and '-' separated by '/'")
		check(c.S3Timeout >= 100*time.Millisecond && c.S3Timeout <= 10*time.Minute, "s3-timeout", "must be in 100ms..10m")
		// The app redirects its own /images/ to the image base URL.
		check(!strings.HasPrefix(c.ImageBaseURL+"/", c.PublicURL+"/images/"), "image-base-url", "must not be FaceStat's own /images with s3-endpoint set (images are not served by FaceStat then)")
	} else {
		check(c.S3Bucket == "", "s3-bucket", "is set but s3-endpoint is empty")
	}
	iu, err := url.Parse(c.ImageBaseURL)
	check(err == nil && (iu.Scheme == "http" || iu.Scheme == "https") && iu.Hostname() != "" && iu.User == nil && iu.RawQuery == "" && iu.Fragment == "" && !strings.ContainsAny(c.ImageBaseURL, "?#"),
		"image-base-url", "must be an http(s) URL naming a host, without query or fragment")
	check(c.LogLevel == "debug" || c.LogLevel == "info" || c.LogLevel == "warn" || c.LogLevel == "error", "log-level", "must be debug, info, warn or error")
	check(c.LogFormat == "json" || c.LogFormat == "text", "log-format", "must be json or text")
	check(c.ShutdownTimeout > 0, "shutdown-timeout", "must be positive")
	check(c.DrainDelay >= 0 && c.DrainDelay <= 5*time.Minute, "drain-delay", "must be in 0..5m")
	check(c.ImageWorkers >= 1 && c.ImageWorkers <= 64, "image-workers", "must be in 1..64")
	check(c.ReadHeaderTimeout >= 100*time.Millisecond && c.ReadHeaderTimeout <= 5*time.Minute, "read-header-timeout", "must be in 100ms..5m")
	check(c.IdleTimeout >= time.Second && c.IdleTimeout <= time.Hour, "idle-timeout", "must be in 1s..1h")
	check(c.MaxHeaderBytes >= 4<<10 && c.MaxHeaderBytes <= 1<<20, "max-header-bytes", "must be in 4KiB..1MiB")
	check(c.MinBodyRate >= 1 && c.MinBodyRate <= 1<<30, "min-body-rate", "must be in 1..1GiB")
	check(c.MinBodyWindow >= 100*time.Millisecond && c.MinBodyWindow <= 10*time.Minute, "min-body-window", "must be in 100ms..10m")
	check(c.MaxUploadsPerIP >= 1 && c.MaxUploadsPerIP <= 10000, "max-uploads-per-ip", "must be in 1..10000")
	check(c.WSMaxOperations >= 1 && c.WSMaxOperations <= 10000, "ws-max-operations", "must be in 1..10000")
	check(c.WSMaxSocketsPerIP >= 1 && c.WSMaxSocketsPerIP <= 1000000, "ws-max-sockets-per-ip", "must be in 1..1000000")
	check(c.MaxWSMessageBytes >= 1<<10 && c.MaxWSMessageBytes <= 16<<20, "max-ws-message-bytes", "must be in 1KiB..16MiB")
	check(c.WSInitTimeout >= 100*time.Millisecond, "ws-init-timeout", "must be at least 100ms")
	check(c.WSPingInterval >= time.Second, "ws-ping-interval", "must be at least 1s")
	check(c.WSSessionCheck >= 100*time.Millisecond, "ws-session-check", "must be at least 100ms")
	check(c.LiveMaxRate >= 1 && c.LiveMaxRate <= 100, "live-max-rate", "must be in 1..100")
	check(c.FrontPageInterval >= 100*time.Millisecond, "front-page-interval", "must be at least 100ms")
	check(c.MinVotes >= 1 && c.MinVotes <= 10000, "min-votes", "must be in 1..10000")
	check(c.StandingsInterval >= time.Second, "standings-interval", "must be at least 1s")
	check(c.NextPhotoPool >= 1 && c.NextPhotoPool <= 1000, "next-photo-pool", "must be in 1..1000")
	check(c.RefitInterval >= 100*time.Millisecond && c.RefitInterval <= time.Hour, "refit-interval", "must be in 100ms..1h")
	check(c.Established >= 1 && c.Established <= 1000, "established-judge", "must be in 1..1000")
	check(c.TopSize >= 1 && c.TopSize <= 100000, "top-size", "must be in 1..100000")
	check(c.VoteBatch >= 1 && c.VoteBatch <= 5000, "vote-batch", "must be in 1..5000")
	check(c.VoteWait >= 0 && c.VoteWait <= time.Second, "vote-wait", "must be in 0..1s")
	check(c.VoteOverlap >= 1 && c.VoteOverlap <= 5000, "vote-overlap", "must be in 1..5000")
	check(c.VoteQueue >= c.VoteBatch && c.VoteQueue <= 1000000, "vote-queue", "must be in vote-batch..1000000")
	check(c.VoteWorkers >= 0 && c.VoteWorkers <= 64, "vote-workers", "must be in 0..64")
	for _, a := range []struct {
		n    int
		name string
	}{{c.AdmitVotes, "admit-votes"}, {c.AdmitReads, "admit-reads"}, {c.AdmitUploads, "admit-uploads"},
		{c.AdmitSignIns, "admit-sign-ins"}, {c.AdmitSubscriptions, "admit-subscriptions"}} {
		check(a.n >= 0 && a.n <= 1000000, a.name, "must be in 0..1000000 (0: unbounded)")
	}
	check(c.AdmitWait >= 0 && c.AdmitWait <= 10*time.Second, "admit-wait", "must be in 0..10s")
	check(c.AdmitLatency == 0 || c.AdmitLatency >= time.Millisecond && c.AdmitLatency <= time.Minute, "admit-latency", "must be 0 (fixed limits) or in 1ms..1m")
	check(c.MaxBodyBytes >= 1<<10 && c.MaxBodyBytes <= 64<<20, "max-body-bytes", "must be in 1KiB..64MiB")
	check(c.MaxUploadBytes >= 1<<10 && c.MaxUploadBytes <= 256<<20, "max-upload-bytes", "must be in 1KiB..256MiB")
	check(c.MaxImagePixels >= 1 && c.MaxImagePixels <= 400_000_000, "max-image-pixels", "must be in 1..400000000")
	check(c.MaxImageSide >= 16 && c.MaxImageSide <= 65535, "max-image-side", "must be in 16..65535")
	check(c.MinImageSide >= 1 && c.MinImageSide <= c.MaxImageSide, "min-image-side", "must be in 1..max-image-side")
	check(c.ImageSide >= 64 && c.ImageSide <= 8192, "image-side", "must be in 64..8192")
	check(c.ThumbSide >= 32 && c.ThumbSide <= c.ImageSide, "thumb-side", "must be in 32..image-side")
	check(c.PhotoQuota >= 0, "photo-quota", "must not be negative")
	check(c.MaxQueryDepth >= 3 && c.MaxQueryDepth <= 100, "max-query-depth", "must be in 3..100")
	check(c.MaxComplexity >= 10, "max-complexity", "must be at least 10")
	for _, b := range []struct {
		r    Rate
		name string
	}{{c.BudgetIP, "budget-ip"}, {c.BudgetSession, "budget-session"}, {c.BudgetAccount, "budget-account"}, {c.BudgetAPIKey, "budget-api-key"}} {
		check(b.r.N == 0 || b.r.N >= c.MaxComplexity, b.name, "must be at least max-complexity (or 0: off), so that any document admitted can run")
	}
	check(c.MaxQueryTokens >= 100, "max-query-tokens", "must be at least 100")
	check(c.MaxAliases >= 0, "max-aliases", "must not be negative")
	check(c.GCPercent >= -1 && c.GCPercent <= 10000, "gc-percent", "must be in -1..10000")
	check(c.MemoryLimitPercent >= 0 && c.MemoryLimitPercent <= 100, "memory-limit-percent", "must be in 0..100")
	check(c.GCHeadroom >= 0 && c.GCHeadroom <= 16<<30, "gc-headroom", "must be in 0..16GiB")
	check(c.BudgetLeasePercent >= 0 && c.BudgetLeasePercent <= 10, "budget-lease-percent", "must be in 0..10")
	check(c.BudgetLeaseTTL >= 100*time.Millisecond && c.BudgetLeaseTTL <= time.Minute, "budget-lease-ttl", "must be in 100ms..1m")
	check(c.VoteLeasePercent >= 0 && c.VoteLeasePercent <= 10, "vote-lease-percent", "must be in 0..10")
	check(c.VoteLeaseTTL >= 100*time.Millisecond && c.VoteLeaseTTL <= time.Minute, "vote-lease-ttl", "must be in 100ms..1m")
	check(c.NearCacheTTL >= 0 && c.NearCacheTTL <= time.Minute, "near-cache-ttl", "must be in 0..1m")
	check(c.APQTTL >= time.Minute && c.APQTTL <= 30*24*time.Hour, "apq-ttl", "must be in 1m..720h")
	check(c.MaxPageSize >= 1 && c.MaxPageSize <= 1000, "max-page-size", "must be in 1..1000")
	check(c.Argon2Memory >= 8 && c.Argon2Memory <= 4<<20, "argon2-memory", "must be in 8..4194304 KiB")
	check(c.Argon2Time >= 1 && c.Argon2Time <= 100, "argon2-time", "must be in 1..100")
	check(c.Argon2Threads >= 1 && c.Argon2Threads <= 255, "argon2-threads", "must be in 1..255")
	check(c.AccessTokenTTL >= time.Second, "access-token-ttl", "must be at least 1s")
	check(c.RefreshTokenTTL >= c.AccessTokenTTL, "refresh-token-ttl", "must be at least access-token-ttl")
	check(c.AnonTokenTTL >= time.Second, "anon-token-ttl", "must be at least 1s")
	check(c.DeviceTokenTTL >= time.Hour, "device-token-ttl", "must be at least 1h")
	check(c.ReportThreshold >= 1 && c.ReportThreshold <= 1000, "report-threshold", "must be in 1..1000")
	smtp, err := url.Parse(c.SMTPURL)
	check(c.SMTPURL == "" || (err == nil && (smtp.Scheme == "smtp" || smtp.Scheme == "smtps") && smtp.Hostname() != ""), "smtp-url", "must be empty or an smtp:// or smtps:// URL naming a host")
	_, err = mail.ParseAddress(c.MailFrom)
	check(err == nil, "mail-from", "must be an e-mail address, e.g. FaceStat <no-reply@example.com>")
	check(c.ResetTokenTTL >= time.Minute && c.ResetTokenTTL <= 30*time.Minute, "reset-token-ttl", "must be in 1m..30m")
	check(c.ExportTTL >= time.Minute && c.ExportTTL <= 7*24*time.Hour, "export-ttl", "must be in 1m..168h")
	check(c.MaxExportBytes >= 1<<20, "max-export-bytes", "must be at least 1MiB")
	check(c.SignedURLTTL >= 10*time.Second && c.SignedURLTTL <= 24*time.Hour, "signed-url-ttl", "must be in 10s..24h")
	check(c.PublicImageMaxAge >= 0 && c.PublicImageMaxAge <= 365*24*time.Hour, "public-image-max-age", "must be in 0..8760h")
	if len(errs) > 0 {
		return errors.New("config: " + strings.Join(errs, "; "))
	}
	return nil
}

// SecureCookies reports whether cookies must carry the Secure attribute.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }
