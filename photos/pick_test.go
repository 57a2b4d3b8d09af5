package photos_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/db"
	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/ent/photo"
	"github.com/facestat/facestat/ent/schema"
	"github.com/facestat/facestat/photos"
)

// pickEnv is a migrated database with photos to judge, and the photo
// Service on it with the shipped head of the judging order.
type pickEnv struct {
	t     *testing.T
	d     *db.DB
	s     *photos.Service
	owner uuid.UUID
	order []uuid.UUID // the photos in judging order (one tier: by id)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newPickEnv makes n active photos of one owner.
func newPickEnv(t *testing.T, d *db.DB, n int) *pickEnv {
	ctx := context.Background()
	owner, err := d.User.Create().SetHandle("owner").SetEmail("owner@example.com").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := &pickEnv{t: t, d: d, s: photos.NewService(d.Client, nil, photos.Config{Dialect: d.Dialect}, quiet), owner: owner.ID}
	for chunk := range slices.Chunk(make([]int, n), 500) {
		create := make([]*ent.PhotoCreate, len(chunk))
		for i := range chunk {
			id := uuid.New()
			create[i] = d.Photo.Create().SetID(id).SetOwnerID(owner.ID).SetImageKey("img/" + id.String()).
				SetThumbKey("thumb/" + id.String()).SetWidth(1).SetHeight(1).SetThumbWidth(1).SetThumbHeight(1)
			e.order = append(e.order, id)
		}
		if err := d.Photo.CreateBulk(create...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(e.order, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return e
}

// judge returns a new account that skipped the photos given.
func (e *pickEnv) judge(skipped ...uuid.UUID) uuid.UUID {
	e.t.Helper()
	ctx := context.Background()
	id := uuid.New()
	if _, err := e.d.User.Create().SetID(id).SetHandle("j" + id.String()[:8]).SetEmail(id.String() + "@example.com").Save(ctx); err != nil {
		e.t.Fatal(err)
	}
	for chunk := range slices.Chunk(skipped, 500) {
		create := make([]*ent.PhotoSkipCreate, len(chunk))
		for i, p := range chunk {
			create[i] = e.d.PhotoSkip.Create().SetJudgeID(id).SetPhotoID(p)
		}
		if err := e.d.PhotoSkip.CreateBulk(create...).Exec(ctx); err != nil {
			e.t.Fatal(err)
		}
	}
	return id
}

// pick picks for judge from a pool of n, and reports which way: the head
// or the walk.
func (e *pickEnv) pick(judge uuid.UUID, n int) (*ent.Photo, string) {
	e.t.Helper()
	head, walk := e.s.PickCounts()
	p, err := e.s.PickToJudge(context.Background(), &judge, nil, n)
	if err != nil {
		e.t.Fatal(err)
	}
	head2, walk2 := e.s.PickCounts()
	dh, dw := head2-head, walk2-walk
	switch {
	case dh == 1 && dw == 0:
		return p, "head"
	case dh == 0 && dw == 1:
		return p, "walk"
	}
	e.t.Fatalf("one pick counted %d head and %d walk picks", dh, dw)
	return nil, ""
}

// TestPickHeadOrWalk: a judge is served from the head while it holds a
// pool's worth of candidates for them, and by the walk (with the same
// answer) when it does not, or when they skipped or judged more than
// judgedLimit (1,000) photos; every answer is among the first pool of the photos
// the judge has not judged, in judging order.
func TestPickHeadOrWalk(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		const pool = 2 // the head: its minimum, 64 photos
		e := newPickEnv(t, d, photos.HeadMinSize+photos.JudgedLimit+10)
		check := func(what string, judge uuid.UUID, want []uuid.UUID, way string) {
			t.Helper()
			for range 10 {
				p, got := e.pick(judge, pool)
				if p == nil || !slices.Contains(want, p.ID) {
					t.Fatalf("%s: picked %v, want one of %v", what, p, want)
				}
				if got != way {
					t.Fatalf("%s: picked by the %s, want the %s", what, got, way)
				}
			}
		}
		o := e.order
		check("a new judge", e.judge(), o[:pool], "head")
		check("a judge who skipped all but two of the head", e.judge(o[:photos.HeadMinSize-pool]...), o[photos.HeadMinSize-pool:photos.HeadMinSize], "head")
		check("a judge who skipped all but one of the head", e.judge(o[:photos.HeadMinSize-1]...), o[photos.HeadMinSize-1:photos.HeadMinSize+1], "walk")
		beyond := o[photos.HeadMinSize:] // photos past the head
		// More than the memo holds for a judge (256), in and past the head:
		// the pick searches what it read itself.
		many := e.judge(append(slices.Clone(o[:photos.HeadMinSize-pool]), beyond[:300]...)...)
		// ... and votes on the last photos, which come back before the skips.
		ctx := context.Background()
		for _, p := range o[len(o)-5:] {
			if err := d.Vote.Create().SetJudgeID(many).SetPhotoID(p).SetAnswers([]schema.Answer{}).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if judged, complete, err := e.s.ReadJudged(ctx, many); err != nil || !complete || len(judged) != photos.HeadMinSize-pool+305 ||
			!slices.IsSortedFunc(judged, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }) {
			t.Fatalf("the judge's votes and skips as read: %d, complete %v, %v; want %d, sorted", len(judged), complete, err, photos.HeadMinSize-pool+305)
		}
		check("a judge who skipped all but two of the head and 300 past it", many, o[photos.HeadMinSize-pool:photos.HeadMinSize], "head")
		check("a judge who skipped as many photos past the head as judged reads", e.judge(beyond[:photos.JudgedLimit]...), o[:pool], "head")
		heavy := e.judge(beyond[:photos.JudgedLimit+1]...)
		check("a judge who skipped more photos than judged reads", heavy, o[:pool], "walk")
		if !e.s.Walker(heavy) {
			t.Fatal("the heavy judge is not remembered as one the head cannot serve")
		}

		if head, full := e.s.HeadIDs(); !slices.Equal(head, o[:photos.HeadMinSize]) || full {
			t.Fatalf("head %v (full: %v), want the first %d photos, not full", head, full, photos.HeadMinSize)
		}

		// A photo of the head hidden behind its back is never served.
		judge := e.judge(o[:photos.HeadMinSize-pool]...)
		hidden := o[photos.HeadMinSize-pool]
		if err := d.Photo.UpdateOneID(hidden).SetStatus(photo.StatusHidden).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			p, err := e.s.PickToJudge(ctx, &judge, nil, pool)
			if err != nil || p == nil || p.ID == hidden {
				t.Fatalf("pick %d: %v, %v (the hidden photo is %s)", i, p, err, hidden)
			}
		}
	})
}

// TestPickHeadFull: when every active photo is in the head, a judge who
// judged them all is told there is nothing left, from the head.
func TestPickHeadFull(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		e := newPickEnv(t, d, 5)
		judge := e.judge(e.order...)
		if p, way := e.pick(judge, 20); p != nil || way != "head" {
			t.Fatalf("a judge who judged every photo: picked %v by the %s, want nothing by the head", p, way)
		}
		other := e.judge(e.order[:4]...)
		if p, way := e.pick(other, 20); p == nil || p.ID != e.order[4] || way != "head" {
			t.Fatalf("picked %v by the %s, want %s by the head", p, way, e.order[4])
		}
	})
}

// TestPickChecksWhatTheMemoMisses: a judge's vote or skip stored through
// another instance (here: written directly) is not in this instance's memo
// of what the judge judged; the pick that draws that photo finds it judged
// in the row's own statement, never serves it, reads the judge's votes
// again and serves another. A photo hidden meanwhile is not taken for a
// judged one: once restored, the judge is served it.
func TestPickChecksWhatTheMemoMisses(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPickEnv(t, d, 3)
		judge := e.judge()
		want := func(what string, id uuid.UUID) {
			t.Helper()
			if p, way := e.pick(judge, 1); p == nil || p.ID != id || way != "head" {
				t.Fatalf("%s: %v by the %s, want %s by the head", what, p, way, id)
			}
		}
		want("first pick", e.order[0])
		// The memo holds the judge now (nothing judged); a skip elsewhere:
		if err := d.PhotoSkip.Create().SetJudgeID(judge).SetPhotoID(e.order[0]).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		want("after a skip elsewhere", e.order[1])
		want("then", e.order[1])
		// A vote or skip through this instance is told to the memo (the
		// judging service calls Judged once it stored it).
		if err := d.PhotoSkip.Create().SetJudgeID(judge).SetPhotoID(e.order[1]).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		e.s.Judged(judge, e.order[1])
		want("after Judged", e.order[2])

		// order[2] hidden: nothing left for the judge, from the head; once
		// restored, served (the pick that met it hidden did not take it
		// for judged).
		if err := d.Photo.UpdateOneID(e.order[2]).SetStatus(photo.StatusHidden).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if p, err := e.s.PickToJudge(ctx, &judge, nil, 1); err != nil || p != nil {
				t.Fatalf("with the last photo hidden: %v, %v; want nothing", p, err)
			}
		}
		if err := d.Photo.UpdateOneID(e.order[2]).SetStatus(photo.StatusActive).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		e.s.JudgingOrderChanged()
		want("after the restore", e.order[2])
	})
}

// TestDrawRowIsEnts: the pick's hand-written statement, and the vote
// path's lock, read every column ent's own read does, into the same
// values, on both databases; the pick reads an active photo only, and
// with a judge only one they have not judged.
func TestDrawRowIsEnts(t *testing.T) {
	if !slices.Equal(photos.DrawColumns, photo.Columns) {
		t.Fatalf("drawRow reads %v, ent's photo has %v", photos.DrawColumns, photo.Columns)
	}
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPickEnv(t, d, 2)
		at := time.Date(2026, 12, 7, 9, 30, 15, 123456000, time.UTC)
		// Photos whose columns hold values of their own: no two columns of
		// a type alike in all of them (the booleans: three photos, the
		// bits of 1 to 5), none of a column's values the zero value in the
		// first, so that a column read into another's place shows.
		bits := func(k, photo int) bool { return k>>photo&1 == 1 }
		var made []uuid.UUID
		for i := range 3 {
			id := uuid.New()
			err := d.Photo.Create().SetID(id).SetOwnerID(e.owner).SetImageKey("img/x" + strconv.Itoa(i)).
				SetThumbKey("thumb/x" + strconv.Itoa(i)).SetWidth(640).SetHeight(480).SetThumbWidth(64).SetThumbHeight(48).
				SetOwnerNetwork("198.51.100.0/24").SetImageVersion(3).SetVoteCount(17).SetVoteTier(2).SetStatsVersion(41).
				SetStatsUpdatedAt(at).SetFittedVersion(39).SetFitDue(at.Add(time.Minute)).SetJudgeQueue(1).
				SetConsentedAt(at.Add(-time.Hour)).SetReportedAt(at.Add(-time.Minute)).SetCountedReports(5).
				SetCreatedAt(at.Add(-2 * time.Hour)).
				SetIsPublic(bits(1, i)).SetConsentShowsMe(bits(2, i)).SetConsentAdult(bits(3, i)).
				SetConsentAcceptsJudging(bits(4, i)).SetReviewPriority(bits(5, i)).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, id)
		}
		for _, id := range append(e.order, made...) {
			want, err := d.Photo.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.s.DrawRow(ctx, id, nil)
			if err != nil || got == nil {
				t.Fatalf("DrawRow(%s) = %v, %v", id, got, err)
			}
			samePhoto(t, "DrawRow", want, got)
		}
		// The locks read the same rows (by hand on PostgreSQL).
		for _, lock := range []struct {
			name string
			lock func(context.Context, *ent.Tx, []uuid.UUID) (map[uuid.UUID]*ent.Photo, error)
		}{{"Lock", e.s.Lock}, {"LockForCounts", e.s.LockForCounts}} {
			tx, err := d.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids := append(append(slices.Clone(e.order), made...), uuid.New())
			locked, err := lock.lock(ctx, tx, ids)
			if err != nil || len(locked) != len(ids)-1 {
				tx.Rollback()
				t.Fatalf("%s = %d rows, %v; want %d", lock.name, len(locked), err, len(ids)-1)
			}
			for _, id := range ids[:len(ids)-1] {
				want, err := tx.Photo.Get(ctx, id)
				if err != nil {
					tx.Rollback()
					t.Fatal(err)
				}
				samePhoto(t, lock.name, want, locked[id])
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		}

		judge := e.judge(e.order[1])
		if p, err := e.s.DrawRow(ctx, e.order[1], &judge); err != nil || p != nil {
			t.Fatalf("a skipped photo for its judge: %v, %v; want none", p, err)
		}
		if err := d.Vote.Create().SetJudgeID(judge).SetPhotoID(e.order[0]).SetAnswers([]schema.Answer{}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if p, err := e.s.DrawRow(ctx, e.order[0], &judge); err != nil || p != nil {
			t.Fatalf("a voted photo for its judge: %v, %v; want none", p, err)
		}
		other := e.judge()
		if p, err := e.s.DrawRow(ctx, e.order[0], &other); err != nil || p == nil {
			t.Fatalf("for another judge: %v, %v; want the photo", p, err)
		}
		if err := d.Photo.UpdateOneID(e.order[0]).SetStatus(photo.StatusHidden).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if p, err := e.s.DrawRow(ctx, e.order[0], nil); err != nil || p != nil {
			t.Fatalf("a hidden photo: %v, %v; want none", p, err)
		}
	})
}

// samePhoto fails t unless got, as how read it, has every column of want,
// as ent read it.
func samePhoto(t *testing.T, how string, want, got *ent.Photo) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no photo %s", how, want.ID)
	}
	wantV, gotV := reflect.ValueOf(*want), reflect.ValueOf(*got)
	for i := range wantV.NumField() {
		f := wantV.Type().Field(i)
		if !f.IsExported() || f.Name == "Edges" {
			continue
		}
		if w, g := wantV.Field(i).Interface(), gotV.Field(i).Interface(); !reflect.DeepEqual(w, g) {
			t.Errorf("%s, %s: ent reads %v, %s %v", want.ID, f.Name, w, how, g)
		}
	}
}

// TestDrawNext: a castVote's half of a pick reads, for every pick of a
// batch in one statement, the first of its candidates (in their order)
// that is active and that its judge has neither voted on nor skipped,
// whole (as ent reads it); nothing for a pick whose candidates all fail.
// A judge whose first candidate failed is dropped from the memo (their
// next pick reads their votes again); Candidates draws only for a judge
// the memo holds, never the judge's own photo nor one in skip. SQLite
// draws nothing: its picks follow the votes.
func TestDrawNext(t *testing.T) {
	dbtest.OnBoth(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPickEnv(t, d, 6)
		o := e.order
		j1, j2, j3, j4 := e.judge(o[1]), e.judge(), e.judge(), e.judge() // j1 skipped o[1]
		if _, err := d.Vote.Create().SetJudgeID(j2).SetPhotoID(o[0]).SetAnswers(nil).SetCreatedAt(time.Now()).Save(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.Photo.UpdateOneID(o[3]).SetStatus(photo.StatusHidden).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, j := range []uuid.UUID{j1, j2, j3, j4} {
			e.pick(j, 1) // the memo holds them
		}
		picks := []photos.NextPick{
			{Judge: j1, Candidates: []uuid.UUID{o[1], o[2], o[4]}}, // skipped, then free
			{Judge: j2, Candidates: []uuid.UUID{o[0], o[3], o[5]}}, // voted, hidden, then free
			{Judge: j3, Candidates: []uuid.UUID{o[2], o[4]}},       // the first free
			{Judge: j4, Candidates: []uuid.UUID{o[3]}},             // hidden: none
			{Judge: j1}, // no candidates
		}
		got, err := e.s.DrawNext(ctx, picks)
		if err != nil {
			t.Fatal(err)
		}
		if d.Dialect != "postgres" {
			if slices.ContainsFunc(got, func(p *ent.Photo) bool { return p != nil }) {
				t.Fatalf("SQLite drew %v, want nothing", got)
			}
			if c := e.s.Candidates(j3, nil, 2); c != nil {
				t.Fatalf("SQLite: candidates %v, want none", c)
			}
			return
		}
		want := []*uuid.UUID{&o[2], &o[5], &o[2], nil, nil}
		for i, w := range want {
			switch {
			case w == nil && got[i] != nil:
				t.Errorf("pick %d drew %s, want nothing", i, got[i].ID)
			case w != nil && (got[i] == nil || got[i].ID != *w):
				t.Errorf("pick %d drew %v, want %s", i, got[i], *w)
			case w != nil:
				ent, err := d.Photo.Get(ctx, *w)
				if err != nil {
					t.Fatal(err)
				}
				samePhoto(t, "DrawNext", ent, got[i])
			}
		}
		if e.s.Memo(j1) || e.s.Memo(j2) || e.s.Memo(j4) {
			t.Error("the judges whose first candidate failed are still in the memo")
		}
		if !e.s.Memo(j3) {
			t.Error("j3, whose first candidate was drawn, left the memo")
		}

		// Candidates: only for a judge the memo holds; never their own
		// photo or one in skip; at most three, among the pool's first.
		if c := e.s.Candidates(j1, nil, 2); c != nil {
			t.Errorf("candidates %v for a judge the memo does not hold, want none", c)
		}
		c := e.s.Candidates(j3, []uuid.UUID{o[0]}, 2)
		if len(c) != 2 || !slices.Contains(c, o[1]) || !slices.Contains(c, o[2]) {
			t.Errorf("candidates %v for a pool of 2 past o[0], want o[1] and o[2]", c)
		}
		if c := e.s.Candidates(e.owner, nil, 2); c != nil {
			t.Errorf("candidates %v for the photos' owner (the memo does not hold them), want none", c)
		}
	})
}
