package integration_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/judging"
)

// The cost of one document: what a stranger can make a single request cost
// (docs/SECURITY.md, "Cost"; the prices are in api/cost.go).

// costSettings let the realistic world below be built quickly: one
// account holds all its photos, and standings count from 10 answers.
var costSettings = map[string]string{
	"FACESTAT_PHOTO_QUOTA":    "1000",
	"FACESTAT_MAX_BODY_BYTES": "1MiB",
}

// costWorld is a server with realistic data: 120 public photos from four
// accounts, each judged by 12 anonymous judges answering every question
// (ages spread over 18 to 70, 30 different words), and fresh standings.
type costWorld struct {
	*env
	photos []string // global ids, in upload order
	judge  string   // an anonymous judge's token (who voted on every photo)
	owner  string   // the token of the account that posted photos[0]
}

func newCostWorld(t *testing.T, settings map[string]string) *costWorld {
	t.Helper()
	e := startEnv(t, dbtest.MustCreatePGDatabase(t), withSettings(costSettings, settings))
	w := &costWorld{env: e}
	const accounts, perAccount, judges = 4, 30, 12
	for a := 0; a < accounts; a++ {
		token := e.account(t, fmt.Sprintf("poster%d", a))
		if a == 0 {
			w.owner = token
		}
		for i := 0; i < perAccount; i++ {
			var up struct {
				UploadPhoto struct{ Photo struct{ ID string } }
			}
			e.upload(t, token, "p.jpg", imagetest.JPEGWithMetadata(140+i, 140+a, 1, imagetest.TopLeft), true).decode(t, &up)
			w.photos = append(w.photos, up.UploadPhoto.Photo.ID)
		}
	}
	tokens := make([]string, judges)
	for j := range tokens {
		tokens[j] = e.anonymous(t)
	}
	w.judge = tokens[0]
	var wg sync.WaitGroup
	for j, token := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(j), 1))
			for _, id := range w.photos {
				r := e.do(t, request{Token: token, Query: `mutation($id: ID!, $a: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $a}) { photo { id } } }`,
					Vars: map[string]any{"id": id, "a": realisticAnswers(rng)}})
				if len(r.Errors) > 0 {
					t.Errorf("vote: %+v", r.Errors)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if err := e.App.Judging.Standings.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	return w
}

// realisticAnswers answers every question of the default survey.
func realisticAnswers(rng *rand.Rand) []map[string]any {
	words := strings.Fields("kind calm bold warm shy proud tired happy sharp gentle stern funny brave quiet lively " +
		"serious cheerful friendly distant honest curious clever dreamy elegant fierce humble jolly loyal modest witty")
	return []map[string]any{
		{"questionKey": "age", "number": 18 + rng.IntN(53)},
		{"questionKey": "attractive", "number": 1 + rng.IntN(10)},
		{"questionKey": "trustworthy", "yes": rng.IntN(2) == 0},
		{"questionKey": "intelligent", "yes": rng.IntN(2) == 0},
		{"questionKey": "happy", "yes": rng.IntN(2) == 0},
		{"questionKey": "friendly", "yes": rng.IntN(2) == 0},
		{"questionKey": "confident", "yes": rng.IntN(2) == 0},
		{"questionKey": "impression", "word": words[rng.IntN(len(words))]},
	}
}

// photoSelection is every field of a photo, its statistics in full.
const photoSelection = `id imageUrl thumbnailUrl width height createdAt isPublic voteCount viewerHasVoted viewerCanSeeStats
	postedBy { id handle createdAt }
	stats { id version voteCount updatedAt questions {
		question { id key prompt kind min max }
		count mean median stddev interval { low high level } yesShare
		histogram { value count } words { word count } percentile stable } }`

// hostileDocument is one family of expensive documents a stranger can
// write from the schema, grown by n.
type hostileDocument struct {
	name string
	max  int // n beyond which the document stops growing
	doc  func(w *costWorld, n int) string
}

// aliases returns n copies of sel, each under an alias of 15 bytes (the
// longest that costs no more than a short one).
func aliases(n int, sel string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "a%014d: %s\n", i, sel)
	}
	return b.String()
}

// hostileDocuments are the shapes that make the largest answers per unit
// of price: whole pages of photos with full statistics (through every
// connection and through nodes), the owner-photos nesting, the
// longest strings under many aliases, and introspection.
var hostileDocuments = []hostileDocument{
	{"TopPhotosFull", 100, func(_ *costWorld, n int) string {
		return fmt.Sprintf(`{ topPhotos(questionKey: "age", first: %d) { pageInfo { hasNextPage endCursor } edges { cursor } nodes { %s } } }`, n, photoSelection)
	}},
	{"NodesFull", 100, func(w *costWorld, n int) string {
		return fmt.Sprintf(`{ nodes(ids: [%s]) { ... on Photo { %s } } }`, `"`+strings.Join(w.photos[:n], `","`)+`"`, photoSelection)
	}},
	{"PhotosOwnersPhotos", 100, func(_ *costWorld, n int) string {
		return fmt.Sprintf(`{ photos(first: 100) { nodes { id postedBy { photos(first: %d) { nodes { id imageUrl thumbnailUrl width height createdAt voteCount } } } } } }`, n)
	}},
	{"AliasedPages", 40, func(_ *costWorld, n int) string {
		return "{" + aliases(n, `topPhotos(questionKey: "age", first: 100) { nodes { id imageUrl thumbnailUrl } }`) + "}"
	}},
	{"AliasedPrompts", 40, func(_ *costWorld, n int) string {
		return `{ topPhotos(questionKey: "age", first: 100) { nodes { stats { questions { ` + aliases(n, "question { prompt }") + ` } } } } }`
	}},
	{"AliasedIntrospection", 40, func(_ *costWorld, n int) string {
		return "{" + aliases(n, `__schema { types { name description fields { name description args { name description } type { name } } } }`) + "}"
	}},
}

// largestAdmitted returns the document of d with the largest n the server
// admits (0 and "" when none is), by bisection over its refusals.
func largestAdmitted(t *testing.T, w *costWorld, d hostileDocument) (int, string) {
	t.Helper()
	admitted := func(n int) bool {
		r := w.do(t, request{Token: w.judge, Query: d.doc(w, n)})
		return r.code() != "COMPLEXITY_LIMIT_EXCEEDED"
	}
	lo, hi := 0, d.max+1 // admitted(lo) or lo == 0; !admitted(hi) or hi == max+1
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; admitted(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return 0, ""
	}
	return lo, d.doc(w, lo)
}

// measured is one run of a document: its price, answer and time.
type measured struct {
	price, bytes int
	took         time.Duration
	resp         *response
}

func measure(t *testing.T, w *costWorld, doc string) measured {
	t.Helper()
	body := fmt.Sprintf(`{"query": %q}`, doc)
	hr, _ := http.NewRequest(http.MethodPost, w.URL+"/graphql", strings.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+w.judge)
	start := time.Now()
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := measured{bytes: len(b), took: time.Since(start), resp: &response{}}
	if err := json.Unmarshal(b, m.resp); err != nil {
		t.Fatalf("status %d, body not JSON: %.200s", res.StatusCode, b)
	}
	if m.price, err = w.App.Server.Price(doc, "", nil); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHostileWorstDocument builds, for each family of expensive documents,
// the largest one the server admits, runs it against realistic data and
// checks that its answer is at most 512 KiB; the figures go to the log
// (docs/PERFORMANCE.md records them).
func TestHostileWorstDocument(t *testing.T) {
	w := newCostWorld(t, nil)
	for _, d := range hostileDocuments {
		t.Run(d.name, func(t *testing.T) {
			n, doc := largestAdmitted(t, w, d)
			if n == 0 {
				t.Logf("%s: refused at every size", d.name)
				return
			}
			m := measure(t, w, doc)
			t.Logf("%-22s n=%-3d price %6d  answer %7d bytes  %v", d.name, n, m.price, m.bytes, m.took)
			if len(m.resp.Errors) > 0 {
				t.Errorf("errors: %.500v", m.resp.Errors)
			}
			if m.bytes > 512<<10 {
				t.Errorf("the answer is %d bytes, over 512 KiB", m.bytes)
			}
		})
	}
}

var _ = judging.MaxWords
var _ = metrics.All
