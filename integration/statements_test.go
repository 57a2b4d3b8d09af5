package integration_test

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/facestat/facestat/api"
	"github.com/facestat/facestat/app"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/relay"
)

// countingDriver counts the statements sent to the database.
type countingDriver struct {
	dialect.Driver
	c *statementCounter
}

// statementCounter counts the statements of one request at a time (n),
// told apart by its X-Request-Id, so that the instance's background work
// (the front page, standings, what follows a vote) never counts; all
// counts every statement.
type statementCounter struct {
	tag atomic.Pointer[string]
	n   atomic.Int64
	all atomic.Int64
}

// start counts from zero the statements of the request tagged tag; with
// tag "", every statement, the instance's own included.
func (c *statementCounter) start(tag string) {
	c.tag.Store(&tag)
	c.n.Store(0)
}

func (c *statementCounter) count(ctx context.Context) {
	c.all.Add(1)

	if tag := c.tag.Load(); tag != nil && (*tag == "" || *tag == api.RequestID(ctx)) {
		c.n.Add(1)
	}
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.c.count(ctx)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.c.count(ctx)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	d.c.count(ctx)
	return dbtest.ExecContext(ctx, d.Driver, query, args...)
}

func (d countingDriver) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	d.c.count(ctx)
	return dbtest.QueryContext(ctx, d.Driver, query, args...)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	d.c.count(ctx)
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return countingTx{tx, d.c, ctx}, nil
}

// countingTx counts the statements of a transaction, as its BEGIN's
// context tells (raw statements too: ExecContext, QueryContext).
type countingTx struct {
	dialect.Tx
	c   *statementCounter
	ctx context.Context
}

func (t countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.c.count(ctx)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.c.count(ctx)
	return t.Tx.Query(ctx, query, args, v)
}

func (t countingTx) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	t.c.count(ctx)
	return dbtest.ExecContext(ctx, t.Tx, query, args...)
}

func (t countingTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	t.c.count(ctx)
	return dbtest.QueryContext(ctx, t.Tx, query, args...)
}

// TestStatementCount lists 1, 10 and 100 photos with their owners,
// statistics and surveys, with no cache but the operation's loaders: a listing costs a
// few statements, however many photos it holds (see flat). Only the
// listing's own statements count (its request's id), not the instance's
// background work.
func TestStatementCount(t *testing.T) {
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var c statementCounter
			count := app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &c} })
			url := ""
			if backend == "PostgreSQL" {
				url = dbtest.MustCreatePGDatabase(t)
			}
			e := startEnv(t, url, map[string]string{"FACESTAT_CACHE": "false"}, count)
			ctx := context.Background()
			owners := make([]*ent.User, 10)
			for i := range owners {
				handle := fmt.Sprintf("owner%02d", i)
				u, err := e.App.DB.User.Create().SetHandle(handle).SetEmail(handle + "@example.com").Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				owners[i] = u
			}
			builders := make([]*ent.PhotoCreate, 100)
			for i := range builders {
				builders[i] = e.App.DB.Photo.Create().SetOwnerID(owners[i%10].ID).SetIsPublic(true).
					SetImageKey(fmt.Sprintf("img/x/%03d.jpg", i)).SetThumbKey(fmt.Sprintf("thumb/x/%03d.jpg", i)).
					SetWidth(10).SetHeight(10).SetThumbWidth(10).SetThumbHeight(10)
			}
			if err := e.App.DB.Photo.CreateBulk(builders...).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			judge := e.anonymous(t)
			for range 5 { // some photos with votes, so stats have rows to read
				next := e.nextPhoto(t, judge)
				e.gql(t, judge, castVote, map[string]any{"id": next.ID, "answers": answers(30, 6, true, "warm")}, &struct{}{})
			}
			const q = `query($n: Int!) { photos(first: $n) { nodes { id imageUrl owner { handle } viewerHasVoted
				stats { voteCount questions { count mean median interval { low high } yesShare histogram { value count } words { word } } } survey { key } } } }`
			var counts []int64
			for _, size := range []int{1, 10, 100} {
				var out struct {
					Photos struct{ Nodes []struct{ ID string } }
				}
				tag := fmt.Sprintf("list-%d", size)
				c.start(tag)
				e.do(t, request{Token: judge, Query: q, Vars: map[string]any{"n": size}, Header: http.Header{"X-Request-Id": {tag}}}).decode(t, &out)
				counts = append(counts, c.n.Load())
				if len(out.Photos.Nodes) != size {
					t.Fatalf("listed %d photos, want %d", len(out.Photos.Nodes), size)
				}
			}
			if !flat(counts) {
				t.Fatalf("statements for 1, 10 and 100 photos: %v", counts)
			}
			t.Logf("statements per listing: %d", counts[0])

			// nodes(ids:) over private photos (whether the viewer voted
			// decides what it sees) costs the same for 1, 10 or 100 ids.
			if _, err := e.App.DB.Photo.Update().SetIsPublic(false).Save(ctx); err != nil {
				t.Fatal(err)
			}
			// The judged photos first: every list has some the judge sees.
			ids, err := e.App.DB.Photo.Query().Order(photo.ByVoteCount(entsql.OrderDesc()), photo.ByID()).IDs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			counts = counts[:0]
			for _, size := range []int{1, 10, 100} {
				gids := make([]string, size)
				for i := range gids {
					gids[i] = relay.ID("Photo", ids[i])
				}
				var out struct{ Nodes []*struct{ ID string } }
				tag := fmt.Sprintf("nodes-%d", size)
				c.start(tag)
				e.do(t, request{Token: judge, Query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Photo { viewerCanSeeStats stats { voteCount } } } }`,
					Vars: map[string]any{"ids": gids}, Header: http.Header{"X-Request-Id": {tag}}}).decode(t, &out)
				counts = append(counts, c.n.Load())
				if len(out.Nodes) != size {
					t.Fatalf("nodes answered %d, want %d", len(out.Nodes), size)
				}
			}
			if !flat(counts) {
				t.Fatalf("statements for nodes of 1, 10 and 100 private photos: %v", counts)
			}
			t.Logf("statements per nodes(ids:): %d", counts[0])
		})
	}
}

// flat reports whether counts of statements, for 1, 10 and 100 items, are
// some and do not grow with the items: each at most three times the first.
// A loader's batch is sent when its 1 ms wait ends, so under load (the race
// detector, a busy machine, the statistics and the survey of each photo
// asking the same loader at different moments) one may be split in two or
// three while the items are still resolving (5, 5 and 14 statements were
// seen under -race with heavy tests alongside); a statement per item (N+1)
// is 100 and more for 100 items, far beyond.
func flat(counts []int64) bool {
	for _, c := range counts {
		if counts[0] == 0 || c < counts[0] || c > 3*counts[0] {
			return false
		}
	}
	return true
}

// quiesce waits until no statement has been counted in n for 100 ms (work
// that runs after a request's answer, such as the live-results read after a
// vote), so that a measurement of everything counts only what follows. It
// gives up after 5 s.
func quiesce(n *atomic.Int64) {
	deadline := time.Now().Add(5 * time.Second)
	last := n.Load()
	for still := time.Now(); time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		if cur := n.Load(); cur != last {
			last, still = cur, time.Now()
		} else if time.Since(still) >= 100*time.Millisecond {
			return
		}
	}
}

// TestWarmCacheNoSQL: with the cache warm, a signed-in owner's repeated
// photo query (with owner and statistics) sends no statement of its own;
// after a vote, the next query shows the new count.
func TestWarmCacheNoSQL(t *testing.T) {
	for _, backend := range []string{"SQLite", "PostgreSQL", "PostgreSQL+Redis"} {
		t.Run(backend, func(t *testing.T) {
			var c statementCounter
			count := app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &c} })
			url := ""
			if backend != "SQLite" {
				url = dbtest.MustCreatePGDatabase(t)
			}
			settings := map[string]string{}
			if backend == "PostgreSQL+Redis" { // the shared cache
				settings["FACESTAT_REDIS_URL"] = startRedis(t).URL()
				settings["FACESTAT_REDIS_PREFIX"] = liveRedisPrefix()
			}
			e := startEnv(t, url, settings, count)
			owner := e.account(t, "cached")
			var up struct {
				UploadPhoto struct{ Photo struct{ ID string } }
			}
			e.upload(t, owner, "me.jpg", imagetest.JPEGWithMetadata(160, 160, 1, imagetest.TopLeft), false).decode(t, &up)
			id := up.UploadPhoto.Photo.ID
			const q = `query($id: ID!) { photo(id: $id) { id voteCount owner { handle } stats { voteCount questions { count mean } } } }`
			query := func() (int, int64) {
				var out struct {
					Photo struct {
						VoteCount int
						Owner     struct{ Handle string }
					}
				}
				tag := fmt.Sprintf("photo-%d", c.all.Load())
				c.start(tag)
				e.do(t, request{Token: owner, Query: q, Vars: map[string]any{"id": id}, Header: http.Header{"X-Request-Id": {tag}}}).decode(t, &out)
				if out.Photo.Owner.Handle != "cached" {
					t.Fatalf("owner: %+v", out.Photo)
				}
				return out.Photo.VoteCount, c.n.Load()
			}
			query() // warms the cache
			for i := 0; i < 3; i++ {
				if _, stmts := query(); stmts != 0 {
					t.Fatalf("a warm query sent %d statements", stmts)
				}
			}
			judge := e.anonymous(t)
			e.gql(t, judge, castVote, map[string]any{"id": id, "answers": answers(33, 6, true, "calm")}, &struct{}{})
			if votes, _ := query(); votes != 1 {
				t.Fatalf("after a vote the owner sees %d votes", votes)
			}
			if votes, stmts := query(); votes != 1 || stmts != 0 {
				t.Fatalf("after a vote, warm again: %d votes, %d statements", votes, stmts)
			}
		})
	}
}

// TestCastVoteStatements counts everything a castVote costs the database
// once the instance is warm (the judge's row exists, the ingester wrote
// the photo last): the vote's transaction, a fixed set of statements
// whatever the batch, and nothing after it (the answer's photo and the
// fresh statistics for the cache and live results come from what the
// transaction wrote). Statements of the instance's own background work may
// land in a measurement, never leave one: the least of a few votes counts.
func TestCastVoteStatements(t *testing.T) {
	// BEGIN; an anonymous judge's row made sure of (INSERT ... ON CONFLICT
	// DO NOTHING) and share-locked (SELECT ... FOR SHARE): two statements
	// on SQLite, one on PostgreSQL (admitJudgesStmt); the photos'
	// lock (SELECT ... FOR UPDATE); the votes' INSERT; the aggregate
	// upserts (statistics, histograms, words) and the photos' UPDATE:
	// four statements on SQLite, one on PostgreSQL (three data-modifying
	// CTEs and the words' upsert). COMMIT is not a statement the driver
	// counts.
	// The answer's photo and its statistics (the cache, written through
	// before the answer) cost none: they are the aggregates the ingester
	// wrote last plus the batch's deltas (reading them would take three
	// statements more).
	want := map[string]int64{"SQLite": 9, "PostgreSQL": 5}
	const castVote = `mutation($id: ID!, $answers: [AnswerInput!]!) {
		castVote(input: {photoId: $id, answers: $answers}) { photo { id voteCount stats { voteCount questions { count mean } } } } }`
	for _, backend := range []string{"SQLite", "PostgreSQL"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var c statementCounter
			count := app.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, &c} })
			url := ""
			if backend == "PostgreSQL" {
				url = dbtest.MustCreatePGDatabase(t)
			}
			e := startEnv(t, url, nil, count)
			ctx := context.Background()
			owner, err := e.App.DB.User.Create().SetHandle("owner").SetEmail("owner@example.com").Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]string, 4)
			for i := range ids {
				p, err := e.App.DB.Photo.Create().SetOwnerID(owner.ID).SetIsPublic(true).
					SetImageKey(fmt.Sprintf("img/x/%d.jpg", i)).SetThumbKey(fmt.Sprintf("thumb/x/%d.jpg", i)).
					SetWidth(10).SetHeight(10).SetThumbWidth(10).SetThumbHeight(10).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = relay.ID("Photo", p.ID)
			}
			vote := func(judge, id string) int {
				var out struct {
					CastVote struct {
						Photo struct {
							VoteCount int
							Stats     struct{ VoteCount int }
						}
					}
				}
				e.gql(t, judge, castVote, map[string]any{"id": id, "answers": answers(30, 6, true, "warm")}, &out)
				if p := out.CastVote.Photo; p.Stats.VoteCount != p.VoteCount {
					t.Fatalf("castVote answered %d votes and statistics of %d", p.VoteCount, p.Stats.VoteCount)
				}
				return out.CastVote.Photo.VoteCount
			}
			// Warm: a judge with a row, the photos written by the ingester.
			judge, other := e.anonymous(t), e.anonymous(t)
			vote(judge, ids[0])
			for _, id := range ids[1:] {
				vote(other, id)
			}
			quiesce(&c.all)
			least, after := int64(-1), int64(-1)
			for _, id := range ids[1:] {
				c.start("")
				if got := vote(judge, id); got != 2 {
					t.Fatalf("castVote answered voteCount %d, want 2", got)
				}
				n := c.n.Load()
				quiesce(&c.all)
				if a := c.n.Load() - n; after < 0 || a < after {
					after = a
				}
				if least < 0 || n < least {
					least = n
				}
			}
			if least != want[backend] {
				t.Errorf("a warm castVote sent %d statements, want %d", least, want[backend])
			}
			if after != 0 {
				t.Errorf("%d statements after a castVote was answered, want none", after)
			}
		})
	}
}
