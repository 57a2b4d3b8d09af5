package integration_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facestat/facestat/db/dbtest"
	"github.com/facestat/facestat/imageproc/imagetest"
	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/relay"
	"github.com/google/uuid"
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

// fullIntrospection asks for everything introspection can tell, as
// GraphiQL's query does, type references four deep.
const fullIntrospection = `__schema {
	queryType { name } mutationType { name } subscriptionType { name }
	types { kind name description
		fields(includeDeprecated: true) { name description isDeprecated deprecationReason
			args { name description defaultValue type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
			type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
		inputFields { name description defaultValue type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
		interfaces { kind name } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
		possibleTypes { kind name } }
	directives { name description locations args { name description defaultValue type { kind name ofType { kind name ofType { kind name } } } } } }`

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
// longest strings under many aliases, and introspection (of the whole
// schema, and of the type with the longest descriptions).
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
		return "{" + aliases(n, fullIntrospection) + "}"
	}},
	{"AliasedTypes", 50, func(_ *costWorld, n int) string {
		return "{" + aliases(n, `__type(name: "Mutation") { name description fields { name description
			args { name description type { kind name ofType { kind name } } } type { kind name ofType { kind name } } } }`) + "}"
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
	start := time.Now()
	resp := w.do(t, request{Token: w.judge, Query: doc})
	m := measured{bytes: len(resp.Raw), took: time.Since(start), resp: resp}
	var err error
	if m.price, err = w.App.Server.Price(doc, "", nil); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHostileWorstDocument builds, for each family of expensive documents,
// the largest one the server admits, runs it against realistic data and
// checks that its answer is at most 896 KiB (max-complexity × 16 bytes) and that the statistics' lists
// hold no more than they are priced for; then it runs the largest three at
// once and checks that the heap grew by less than 256 MiB and that the
// server still answers. The figures go to the log (docs/PERFORMANCE.md
// records them).
func TestHostileWorstDocument(t *testing.T) {
	w := newCostWorld(t, nil)
	var worst string
	worstBytes := 0
	for _, d := range hostileDocuments {
		t.Run(d.name, func(t *testing.T) {
			n, doc := largestAdmitted(t, w, d)
			if n == 0 {
				t.Fatalf("%s: refused at every size", d.name)
			}
			m := measure(t, w, doc)
			t.Logf("%-22s n=%-3d price %6d  answer %7d bytes  %v", d.name, n, m.price, m.bytes, m.took)
			if len(m.resp.Errors) > 0 {
				t.Fatalf("errors: %.500v", m.resp.Errors)
			}
			// max-complexity (57344 units of about 16 bytes) bounds an
			// answer near 896 KiB.
			if m.bytes > 896<<10 {
				t.Errorf("the answer is %d bytes, over 896 KiB", m.bytes)
			}
			checkListBounds(t, m.resp.Data)
			if m.bytes > worstBytes {
				worst, worstBytes = doc, m.bytes
			}
		})
	}
	t.Run("ThreeAtOnce", func(t *testing.T) {
		if worst == "" {
			t.Skip("no document was admitted")
		}
		growth := peakHeapGrowth(func() {
			var wg sync.WaitGroup
			for i := 0; i < 3; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if r := w.do(t, request{Token: w.judge, Query: worst}); len(r.Errors) > 0 {
						t.Errorf("errors: %.300v", r.Errors)
					}
				}()
			}
			wg.Wait()
		})
		t.Logf("three of the worst document (%d bytes each) at once: heap grew by at most %d MiB", worstBytes, growth>>20)
		if growth >= 256<<20 {
			t.Errorf("the heap grew by %d MiB, over 256 MiB", growth>>20)
		}
		if res, _ := get(t, w.URL+"/healthz"); res.StatusCode != http.StatusOK {
			t.Errorf("/healthz: %d", res.StatusCode)
		}
		honestlyServed(t, w)
	})
}

// peakHeapGrowth runs f and returns how far the bytes of live and
// not-yet-swept heap objects rose above what they were before, sampled
// every millisecond while f runs.
func peakHeapGrowth(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base, peak := read(), uint64(0)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	<-sampled
	return max(peak, read(), base) - base
}

// checkListBounds fails when a histogram or a word list in data holds more
// than the cost model prices it for (judging.HistogramBound, MaxWords).
func checkListBounds(t *testing.T, data json.RawMessage) {
	t.Helper()
	bound := map[string]int{}
	for _, q := range judging.DefaultQuestions {
		bound[q.Key] = judging.HistogramBound(&q)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if q, ok := v["question"].(map[string]any); ok {
				key, _ := q["key"].(string)
				if h, _ := v["histogram"].([]any); key != "" && len(h) > bound[key] {
					t.Errorf("question %s: %d histogram buckets, priced for %d", key, len(h), bound[key])
				}
			}
			if words, _ := v["words"].([]any); len(words) > judging.MaxWords {
				t.Errorf("%d words, priced for %d", len(words), judging.MaxWords)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	walk(v)
}

// honestlyServed checks that an honest judge still gets a photo to judge
// and a page of photos.
func honestlyServed(t *testing.T, w *costWorld) {
	t.Helper()
	var out struct {
		NextPhoto *struct{ ID string }
		Photos    struct{ Nodes []struct{ ID string } }
	}
	w.gql(t, w.anonymous(t), `{ nextPhoto { id } photos(first: 12) { nodes { id thumbnailUrl } } }`, nil, &out)
	if out.NextPhoto == nil || len(out.Photos.Nodes) != 12 {
		t.Errorf("an honest judge got %+v", out)
	}
}

// wantRefusedForCost fails unless r is a refusal for the price, with the
// price and the limit in its extensions.
func wantRefusedForCost(t *testing.T, r *response, limit int) {
	t.Helper()
	if r.Status != http.StatusOK || r.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("got %d %+v; want 200 COMPLEXITY_LIMIT_EXCEEDED", r.Status, r.Errors)
	}
	cost, _ := r.ext("cost").(float64)
	if got, _ := r.ext("limit").(float64); int(got) != limit || int(cost) <= limit {
		t.Errorf("extensions %v: want cost over limit %d", r.Errors[0].Extensions, limit)
	}
	if r.Data != nil && string(r.Data) != "null" {
		t.Errorf("a refused operation answered data %s", r.Data)
	}
}

// TestHostileMegabyteQuery sends the query (a hundred photos, each
// with its poster's hundred photos and their statistics), the same through
// fragments and through nodes: refused before it runs, with its price; an
// honest judge is still served.
func TestHostileMegabyteQuery(t *testing.T) {
	e, photo := smallWorld(t)
	ids := strings.TrimSuffix(strings.Repeat(`"`+photo+`",`, 100), ",")
	for name, q := range map[string]string{
		"Inline": `{ topPhotos(questionKey: "age", first: 100) { nodes { postedBy { photos(first: 100) { nodes {
			id imageUrl stats { questions { count mean median histogram { value count } words { word count } } } } } } } } }`,
		"Fragments": `{ photos(first: 100) { nodes { ...P } } } fragment P on Photo { postedBy { photos(first: 100) { nodes { ...S } } } }
			fragment S on Photo { id imageUrl thumbnailUrl stats { questions { count mean histogram { value count } } } }`,
		"Nodes": `{ nodes(ids: [` + ids + `]) { ... on Photo { postedBy { photos(first: 100) { nodes { id imageUrl } } } } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			wantRefusedForCost(t, e.do(t, request{Query: q}), e.App.Config.MaxComplexity)
			if p := e.nextPhoto(t, e.anonymous(t)); p == nil {
				t.Error("an honest judge got no photo to judge")
			}
		})
	}
}

// smallWorld is a server with one public photo, whose id it returns;
// standings count from 3 answers.
func smallWorld(t *testing.T) (*env, string) {
	t.Helper()
	e := startEnv(t, dbtest.MustCreatePGDatabase(t), map[string]string{"FACESTAT_MIN_VOTES": "3"})
	var up struct {
		UploadPhoto struct{ Photo struct{ ID string } }
	}
	e.upload(t, e.account(t, "poster"), "p.jpg", imagetest.JPEGWithMetadata(160, 160, 1, imagetest.TopLeft), true).decode(t, &up)
	return e, up.UploadPhoto.Photo.ID
}

// TestHostileNextPhotoAliases asks for 800 photos to judge in one
// document: refused for its price before any is picked.
func TestHostileNextPhotoAliases(t *testing.T) {
	e, _ := smallWorld(t)
	judge := e.anonymous(t)
	var b strings.Builder
	for i := 0; i < 800; i++ {
		fmt.Fprintf(&b, "n%d: nextPhoto { id } ", i)
	}
	wantRefusedForCost(t, e.do(t, request{Token: judge, Query: "{" + b.String() + "}"}), e.App.Config.MaxComplexity)
	if p := e.nextPhoto(t, judge); p == nil {
		t.Error("an honest judge got no photo to judge")
	}
}

// TestHostileCursors sends junk, negative, huge and out-of-range cursors
// to every connection: each is BAD_USER_INPUT on `after` (reason
// INVALID), never INTERNAL; honest paging through each still works.
func TestHostileCursors(t *testing.T) {
	e, _ := smallWorld(t)
	owner := e.account(t, "pager")
	var ids []string
	for i := 0; i < 2; i++ {
		var up struct {
			UploadPhoto struct{ Photo struct{ ID string } }
		}
		e.upload(t, owner, "p.jpg", imagetest.JPEGWithMetadata(150+i, 150, 1, imagetest.TopLeft), true).decode(t, &up)
		ids = append(ids, up.UploadPhoto.Photo.ID)
	}
	for _, id := range ids {
		for j := 0; j < 3; j++ {
			e.gql(t, e.anonymous(t), `mutation($id: ID!, $a: [AnswerInput!]!) { castVote(input: {photoId: $id, answers: $a}) { photo { id } } }`,
				map[string]any{"id": id, "a": []map[string]any{{"questionKey": "age", "number": 30 + j}}}, &struct{}{})
		}
	}
	if err := e.App.Judging.Standings.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	var me struct {
		Viewer struct{ User struct{ ID string } }
	}
	e.gql(t, owner, `{ viewer { user { id } } }`, nil, &me)

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	someID := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	cursors := map[string]string{
		"Junk":             "!!!not a cursor!!!",
		"Empty":            "",
		"NegativeOffset":   b64("offset:-1"),
		"HugeOffset":       b64("offset:9223372036854775807"),
		"FormerOffset":     b64("offset:0"), // what topPhotos handed out before issue 15
		"OffsetOverflow":   b64("offset:99999999999999999999999"),
		"TimeBefore1970":   relay.Cursor{Time: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), ID: someID}.String(),
		"TimeAfter2200":    relay.Cursor{Time: time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC), ID: someID}.String(),
		"NegativeTime":     b64("-zzzzzzzzzzz:" + someID.String()),
		"TimeNotCanonical": b64("0" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":" + someID.String()),
		"Huge":             strings.Repeat("A", 32<<10),
	}
	connections := []struct {
		name, token, query string
		vars               map[string]any
		time               bool // the connection's own cursors are time cursors (else score cursors)
	}{
		{"Photos", "", `query($after: String) { photos(first: 1, after: $after) { pageInfo { endCursor } nodes { id } } }`, nil, true},
		{"UserPhotos", "", `query($after: String, $id: ID!) { node(id: $id) { ... on User { photos(first: 1, after: $after) { pageInfo { endCursor } nodes { id } } } } }`,
			map[string]any{"id": me.Viewer.User.ID}, true},
		{"ViewerPhotos", owner, `query($after: String) { viewer { photos(first: 1, after: $after) { pageInfo { endCursor } nodes { id } } } }`, nil, true},
		{"TopPhotos", "", `query($after: String) { topPhotos(questionKey: "age", first: 1, after: $after) { pageInfo { endCursor } nodes { id } } }`, nil, false},
	}
	for _, c := range connections {
		t.Run(c.name, func(t *testing.T) {
			foreign := map[bool]string{true: relay.ScoreCursor{Score: 1, ID: someID}.String(), false: relay.Cursor{Time: time.Now(), ID: someID}.String()}[c.time]
			for name, after := range withCursor(cursors, "Foreign", foreign) {
				vars := map[string]any{"after": after}
				for k, v := range c.vars {
					vars[k] = v
				}
				r := e.do(t, request{Token: c.token, Query: c.query, Vars: vars})
				if r.Status != http.StatusOK || r.code() != "BAD_USER_INPUT" || r.ext("field") != "after" || r.ext("reason") != "INVALID" {
					t.Errorf("%s: got %d %.300v; want BAD_USER_INPUT on after, INVALID", name, r.Status, r.Errors)
				}
			}
			// Honest paging: the first page's end cursor gives the second.
			var first any
			r := e.do(t, request{Token: c.token, Query: c.query, Vars: c.vars})
			r.decode(t, &first)
			end := findString(first, "endCursor")
			if end == "" {
				t.Fatalf("no end cursor in %s", r.Data)
			}
			vars := map[string]any{"after": end}
			for k, v := range c.vars {
				vars[k] = v
			}
			e.do(t, request{Token: c.token, Query: c.query, Vars: vars}).decode(t, &first)
		})
	}
}

// withCursor returns m with one more entry.
func withCursor(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// findString returns the first string under key anywhere in v.
func findString(v any, key string) string {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v[key].(string); ok {
			return s
		}
		for _, c := range v {
			if s := findString(c, key); s != "" {
				return s
			}
		}
	}
	return ""
}

// TestHostileOversizedInputs sends each input a stranger can make too
// large: long id lists, strings, names, aliases, tokens and variables.
// Each is refused with its code and reason (never INTERNAL) and changes
// nothing; an honest judge is still served.
func TestHostileOversizedInputs(t *testing.T) {
	e, photo := smallWorld(t)
	judge := e.anonymous(t)
	long := strings.Repeat("x", 10<<10)
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = photo
		}
		return out
	}
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	vote := `mutation($in: CastVoteInput!) { castVote(input: $in) { photo { id } } }`
	manyVars := map[string]any{}
	for i := 0; i < 3000; i++ { // within the test's 64 KiB body
		manyVars[fmt.Sprintf("v%d", i)] = i
	}
	cases := []struct {
		name                string
		req                 request
		raw                 string // a JSON body sent as is, when set
		status              int
		code, reason, field string
	}{
		{"NodesIds", request{Query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, Vars: map[string]any{"ids": ids(101)}},
			"", 200, "BAD_USER_INPUT", "OUT_OF_RANGE", "ids"},
		{"NextPhotoSkip", request{Token: judge, Query: `query($s: [ID!]) { nextPhoto(skip: $s) { id } }`, Vars: map[string]any{"s": ids(11)}},
			"", 200, "BAD_USER_INPUT", "OUT_OF_RANGE", "skip"},
		{"QuestionKey", request{Query: `query($k: String!) { topPhotos(questionKey: $k, first: 1) { nodes { id } } }`, Vars: map[string]any{"k": long}},
			"", 200, "BAD_USER_INPUT", "TOO_LONG", "questionKey"},
		{"PhotoID", request{Token: judge, Query: vote, Vars: map[string]any{"in": map[string]any{"photoId": long, "answers": []any{map[string]any{"questionKey": "age", "number": 30}}}}},
			"", 200, "BAD_USER_INPUT", "INVALID", "input.photoId"},
		{"Word", request{Token: judge, Query: vote, Vars: map[string]any{"in": map[string]any{"photoId": photo, "answers": []any{map[string]any{"questionKey": "impression", "word": long}}}}},
			"", 200, "BAD_USER_INPUT", "TOO_LONG", ""},
		{"AnswerKey", request{Token: judge, Query: vote, Vars: map[string]any{"in": map[string]any{"photoId": photo, "answers": []any{map[string]any{"questionKey": long, "number": 1}}}}},
			"", 200, "BAD_USER_INPUT", "UNKNOWN_QUESTION", ""},
		{"Handle", request{Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`, Vars: map[string]any{"in": map[string]any{"handle": long, "email": "h@example.com", "password": "correct horse battery"}}},
			"", 200, "BAD_USER_INPUT", "INVALID", "input.handle"},
		{"Email", request{Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`, Vars: map[string]any{"in": map[string]any{"handle": "someone", "email": long + "@example.com", "password": "correct horse battery"}}},
			"", 200, "BAD_USER_INPUT", "INVALID", "input.email"},
		{"Password", request{Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`, Vars: map[string]any{"in": map[string]any{"handle": "someone", "email": "s@example.com", "password": long}}},
			"", 200, "BAD_USER_INPUT", "TOO_LONG", "input.password"},
		{"SignInEmail", request{Query: `mutation($in: SignInInput!) { signIn(input: $in) { token } }`, Vars: map[string]any{"in": map[string]any{"email": long, "password": "correct horse battery"}}},
			"", 200, "UNAUTHENTICATED", "BAD_CREDENTIALS", ""},
		{"RefreshToken", request{Query: `mutation($in: RefreshSessionInput!) { refreshSession(input: $in) { token } }`, Vars: map[string]any{"in": map[string]any{"refreshToken": long}}},
			"", 200, "UNAUTHENTICATED", "TOKEN_INVALID", ""},
		{"VisibilityPhotoID", request{Token: judge, Query: `mutation($id: ID!) { setPhotoVisibility(input: {photoId: $id, public: false}) { photo { id } } }`, Vars: map[string]any{"id": long}},
			"", 200, "BAD_USER_INPUT", "INVALID", "input.photoId"},
		{"Aliases", request{Query: "{" + aliases(e.App.Config.MaxAliases+1, "serviceStatus { forced }") + "}"},
			"", 200, "GRAPHQL_VALIDATION_FAILED", "ALIAS_LIMIT_EXCEEDED", ""},
		{"AliasName", request{Query: "{ " + strings.Repeat("a", 65) + ": serviceStatus { forced } }"},
			"", 200, "GRAPHQL_VALIDATION_FAILED", "TOO_LONG", ""},
		{"OperationName", request{Query: "query " + strings.Repeat("Q", 65) + " { serviceStatus { forced } }"},
			"", 200, "GRAPHQL_VALIDATION_FAILED", "TOO_LONG", ""},
		{"Token", request{Token: "fsa_" + long, Query: `{ viewer { id } }`},
			"", 401, "UNAUTHENTICATED", "TOKEN_INVALID", ""},
		{"NestedVariable", request{}, `{"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ` + deep + `}}`,
			200, "GRAPHQL_VALIDATION_FAILED", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot(t)
			var r *response
			if c.raw != "" {
				hr, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(c.raw))
				hr.Header.Set("Content-Type", "application/json")
				r = e.send(t, hr, c.req)
			} else {
				r = e.do(t, c.req)
			}
			if r.Status != c.status || r.code() != c.code || (c.reason != "" && r.ext("reason") != c.reason) || (c.field != "" && r.ext("field") != c.field) {
				t.Errorf("got %d %.300v; want %d %s %s %s", r.Status, r.Errors, c.status, c.code, c.reason, c.field)
			}
			if len(fmt.Sprint(r.Errors)) > 4<<10 {
				t.Errorf("the refusal echoes the input: %d bytes of errors", len(fmt.Sprint(r.Errors)))
			}
			if after := e.snapshot(t); after.String() != before.String() {
				t.Errorf("state changed:\n before %v\n after  %v", before, after)
			}
		})
	}
	t.Run("ManyVariables", func(t *testing.T) {
		// Variables the operation does not declare are ignored.
		r := e.do(t, request{Query: `{ serviceStatus { forced } }`, Vars: manyVars})
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("got %d %.300v", r.Status, r.Errors)
		}
	})
	if p := e.nextPhoto(t, judge); p == nil {
		t.Error("an honest judge got no photo to judge")
	}
}
