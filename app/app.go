// Package app wires one FaceStat process together: every dependency built
// once from the configuration and passed down. The facestat command and the
// integration tests both start FaceStat through it.
package app

import (
	"context"
	"errors"

	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"entgo.io/ent/dialect"

	"github.com/facestat/facestat/account"
	"github.com/facestat/facestat/admission"
	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/blob"
	"github.com/facestat/facestat/blob/fsblob"
	"github.com/facestat/facestat/blob/s3blob"
	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/config"
	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/frontend"
	"github.com/facestat/facestat/frontpage"
	"github.com/facestat/facestat/graph"
	"github.com/facestat/facestat/identity"
	"github.com/facestat/facestat/imageproc"
	"github.com/facestat/facestat/inmem"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/judging/quality"
	"github.com/facestat/facestat/live"
	"github.com/facestat/facestat/mail"
	"github.com/facestat/facestat/metrics"
	"github.com/facestat/facestat/moderation"
	"github.com/facestat/facestat/panics"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/ratelimit"
	"github.com/facestat/facestat/redis"
	"github.com/facestat/facestat/settings"
	goredis "github.com/redis/go-redis/v9"
)

// App is one FaceStat process's wiring.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *db.DB
	Blobs    blob.Store
	Identity *identity.Service
	Photos   *photos.Service
	Judging  *judging.Service
	Hub      *live.Hub
	Cache    cache.Store
	Resolver *graph.Resolver
	Server   *api.Server
	Front    *frontpage.Renderer
	Metrics  *metrics.Metrics
	// Admission bounds the work in flight and chooses the degradation level.
	Admission *admission.Controller
	// Moderation: reports, the queue, moderators' actions (issue 14);
	// Servings records what nextPhoto served, in the background.
	Moderation *moderation.Service
	Servings   *moderation.Servings
	// Account exports and deletes whole accounts.
	Account *account.Service
	// Outbox holds the e-mail of the embedded default (nil with an SMTP
	// relay); erasing an account removes its messages (RemoveFor).
	Outbox *mail.Outbox

	redis    *goredis.Client // nil on the embedded default
	redisBus *redis.Bus
	// redisCache is the shared cache on Redis, when there is one (its near
	// cache's subscription runs with the instance).
	redisCache *redis.Cache
	stopNear   context.CancelFunc
	coalescer  *live.Coalescer
}

// NewLogger returns the structured logger cfg asks for, writing to out.
func NewLogger(cfg *config.Config, out io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(out, opts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(out, opts)
	}
	return slog.New(h)
}

// Option adjusts how New builds the app.
type Option func(*options)

type options struct {
	db         db.Options
	redisHooks []goredis.Hook
}

// WithDriver wraps the database driver (tests count statements with it).
func WithDriver(wrap func(dialect.Driver) dialect.Driver) Option {
	return func(o *options) { o.db.Driver = wrap }
}

// WithRedisHook adds h to the Redis client's hooks (tests count round
// trips with it).
func WithRedisHook(h goredis.Hook) Option {
	return func(o *options) { o.redisHooks = append(o.redisHooks, h) }
}

// OpenDB opens the database, migrating PostgreSQL when migrate is set.
func OpenDB(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool, opts ...Option) (*db.DB, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	o := options{db: db.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: cfg.DBMaxConns}}
	for _, opt := range opts {
		opt(&o)
	}
	d, err := db.Open(ctx, o.db)
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := d.Migrate(ctx, log); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

// NewBlobStore returns the store images are kept in: the S3 bucket when
// cfg names an S3 endpoint (checked, or created with S3CreateBucket, within
// S3Timeout), else the folder blobs under the data folder.
func NewBlobStore(ctx context.Context, cfg *config.Config) (blob.Store, error) {
	if !cfg.S3() {
		s, err := fsblob.New(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			return nil, err
		}
		// Images and thumbnails are served from memory after a stat of
		// their file (fsblob's cache): 64 MiB holds every thumbnail and
		// image a busy hour's judges see.
		return s.Cached(64<<20, 1<<20), nil
	}
	s, err := s3blob.New(ctx, s3blob.Options{
		Endpoint:     cfg.S3Endpoint,
		Bucket:       cfg.S3Bucket,
		Region:       cfg.S3Region,
		AccessKey:    cfg.S3AccessKey,
		SecretKey:    cfg.S3SecretKey,
		Secure:       cfg.S3Secure,
		Prefix:       cfg.S3Prefix,
		CreateBucket: cfg.S3CreateBucket,
		Timeout:      cfg.S3Timeout,
		// Public photos' objects: cached a day by default (issue 14).
		PublicCacheControl: "public, max-age=" + strconv.Itoa(int(cfg.PublicImageMaxAge/time.Second)),
	})
	if errors.Is(err, s3blob.ErrNoBucket) {
		return nil, fmt.Errorf("images: %w (create it, or set FACESTAT_S3_CREATE_BUCKET=true to have FaceStat create it)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("images: %w (check the FACESTAT_S3_* settings)", err)
	}
	return s, nil
}

// imageBaseURL is cfg's ImageBaseURL, or FaceStat's own /images for a
// Config not made by config.Load.
func imageBaseURL(cfg *config.Config) string {
	if cfg.ImageBaseURL != "" {
		return cfg.ImageBaseURL
	}
	return cfg.PublicURL + "/images"
}

// New opens the database (migrating PostgreSQL when MigrateOnStart is
// set) and builds every service and the HTTP server. The caller must Close
// it.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	d, err := OpenDB(ctx, cfg, log, cfg.MigrateOnStart, opts...)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d}
	if a.Blobs, err = NewBlobStore(ctx, cfg); err != nil {
		d.Close()
		return nil, err
	}
	shared := settings.New(d.Client)
	key, err := shared.SigningKey(ctx, cfg.Secret)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("%w (has the database been migrated? run `facestat migrate`)", err)
	}
	workers := cfg.VoteWorkers
	if workers == 0 {
		workers = 1
		if d.Dialect == dialect.Postgres {
			workers = 2
		}
	}
	// Metrics read the other parts when scraped, which happens only once
	// the server listens, when every part is there.
	a.Metrics = metrics.New(d.SQL, frontend.Operations(), func() int { return a.Judging.Ingester.Queued() },
		func() int { return a.Server.Sockets() }, func() int { return a.Hub.Subscribers() })
	a.Metrics.SetVoteQueueCapacity(max(cfg.VoteQueue, cfg.VoteBatch)) // as the ingester sizes its queue
	a.Metrics.WatchRefit()
	// Live results: judging tells a coalescer (a few messages per photo
	// and second) what changed, which it publishes on the bus; every
	// instance's hub fans what the bus carries out to its subscribers.
	// The coalescer spaces a photo's messages by interval; the hub's gate,
	// at twice the rate, only bounds what several instances publishing
	// for one photo add up to, without stacking a second wait on top.
	interval := time.Second / time.Duration(cfg.LiveMaxRate)
	a.Hub = live.NewHub(interval / 2)
	var bus live.Bus = inmem.Bus{Hub: a.Hub}
	if cfg.RedisURL != "" {
		if a.redis, err = redis.NewClient(cfg.RedisURL); err != nil {
			d.Close()
			return nil, err
		}
		var o options
		for _, opt := range opts {
			opt(&o)
		}
		for _, h := range o.redisHooks {
			a.redis.AddHook(h)
		}
		a.redisBus = redis.NewBus(a.redis, cfg.RedisPrefix, a.Hub, a.Hub.Resync, log)
		bus = a.redisBus
	}
	a.coalescer = live.NewCoalescer(bus, interval, log)
	var store cache.Store
	switch {
	case !cfg.Cache:
	case a.redis != nil:
		a.redisCache = redis.NewCache(a.redis, cfg.RedisPrefix, log).WithNear(cfg.NearCacheTTL)
		store = a.redisCache
		// The near cache's invalidations are heard from now until Close
		// (the near cache is off until the subscription is established).
		nearCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		a.stopNear = stop
		panics.Go(log, "redis cache invalidations", func() { a.redisCache.RunNear(nearCtx) })
	default:
		store = inmem.NewCache(100_000)
	}
	// Every key read from the cache is counted (hit, miss or error) in
	// facestat_cache_requests_total.
	store = cache.Counted(store, a.Metrics.CountCache)
	a.Cache = store
	limiter := a.newLimiter(cfg, log)
	limits := rateLimits(cfg, limiter)
	limits.Votes = a.voteLeasing(cfg, limiter)
	a.Photos = photos.NewService(d.Client, a.Blobs, photos.Config{
		Dialect:             d.Dialect,
		MaxUploadBytes:      cfg.MaxUploadBytes,
		Limits:              imageproc.Limits{MaxPixels: cfg.MaxImagePixels, MaxSide: cfg.MaxImageSide, MinSide: cfg.MinImageSide},
		Options:             imageproc.Options{MaxSide: cfg.ImageSide, ThumbSide: cfg.ThumbSide},
		Quota:               cfg.PhotoQuota,
		ConsentRequiredFrom: cfg.ConsentRequiredFrom,
		ImageBaseURL:        imageBaseURL(cfg),
		Workers:             cfg.ImageWorkers,
		RateLimits:          limits,
		Cache:               store,

		// Private images' signed URLs (issue 14): photos derives its own
		// key from the instance's signing key.
		SignedBaseURL: cfg.PublicURL + "/images",
		SigningKey:    key,
		SignedURLTTL:  cfg.SignedURLTTL,
	}, log)
	a.Metrics.WatchPicks(a.Photos.PickCounts)
	a.Servings = moderation.NewServings(d.Client, d.Dialect, log)
	a.Judging, err = judging.NewService(ctx, judging.Deps{
		Client: d.Client, Dialect: d.Dialect, Photos: a.Photos, Cache: store, RateLimits: limits, Log: log,
		Observers: []judging.Observer{a.coalescer}, // live results
		Servings:  a.Servings,                      // moderation: who was shown what
	}, judging.Config{
		MinVotes:      cfg.MinVotes,
		CandidatePool: cfg.NextPhotoPool,
		TopSize:       cfg.TopSize,
		Refit:         judging.RefitConfig{Model: judgeModel(cfg)},
		Ingest: judging.IngestConfig{
			MaxBatch:  cfg.VoteBatch,
			MaxWait:   cfg.VoteWait,
			Overlap:   cfg.VoteOverlap,
			QueueSize: cfg.VoteQueue,
			Workers:   workers,
			Observe:   a.Metrics.VoteBatch,
		},
	})
	if err != nil {
		a.Servings.Close()
		d.Close()
		return nil, err
	}
	// What follows a change: a photo's change goes to judging (its
	// statistics' cache entry, and its live subscribers), which tells the
	// live coalescer of every change of statistics (above), and to the
	// front page (below). Each package
	// says what it does with what it is told.
	a.Photos.Observe(a.Judging)
	a.Hub.Current = a.Judging.CurrentSnapshots
	postman, outbox, err := newMail(cfg, log)
	if err != nil {
		d.Close()
		return nil, err
	}
	a.Metrics.Registry.MustRegister(postman)
	a.Outbox = outbox
	a.Identity = identity.NewService(d.Client, key, identity.Config{
		LockRows: d.Dialect == dialect.Postgres,
		Argon2: identity.Argon2Params{
			Memory: uint32(cfg.Argon2Memory), Time: uint32(cfg.Argon2Time), Threads: uint8(cfg.Argon2Threads),
		},
		AccessTTL:  cfg.AccessTokenTTL,
		RefreshTTL: cfg.RefreshTokenTTL,
		AnonTTL:    cfg.AnonTokenTTL,
		DeviceTTL:  cfg.DeviceTokenTTL,
		RateLimits: limits,
		Resets: identity.ResetConfig{
			TTL:  cfg.ResetTokenTTL,
			Link: func(token string) string { return cfg.PublicURL + "/reset-password?token=" + url.QueryEscape(token) },
			Mail: postman,
			Log:  log,
		},
	}, a.Judging.Merge)
	a.Identity.Cache = store
	a.Moderation = moderation.NewService(moderation.Deps{
		Client: d.Client, Photos: a.Photos, Judging: a.Judging, Identity: a.Identity, RateLimits: limits, Log: log,
	}, moderation.Config{Threshold: cfg.ReportThreshold, Established: cfg.Established})
	accountCfg := account.Config{
		LockRows: d.Dialect == dialect.Postgres, PublicURL: cfg.PublicURL, DataDir: cfg.DataDir,
		ExportTTL: cfg.ExportTTL, MaxExportBytes: cfg.MaxExportBytes,
		RateLimits: limits,
		Servings:   a.Servings, // deletion removes servings written after it
	}
	if outbox != nil { // a nil *mail.Outbox is not a nil interface
		accountCfg.Outbox = outbox
	}
	a.Account = account.NewService(d.Client, a.Blobs, a.Photos, a.Judging, a.Identity, accountCfg, log)
	a.Admission = admission.New(admission.Config{
		Limits: admission.Limits{InFlight: [...]int{
			admission.Votes: cfg.AdmitVotes, admission.Reads: cfg.AdmitReads, admission.Uploads: cfg.AdmitUploads,
			admission.SignIns: cfg.AdmitSignIns, admission.Subscriptions: cfg.AdmitSubscriptions,
		}, Wait: cfg.AdmitWait, Target: cfg.AdmitLatency},
		Signals: admission.Signals{
			PoolWait:  func() time.Duration { return d.SQL.Stats().WaitDuration },
			QueueFill: func() float64 { return float64(a.Judging.Ingester.Queued()) / float64(cfg.VoteQueue) },
			Ping:      d.Ping,
			Forced:    shared.ForcedLevel,
		},
		Forced: cfg.Degradation,
		Log:    log,
	})
	a.Metrics.Registry.MustRegister(a.Admission)
	a.Resolver = &graph.Resolver{
		Identity:    a.Identity,
		Photos:      a.Photos,
		Judging:     a.Judging,
		Live:        a.Hub,
		Admission:   a.Admission,
		Operator:    &settings.Operator{Store: shared, Admission: a.Admission},
		Moderation:  a.Moderation,
		MaxPageSize: cfg.MaxPageSize,
		Account:     a.Account,
	}
	a.Front = &frontpage.Renderer{Photos: a.Photos, Identity: a.Identity, Judging: a.Judging, WebApp: frontend.Dist(), Log: log}
	a.Photos.Observe(a.Front) // a photo it shows that goes private or away leaves it at once
	a.Server = api.New(api.Deps{
		FrontPage: a.Front,
		Metrics:   a.Metrics,
		Admission: a.Admission,
		Budgets:   budgets(cfg, a.leasing(cfg, limiter)),
		Config:    cfg,
		Log:       log,
		Resolver:  a.Resolver,
		Identity:  a.Identity,
		Photos:    a.Photos,
		Judging:   a.Judging,
		Blobs:     a.Blobs,
		Ping:      d.Ping,
		WebApp:    frontend.Dist(),
		Exports:   a.Account,
		Outbox:    outbox,
		Documents: apqDocuments(a),
	})
	return a, nil
}

// apqDocuments is where persisted queries' documents are shared between
// instances: the Redis cache when there is one, nil otherwise (each
// instance keeps its own LRU, api/apq.go).
func apqDocuments(a *App) cache.Store {
	if a.redis == nil {
		return nil
	}
	return a.Cache
}

// newMail returns the postman of FaceStat's e-mail (password resets) and,
// without an SMTP relay, the local outbox it writes to.
func newMail(cfg *config.Config, log *slog.Logger) (*mail.Postman, *mail.Outbox, error) {
	sender, outbox, err := mail.New(mail.Options{SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, DataDir: cfg.DataDir, Log: log})
	if err != nil {
		return nil, nil, err
	}
	return mail.NewPostman(sender, log), outbox, nil
}

// Start runs the background jobs (survey reloads, standings) until ctx
// ends. Every goroutine it starts recovers and logs its panics.
func (a *App) Start(ctx context.Context) {
	logErr := func(job string) func(error) {
		return func(err error) { a.Log.Warn("background job failed", "job", job, "err", err) }
	}
	panics.Go(a.Log, "survey", func() { a.Judging.Survey.Run(ctx, time.Minute, logErr("survey")) })
	panics.Go(a.Log, "admission", func() { a.Admission.Run(ctx, time.Second) })
	// Percentiles and top lists go stale while the instance is degraded.
	degraded := func() bool { return a.Admission.Level() >= admission.StaleExtras }
	panics.Go(a.Log, "standings", func() {
		a.Judging.Standings.Run(ctx, a.Config.StandingsInterval, degraded, logErr("standings"))
	})
	// The judge model weighs new votes in the background (one instance at
	// a time); it pauses with the other extras while degraded.
	panics.Go(a.Log, "refit", func() {
		a.Judging.RunRefit(ctx, a.Config.RefitInterval, degraded, func(rep judging.RefitReport, err error) {
			switch {
			case err != nil:
				a.Metrics.RefitRound(metrics.RefitError, 0, 0)
				logErr("refit")(err)
			case rep.Skipped:
				a.Metrics.RefitRound(metrics.RefitSkipped, 0, 0)
			default:
				a.Metrics.RefitRound(metrics.RefitOK, rep.Votes, rep.Changed)
			}
		})
	})
	// Images whose keys are not those their photo's visibility calls for
	// (photos made private before issue 14, moves a crash interrupted)
	// move at start-up and then every quarter of an hour (issue 14).
	panics.Go(a.Log, "image keys", func() { a.Photos.RunImageSweep(ctx, 15*time.Minute, logErr("image keys")) })
	if a.redisBus != nil {
		panics.Go(a.Log, "redis subscription", func() { a.redisBus.Run(ctx) })
	}

	panics.Go(a.Log, "front page", func() { a.Front.Run(ctx, a.Config.FrontPageInterval) })
	// Expired data exports and their files go; so do blobs a deleted
	// account left behind when the store failed (account.Service.Sweep).
	panics.Go(a.Log, "export sweeper", func() { a.Account.RunSweeper(ctx, time.Minute, logErr("export sweeper")) })
}

// newLimiter returns the limiter that counts rate limits and budgets: one
// count for all instances through Redis, else per process. With Redis, a
// Redis that fails or stalls hands counting to this instance's own limiter
// with the same rules until it answers again (never allow-all), which the
// log says once per outage and the metrics say all along.
func (a *App) newLimiter(cfg *config.Config, log *slog.Logger) ratelimit.Limiter {
	local := inmem.NewLimiter(100_000)
	if a.redis == nil {
		return local
	}
	f := &ratelimit.Fallback{Primary: redis.NewLimiter(a.redis, cfg.RedisPrefix), Secondary: local,
		OnChange: func(degraded bool, err error) {
			if degraded {
				log.Warn("rate limits and budgets are counted by this instance alone until Redis answers again", "err", err)
			} else {
				log.Info("rate limits and budgets are shared through Redis again")
			}
		}}
	a.Metrics.WatchLimiter(f.Degraded, f.Fallbacks)
	return f
}

// leasing returns limiter taking budgets' tokens a lease at a time, when
// they are shared through Redis (in process, a charge is no round trip).
func (a *App) leasing(cfg *config.Config, limiter ratelimit.Limiter) ratelimit.Limiter {
	if a.redis == nil || cfg.BudgetLeasePercent == 0 {
		return limiter
	}
	return &ratelimit.Leasing{Limiter: limiter, Share: float64(cfg.BudgetLeasePercent) / 100, TTL: cfg.BudgetLeaseTTL}
}

// voteLeasing returns limiter counting the votes' rate limits a lease at
// a time, when they are shared through Redis (nil: the votes are counted
// by limiter itself).
func (a *App) voteLeasing(cfg *config.Config, limiter ratelimit.Limiter) ratelimit.Limiter {
	if a.redis == nil || cfg.VoteLeasePercent == 0 {
		return nil
	}
	return &ratelimit.Leasing{Limiter: limiter, Share: float64(cfg.VoteLeasePercent) / 100, TTL: cfg.VoteLeaseTTL}
}

// budgets are the cost budgets of cfg, counted by limiter.
func budgets(cfg *config.Config, limiter ratelimit.Limiter) *ratelimit.Budgets {
	return &ratelimit.Budgets{Limiter: limiter,
		IP:      rule("budget_ip", cfg.BudgetIP),
		Session: rule("budget_session", cfg.BudgetSession),
		Account: rule("budget_account", cfg.BudgetAccount),
		APIKey:  rule("budget_api_key", cfg.BudgetAPIKey),
	}
}

// rule is r as the ratelimit.Rule called name.
func rule(name string, r config.Rate) ratelimit.Rule {
	return ratelimit.Rule{Name: name, Limit: r.N, Per: r.Per}
}

// rateLimits is every rate limit of cfg, counted by limiter.
func rateLimits(cfg *config.Config, limiter ratelimit.Limiter) *ratelimit.Policy {
	return &ratelimit.Policy{Limiter: limiter, Rules: ratelimit.Rules{
		AnonSession: rule("anon_session", cfg.RateAnonSession),
		SignUp:      rule("sign_up", cfg.RateSignUp),
		SignIn:      rule("sign_in", cfg.RateSignIn),
		SignInEmail: rule("sign_in_email", cfg.RateSignInEmail),
		ResetIP:     rule("reset_ip", cfg.RateResetIP),
		ResetEmail:  rule("reset_email", cfg.RateResetEmail),
		Vote:        rule("vote", cfg.RateVote),
		VoteIP:      rule("vote_ip", cfg.RateVoteIP),
		Upload:      rule("upload", cfg.RateUpload),
		UploadIP:    rule("upload_ip", cfg.RateUploadIP),
		Report:      rule("report", cfg.RateReport),
		ReportIP:    rule("report_ip", cfg.RateReportIP),

		SignInDevice: rule("sign_in_device", cfg.RateSignInDevice),
		Export:       rule("export", cfg.RateExport),
	}}
}

// Close writes the votes still queued, publishes their results, then
// releases Redis and the database.
func (a *App) Close() error {
	a.Account.Close()
	a.Identity.Close() // the password-reset worker
	a.Judging.Close()
	a.Servings.Close()
	a.Photos.Close() // its last cache drops, before Redis closes
	a.coalescer.Close()
	if a.stopNear != nil {
		a.stopNear()
	}
	if a.redis != nil {
		a.redis.Close()
	}
	return a.DB.Close()
}

// judgeModel is the judge model's configuration: its defaults, with the
// settings an operator may change.
func judgeModel(cfg *config.Config) quality.Config {
	m := quality.DefaultConfig()
	m.Established = cfg.Established
	return m
}
