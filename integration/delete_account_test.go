package integration_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/facestat/facestat/account"
	"github.com/facestat/facestat/ent/moderationentry"
	"github.com/facestat/facestat/ent/photoreport"
	"github.com/facestat/facestat/ent/photoserving"
	"github.com/facestat/facestat/ent/user"
	"github.com/facestat/facestat/ent/vote"
)

// erasureFates is what deleting an account does to each table, as
// docs/PRIVACY.md ("What deleting your account does") states it
// (TestPrivacyDocListsErasure holds the two together): erased (every row
// of the account and of its photos goes), anonymised (rows stay, pointing
// to nobody) or kept (no row of the account). Removed is which rows go,
// over V (the account's id, quoted) and P (its photos' ids, a subquery);
// Added is how many rows the deletion adds for an account that voted on
// others' photos and was profiled by the judge model.
var erasureFates = []struct {
	Table, Fate, Removed string
	Added                int
}{
	// A fresh anonymous judge row takes its votes on others' photos; a
	// retired judge row keeps the id alone, so that an anonymous token
	// naming it cannot vote again (identity.RetireJudge).
	{"users", "anonymised", "id = V", 2},
	{"sessions", "erased", "user_id = V", 0},
	{"photos", "erased", "owner_id = V", 0},
	{"votes", "anonymised", "photo_id IN P", 0},
	{"photo_question_stats", "erased", "photo_id IN P", 0},
	{"photo_answer_counts", "erased", "photo_id IN P", 0},
	{"photo_words", "erased", "photo_id IN P", 0},
	{"photo_skips", "erased", "judge_id = V OR photo_id IN P", 0},
	{"photo_servings", "erased", "judge_id = V OR photo_id IN P", 0},
	{"judge_profiles", "anonymised", "judge_id = V", 1}, // copied to the anonymous judge
	{"photo_reports", "anonymised", "photo_id IN P", 0},
	{"moderation_entries", "anonymised", "", 0},
	{"banned_emails", "kept", "", 0},
	{"data_exports", "erased", "user_id = V", 0},
	{"password_resets", "erased", "user_id = V", 0},
	{"api_keys", "erased", "user_id = V", 0},
	{"settings", "kept", "", 0},
	{"questions", "kept", "", 0},
}

// tables lists the database's tables (the migrations' bookkeeping aside).
func (e *env) tables(t *testing.T) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if e.App.DB.Dialect == dialect.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	var out []string
	for _, name := range e.strings(t, q) {
		if name != "schema_migrations" && name != "atlas_schema_revisions" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// columns lists a table's columns.
func (e *env) columns(t *testing.T, table string) []string {
	t.Helper()
	if e.App.DB.Dialect == dialect.Postgres {
		return e.strings(t, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '`+table+`'`)
	}
	return e.strings(t, `SELECT name FROM pragma_table_info('`+table+`')`)
}

func (e *env) strings(t *testing.T, q string) []string {
	t.Helper()
	rows, err := e.App.DB.SQL.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (e *env) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	if err := e.App.DB.SQL.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// counts returns every table's row count.
func (e *env) counts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range e.tables(t) {
		out[table] = e.count(t, "SELECT count(*) FROM "+table)
	}
	return out
}

// mentions returns, for each table, how many of its cells (any column, as
// text) contain one of needles.
func (e *env) mentions(t *testing.T, needles ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range e.tables(t) {
		for _, col := range e.columns(t, table) {
			for _, n := range needles {
				if c := e.count(t, fmt.Sprintf(`SELECT count(*) FROM %s WHERE lower(CAST(%s AS TEXT)) LIKE '%%%s%%'`, table, col, n)); c > 0 {
					out[table] += c
				}
			}
		}
	}
	return out
}

// outboxFile writes a message to the local outbox as the mail package
// names it, and returns its path.
func outboxFile(t *testing.T, dataDir, to string) string {
	t.Helper()
	dir := filepath.Join(dataDir, "outbox")
	os.MkdirAll(dir, 0o700)
	sum := sha256.Sum256([]byte(strings.ToLower(to)))
	name := filepath.Join(dir, fmt.Sprintf("%d-%s.eml", time.Now().UnixNano(), hex.EncodeToString(sum[:])[:16]))
	if err := os.WriteFile(name, []byte("To: "+to+"\r\n\r\nreset\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

const photoStatsQuery = `query($id: ID!) { photo(id: $id) { ` + statsFields + ` } }`

const deleteMutation = `mutation($p: String!) { deleteAccount(input: {password: $p}) { ok } }`

// TestDeleteAccountRetiresItsJudgeToken: an account made from an anonymous
// judge (signUp with its token) keeps the judge's id; once the account is
// deleted, that anonymous token is refused as a retired judge's token is,
// and votes and reports nothing under the deleted account's id.
func TestDeleteAccountRetiresItsJudgeToken(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		anon := e.anonymous(t)
		id := e.judgeUUID(t, anon)
		var up struct{ SignUp struct{ Token string } }
		e.gql(t, anon, `mutation { signUp(input: {handle: "retiring_judge", email: "retiring@example.com", password: "correct horse battery"}) { token } }`, nil, &up)
		if got := e.judgeUUID(t, up.SignUp.Token); got != id {
			t.Fatalf("the account's id %s, want the judge's %s", got, id)
		}
		var out struct{ DeleteAccount struct{ Ok bool } }
		e.gql(t, up.SignUp.Token, deleteMutation, map[string]any{"p": "correct horse battery"}, &out)
		if !out.DeleteAccount.Ok {
			t.Fatal("deleteAccount not ok")
		}
		photo := e.photos(t, e.account(t, "retiring_bystander"), 1)[0]
		for _, m := range []string{
			`mutation($id: ID!) { castVote(input: {photoId: $id, answers: [{questionKey: "age", number: 30}]}) { photo { id } } }`,
			`mutation($id: ID!) { reportPhoto(input: {photoId: $id, reason: SPAM}) { photoId } }`,
		} {
			if r := e.do(t, request{Token: anon, Query: m, Vars: map[string]any{"id": photo}}); r.code() != "UNAUTHENTICATED" {
				t.Errorf("the deleted account's anonymous token: %s", r.Raw)
			}
		}
		if n := e.App.DB.Client.Vote.Query().Where(vote.JudgeID(id)).CountX(t.Context()); n != 0 {
			t.Errorf("%d votes under the deleted account's id", n)
		}
	})
}

// TestDeleteAccount: deleteAccount erases exactly what docs/PRIVACY.md
// says and keeps the rest, anonymised: every table's rows are counted
// before and after and compared with erasureFates, no cell of any table
// still holds the account's id, handle or e-mail, and the blob store
// holds what it held less the account's images and export. Its tokens are
// refused, its images answer 404, its cookie is cleared, its outbox
// messages are gone; others' photos show exactly the statistics they
// showed, also after another round of the judge model; the e-mail and
// handle sign up again.
func TestDeleteAccount(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		ctx := t.Context()
		db := e.App.DB.Client
		victim := e.account(t, "erasable_victim")
		var in struct{ SignIn struct{ Token string } }
		e.gql(t, "", `mutation { signIn(input: {email: "erasable_victim@example.com", password: "correct horse battery"}) { token } }`, nil, &in)
		second := in.SignIn.Token
		other := e.account(t, "erasure_bystander")
		anon := e.anonymous(t)
		V := e.judgeUUID(t, victim)
		O := e.judgeUUID(t, other)

		type shown struct{ ID, ImageURL, ThumbnailURL string }
		var mine []shown
		for i, public := range []bool{true, false} {
			var up struct{ UploadPhoto struct{ Photo shown } }
			e.upload(t, victim, "me.jpg", jpegOf(t, 180+i), public).decode(t, &up)
			mine = append(mine, up.UploadPhoto.Photo)
		}
		theirs := e.photos(t, other, 3)
		e.voteFrom(t, victim, "10.1.0.1", theirs[0], answers(30, 7, true, "friendly"))
		e.voteFrom(t, victim, "10.1.0.1", theirs[1], answers(40, 4, false, "stern"))
		e.voteFrom(t, anon, "10.2.0.1", theirs[0], answers(33, 8, true, "warm"))
		// Judges of the account's photos judge none of the others here: a
		// judge's profile changes when its votes on the deleted photos go
		// (docs/PRIVACY.md), which would move others' weighted figures at
		// the next refit for a reason other than the votes anonymised.
		e.voteFrom(t, e.anonymous(t), "10.4.0.1", mine[0].ID, answers(20, 5, true, "young"))
		e.voteFrom(t, other, "10.3.0.1", mine[1].ID, answers(22, 6, false, "quiet"))
		e.gql(t, victim, `mutation($id: ID!) { skipPhoto(input: {photoId: $id}) { next { id } } }`, map[string]any{"id": theirs[2]}, new(map[string]any))
		// What other parts write (reports, servings, the moderation log,
		// reset tokens, bans, mail), written here as they would.
		mineID, theirID := uuid.MustParse(photoUUID(t, mine[0].ID)), uuid.MustParse(photoUUID(t, theirs[0]))
		db.PhotoReport.Create().SetPhotoID(theirID).SetReporterID(V).SetReason(photoreport.ReasonSpam).SetNote("spam").ExecX(ctx)
		db.PhotoReport.Create().SetPhotoID(mineID).SetReporterID(O).SetReason(photoreport.ReasonOther).ExecX(ctx)
		db.PhotoServing.Create().SetJudgeID(V).SetPhotoID(uuid.MustParse(photoUUID(t, theirs[2]))).ExecX(ctx)
		db.PhotoServing.Create().SetJudgeID(O).SetPhotoID(mineID).ExecX(ctx)
		db.ModerationEntry.Create().SetActorID(V).SetActorHandle("erasable_victim").SetAction(moderationentry.ActionRestore).
			SetPhotoID(theirID).SetOwnerID(O).ExecX(ctx)
		db.ModerationEntry.Create().SetActorID(O).SetActorHandle("erasure_bystander").SetAction(moderationentry.ActionRestore).
			SetPhotoID(mineID).SetOwnerID(V).ExecX(ctx)
		db.PasswordReset.Create().SetUserID(V).SetTokenHash(strings.Repeat("ab", 32)).SetExpiresAt(time.Now().Add(time.Hour)).ExecX(ctx)
		db.BannedEmail.Create().SetEmailHash(strings.Repeat("cd", 32)).ExecX(ctx)
		mail := outboxFile(t, e.DataDir, "erasable_victim@example.com")
		othersMail := outboxFile(t, e.DataDir, "erasure_bystander@example.com")
		exp := e.exportMyData(t, victim)
		awaitExport(t, exp.URL, victim)
		e.gql(t, victim, `mutation { createApiKey(input: {name: "erasable"}) { key } }`, nil, new(map[string]any))
		e.refit(t)
		if !db.JudgeProfile.Query().Where().ExistX(ctx) {
			t.Fatal("the refit profiled nobody")
		}

		statsOf := func() map[string]string {
			out := map[string]string{}
			for _, id := range theirs {
				out[id] = string(e.do(t, request{Token: other, Query: photoStatsQuery, Vars: map[string]any{"id": id}}).Data)
			}
			return out
		}
		stats := statsOf()
		before := e.counts(t)
		if got, want := e.tables(t), fateTables(); !slices.Equal(got, want) {
			t.Fatalf("the database's tables %v, erasureFates lists %v: say in docs/PRIVACY.md and here what deletion does to each", got, want)
		}
		needles := []string{V.String(), "erasable_victim"}
		if m := e.mentions(t, needles...); m["users"] == 0 || m["sessions"] == 0 || m["votes"] == 0 || m["photos"] == 0 {
			t.Fatalf("the scan cannot find the account before its deletion: %v", m)
		}
		expected := map[string]int{}
		photosOfV := fmt.Sprintf("(SELECT id FROM photos WHERE owner_id = '%s')", V)
		for _, f := range erasureFates {
			expected[f.Table] = before[f.Table] + f.Added
			if f.Removed != "" {
				where := strings.NewReplacer("V", "'"+V.String()+"'", "P", photosOfV).Replace(f.Removed)
				expected[f.Table] -= e.count(t, "SELECT count(*) FROM "+f.Table+" WHERE "+where)
			}
		}
		var goneBlobs []string
		for _, p := range db.Photo.Query().Where().AllX(ctx) {
			if p.OwnerID == V {
				goneBlobs = append(goneBlobs, p.ImageKey, p.ThumbKey)
			}
		}
		goneBlobs = append(goneBlobs, "private/exports/"+strings.TrimPrefix(exp.URL, e.URL+"/exports/")+".zip")
		var blobsBefore []string
		for _, b := range e.snapshot(t).Blobs {
			if b = filepath.ToSlash(b); strings.Contains(filepath.Base(b), ".") {
				blobsBefore = append(blobsBefore, b)
			}
		}
		for _, g := range goneBlobs {
			if !slices.Contains(blobsBefore, g) {
				t.Fatalf("%s is not in the blob store before the deletion: %v", g, blobsBefore)
			}
		}

		t.Run("ErrWrongPassword", func(t *testing.T) {
			r := e.do(t, request{Token: victim, Query: deleteMutation, Vars: map[string]any{"p": "not my password"}})
			if r.code() != "UNAUTHENTICATED" || r.ext("reason") != "BAD_CREDENTIALS" {
				t.Fatalf("got %+v", r.Errors)
			}
			if after := e.counts(t); !mapsEqual(after, before) {
				t.Fatalf("a refused deletion changed rows: %v, was %v", after, before)
			}
		})

		csrf := strings.Repeat("x", 24)
		r := e.do(t, request{Query: deleteMutation, Vars: map[string]any{"p": "correct horse battery"},
			Cookies: []*http.Cookie{{Name: "fs_session", Value: victim}, {Name: "fs_csrf", Value: csrf}},
			Header:  http.Header{"X-Csrf-Token": {csrf}}})
		var out struct{ DeleteAccount struct{ Ok bool } }
		r.decode(t, &out)
		if !out.DeleteAccount.Ok {
			t.Fatal("deleteAccount not ok")
		}
		cleared := false
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			cleared = cleared || c.Name == "fs_session" && c.MaxAge < 0
		}
		if !cleared {
			t.Errorf("the session cookie was not cleared: %v", r.Header["Set-Cookie"])
		}

		t.Run("TokensRefused", func(t *testing.T) {
			for _, tok := range []string{victim, second} {
				if r := e.do(t, request{Token: tok, Query: viewerQuery}); r.Status != http.StatusUnauthorized {
					t.Errorf("a token of the deleted account: %d %s", r.Status, r.Raw)
				}
			}
		})
		t.Run("ImagesGone", func(t *testing.T) {
			for _, p := range mine {
				for _, u := range []string{p.ImageURL, p.ThumbnailURL} {
					if res, _ := get(t, u); res.StatusCode != http.StatusNotFound {
						t.Errorf("%s: %d", u, res.StatusCode)
					}
				}
			}
		})
		t.Run("ExportGone", func(t *testing.T) {
			res, body := fetchExport(t, exp.URL, "", false)
			wantNoExport(t, "the deleted account's export", res, body)
		})
		t.Run("RowsAsPrivacyMdSays", func(t *testing.T) {
			after := e.counts(t)
			for _, f := range erasureFates {
				if after[f.Table] != expected[f.Table] {
					t.Errorf("%s (%s): %d rows, want %d (before: %d)", f.Table, f.Fate, after[f.Table], expected[f.Table], before[f.Table])
				}
			}
			// The id stays in one row alone: the retired judge's, with no
			// other field, pointing to the tombstone.
			if m := e.mentions(t, append(needles, "erasable_victim@example.com")...); len(m) != 1 || m["users"] != 1 {
				t.Errorf("the account is still mentioned: %v, want only its retired judge row", m)
			}
			if r := db.User.GetX(ctx, V); !r.Anonymous || r.Handle != nil || r.Email != nil || r.PasswordHash != "" ||
				r.MergedIntoID == nil || *r.MergedIntoID != account.Tombstone(V) || r.Karma != 0 || r.KarmaEarned != 0 {
				t.Errorf("the retired judge row: %+v", r)
			}
		})
		t.Run("Anonymised", func(t *testing.T) {
			votes := db.Vote.Query().Where(vote.PhotoIDIn(theirID, uuid.MustParse(photoUUID(t, theirs[1])))).AllX(ctx)
			var judges []uuid.UUID
			for _, v := range votes {
				if v.JudgeID != O && !slices.Contains(judges, v.JudgeID) && v.JudgeID != e.judgeUUID(t, anon) {
					judges = append(judges, v.JudgeID)
				}
			}
			if len(judges) != 1 {
				t.Fatalf("the account's votes went to %v, want one anonymous judge", judges)
			}
			j := db.User.GetX(ctx, judges[0])
			if !j.Anonymous || j.Handle != nil || j.Email != nil || j.PasswordHash != "" {
				t.Errorf("the votes' judge: %+v", j)
			}
			if n := db.Vote.Query().Where(vote.JudgeID(j.ID)).CountX(ctx); n != 2 {
				t.Errorf("the anonymous judge holds %d votes, want 2", n)
			}
			if n := db.PhotoReport.Query().Where(photoreport.ReporterIDIsNil()).CountX(ctx); n != 1 {
				t.Errorf("%d reports without reporter, want 1", n)
			}
			tomb := account.Tombstone(V)
			if n := db.ModerationEntry.Query().Where(moderationentry.ActorID(tomb), moderationentry.ActorHandleIsNil()).CountX(ctx); n != 1 {
				t.Errorf("%d log entries by the tombstone, want 1", n)
			}
			if n := db.ModerationEntry.Query().Where(moderationentry.OwnerID(tomb)).CountX(ctx); n != 1 {
				t.Errorf("%d log entries about the tombstone's photos, want 1", n)
			}
		})
		t.Run("BlobsAsPrivacyMdSays", func(t *testing.T) {
			// Files only: folders a deleted file leaves empty may stay.
			files := func(s snapshot) []string {
				var out []string
				for _, b := range s.Blobs {
					if b = filepath.ToSlash(b); strings.Contains(filepath.Base(b), ".") {
						out = append(out, b)
					}
				}
				return out
			}
			want := slices.DeleteFunc(slices.Clone(blobsBefore), func(b string) bool { return slices.Contains(goneBlobs, b) })
			if got := files(e.snapshot(t)); !slices.Equal(got, want) {
				t.Errorf("blobs after: %v\nwant: %v", got, want)
			}
		})
		t.Run("OutboxMessagesGone", func(t *testing.T) {
			if _, err := os.Stat(mail); !os.IsNotExist(err) {
				t.Errorf("the account's outbox message is still there: %v", err)
			}
			if _, err := os.Stat(othersMail); err != nil {
				t.Errorf("another address's message went: %v", err)
			}
		})
		t.Run("OthersStatisticsUnchanged", func(t *testing.T) {
			if got := statsOf(); !mapsEqual(got, stats) {
				t.Fatalf("others' statistics changed:\n%v\nwere\n%v", got, stats)
			}
			if _, err := e.App.Judging.Refit(ctx); err != nil {
				t.Fatal(err)
			}
			if got := statsOf(); !mapsEqual(got, stats) {
				t.Fatalf("others' statistics changed at the next refit:\n%v\nwere\n%v", got, stats)
			}
		})
		t.Run("SignsUpAgain", func(t *testing.T) {
			again := e.account(t, "erasable_victim")
			if again == "" || e.judgeUUID(t, again) == V {
				t.Fatal("signing up again with the e-mail and handle failed, or took the old id")
			}
			if db.User.Query().Where(user.ID(V), user.Or(user.Anonymous(false), user.MergedIntoIDIsNil())).ExistX(ctx) {
				t.Fatal("the old account's row is back as more than its retired judge")
			}
		})
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// fateTables are the tables erasureFates names, sorted.
func fateTables() []string {
	var out []string
	for _, f := range erasureFates {
		out = append(out, f.Table)
	}
	slices.Sort(out)
	return out
}

// TestPrivacyDocListsErasure: docs/PRIVACY.md's table of what deletion
// does to each table says what erasureFates (which TestDeleteAccount
// checks) says.
func TestPrivacyDocListsErasure(t *testing.T) {
	doc, err := os.ReadFile("../docs/PRIVACY.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (erased|anonymised|kept) \\|")
	got := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		got[m[1]] = m[2]
	}
	want := map[string]string{}
	for _, f := range erasureFates {
		want[f.Table] = f.Fate
	}
	if !mapsEqual(got, want) {
		t.Errorf("docs/PRIVACY.md lists %v,\nthe deletion test %v", got, want)
	}
}

// TestDeleteAccountServings: what nextPhoto served the account just before
// it was deleted is written by the servings writer in the background,
// possibly after the deletion committed; once deleteAccount has answered,
// the database holds no serving of the account (PRIVACY.md:
// photo_servings erased, "what it was shown").
func TestDeleteAccountServings(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "serving_owner")
		e.uploadOne(t, owner, 150)
		gone := e.account(t, "serving_gone")
		id := e.judgeUUID(t, gone)
		if p := e.nextPhoto(t, gone); p == nil {
			t.Fatal("nextPhoto served nothing")
		}
		var out struct{ DeleteAccount struct{ Ok bool } }
		e.gql(t, gone, deleteMutation, map[string]any{"p": "correct horse battery"}, &out)
		e.App.Servings.Flush(t.Context())
		if n := e.App.DB.Client.PhotoServing.Query().Where(photoserving.JudgeID(id)).CountX(t.Context()); n != 0 {
			t.Fatalf("%d servings of the deleted account", n)
		}
	})
}
