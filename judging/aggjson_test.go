package judging_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/facestat/facestat/judging"
	"github.com/facestat/facestat/stats"
)

// reflected is Aggregates without its MarshalJSON: what encoding/json's
// reflection writes of the same fields, the form the cache held before
// MarshalJSON and which instances of earlier releases still write.
type reflected struct {
	Version   int64                       `json:"v,omitempty"`
	Questions map[int]*stats.Aggregate    `json:"q"`
	Words     map[int][]judging.WordCount `json:"w,omitempty"`
}

// checkAggregatesJSON: MarshalJSON's output is valid JSON with the same
// structure, keys and values as reflection's, every number written as the
// same text (decoded generically with json.Number, so that a field, key or
// number written differently shows; only the order of keys may differ),
// and it reads back into Aggregates as reflection's does; or both refuse
// it. Strings are compared byte for byte by checkJSONString.
func checkAggregatesJSON(t *testing.T, a *judging.Aggregates) {
	t.Helper()
	got, err := a.MarshalJSON() // as publish calls it: json.Marshal would compact it
	var r *reflected
	if a != nil {
		r = &reflected{a.Version, a.Questions, a.Words}
	}
	want, wantErr := json.Marshal(r)
	if !sameJSON(t, got, err, want, wantErr) {
		return
	}
	var back, wantBack reflected
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &wantBack); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, wantBack) {
		t.Fatalf("read back as %+v, reflection's as %+v", back, wantBack)
	}
	if a != nil {
		for _, words := range a.Words {
			for _, w := range words {
				checkJSONString(t, w.Word)
			}
		}
	}
}

// sameJSON fails t unless MarshalJSON's got and reflection's want are
// both refused, or both valid JSON of the same structure, keys and values,
// numbers as the same text (only the order of keys may differ). It
// reports whether they were written.
func sameJSON(t *testing.T, got []byte, err error, want []byte, wantErr error) bool {
	t.Helper()
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("MarshalJSON's error %v, reflection's %v", err, wantErr)
	}
	if err != nil {
		return false
	}
	if !json.Valid(got) {
		t.Fatalf("not JSON: %s", got)
	}
	if g, w := decodeNumbers(t, got), decodeNumbers(t, want); !reflect.DeepEqual(g, w) {
		t.Fatalf("MarshalJSON wrote\n%s\nreflection\n%s", got, want)
	}
	return true
}

// decodeNumbers decodes JSON generically, numbers as their text.
func decodeNumbers(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkJSONString: a word is written byte for byte as encoding/json
// writes it (escapes and invalid UTF-8 alike).
func checkJSONString(t *testing.T, s string) {
	t.Helper()
	want, _ := json.Marshal(s)
	if got := judging.AppendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
		t.Fatalf("%q written as %s, encoding/json writes %s", s, got[1:], want)
	}
}

func TestAggregatesJSON(t *testing.T) {
	adj := 41.25
	nan := math.NaN()
	cases := map[string]*judging.Aggregates{
		"empty":     {},
		"nil":       nil,
		"no words":  {Version: 3, Questions: map[int]*stats.Aggregate{}},
		"nil parts": {Questions: map[int]*stats.Aggregate{1: nil, 2: {Count: 1}}, Words: map[int][]judging.WordCount{8: nil}},
		"weighted": {Version: 1 << 60, Questions: map[int]*stats.Aggregate{
			1:  {Count: 3, Sum: 90, SumSq: 2700, Histogram: map[int]int64{30: 3, 2: 0, 10: -1, -4: 5}, Weighted: &stats.Weighted{Weight: 2.5, NEff: 1e-9, Mean: 1e21, MeanSq: -0.1, Adjusted: &adj}},
			12: {Count: math.MaxInt64, Sum: math.MinInt64, Histogram: map[int]int64{}, Weighted: &stats.Weighted{}},
		}},
		"words": {Questions: map[int]*stats.Aggregate{}, Words: map[int][]judging.WordCount{
			8: {{"kind", 4}, {`"quoted" \ back`, 2}, {"<b>&amp;", 1}, {"naïve", 1}, {"tab\there", 1}, {"\xff\xfe bad", 1}, {"\u2028line", 1}, {"", 0}},
			3: {},
		}},
		"exponents": {Questions: map[int]*stats.Aggregate{1: {Weighted: &stats.Weighted{Weight: 1e6, NEff: 1e-5, Mean: -1e-7, MeanSq: 1e21, Adjusted: ptrTo(math.Copysign(0, -1))}},
			2: {Weighted: &stats.Weighted{Weight: 123456789.125, NEff: 9.999999e-7, Mean: 1e20, MeanSq: 5e-324, Adjusted: ptrTo(math.MaxFloat64)}}}},
		"NaN":      {Questions: map[int]*stats.Aggregate{1: {Weighted: &stats.Weighted{Mean: nan}}}},
		"infinite": {Questions: map[int]*stats.Aggregate{1: {Weighted: &stats.Weighted{Adjusted: ptrTo(math.Inf(-1))}}}},
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) { checkAggregatesJSON(t, a) })
	}
	if _, err := cases["NaN"].MarshalJSON(); err == nil {
		t.Error("a NaN marshalled")
	}

	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		checkAggregatesJSON(t, randomAggregates(r))
	}
}

func ptrTo[T any](v T) *T { return &v }

// randomAggregates is a photo's aggregates of the shapes votes make:
// histograms of up to 100 values, YES_NO aggregates without one, weighted
// or not, and word lists.
func randomAggregates(r *rand.Rand) *judging.Aggregates {
	a := &judging.Aggregates{Version: r.Int64N(1000), Questions: map[int]*stats.Aggregate{}}
	for q := range r.IntN(9) {
		g := &stats.Aggregate{Count: r.Int64N(1e6), Sum: r.Int64N(1e8), SumSq: r.Int64()}
		if r.IntN(3) > 0 {
			g.Histogram = map[int]int64{}
			for range r.IntN(100) {
				g.Histogram[r.IntN(100)+1] = r.Int64N(1000)
			}
		}
		if r.IntN(2) == 0 {
			g.Weighted = &stats.Weighted{Weight: r.Float64() * 1e4, NEff: r.Float64() * 100, Mean: r.NormFloat64() * 50, MeanSq: r.ExpFloat64()}
			if r.IntN(2) == 0 {
				g.Weighted.Adjusted = ptrTo(r.Float64())
			}
		}
		a.Questions[q*10+1] = g
	}
	if r.IntN(2) == 0 {
		a.Words = map[int][]judging.WordCount{}
		for range r.IntN(20) {
			a.Words[80] = append(a.Words[80], judging.WordCount{Word: string(rune('a' + r.IntN(26))), Count: r.Int64N(50)})
		}
	}
	return a
}

// FuzzAggregatesJSON: any word, count and figure is written as reflection
// writes it (checkAggregatesJSON).
func FuzzAggregatesJSON(f *testing.F) {
	f.Add("kind", int64(3), int64(30), 0.5, 2.5, 1e-9, 1e21, int64(7))
	f.Add("<\"\\\x00\xff>\u2028&", int64(-1), int64(0), 0.25, 0.0, -1e-7, 1e6, int64(0))
	f.Add("x", int64(1), int64(1), math.Inf(1), 1.0, 1.0, 1.0, int64(1))
	f.Fuzz(func(t *testing.T, word string, count, value int64, mean, weight, neff, meanSq float64, version int64) {
		a := &judging.Aggregates{Version: version, Questions: map[int]*stats.Aggregate{
			int(value % 1000): {Count: count, Sum: value, SumSq: value * value, Histogram: map[int]int64{int(value): count},
				Weighted: &stats.Weighted{Weight: weight, NEff: neff, Mean: mean, MeanSq: meanSq, Adjusted: &mean}},
		}, Words: map[int][]judging.WordCount{int(count % 100): {{Word: word, Count: count}}}}
		checkAggregatesJSON(t, a)
		checkJSONString(t, word)
	})
}

// reflectedSnapshot is Snapshot's travelling fields without its
// MarshalJSON, its aggregates reflected too.
type reflectedSnapshot struct {
	PhotoID    uuid.UUID  `json:"photo"`
	OwnerID    uuid.UUID  `json:"owner"`
	Public     bool       `json:"public"`
	Active     bool       `json:"active"`
	VoteCount  int        `json:"votes"`
	Deleted    bool       `json:"deleted,omitempty"`
	Version    int64      `json:"version"`
	UpdatedAt  *time.Time `json:"updated,omitempty"`
	Aggregates *reflected `json:"aggregates"`
}

// TestSnapshotJSON: a snapshot is written as reflection writes it (numbers
// as the same text, keys in any order) and reads back into a Snapshot as
// reflection's does; or both refuse it.
func TestSnapshotJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	updated := time.Date(2026, 12, 6, 21, 30, 1, 123456789, time.FixedZone("", 3600))
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // JSON's times end at year 9999
	cases := map[string]*judging.Snapshot{
		"fresh":     {PhotoID: uuid.New(), OwnerID: uuid.New(), Public: true, Active: true, VoteCount: 812, Version: 9, UpdatedAt: &updated, Aggregates: randomAggregates(r)},
		"tombstone": {PhotoID: uuid.New(), OwnerID: uuid.New(), Deleted: true, Version: math.MaxInt64},
		"no time":   {PhotoID: uuid.New(), VoteCount: -1, Aggregates: &judging.Aggregates{}},
		"late":      {UpdatedAt: &late, Aggregates: &judging.Aggregates{}},
		"NaN":       {Aggregates: &judging.Aggregates{Questions: map[int]*stats.Aggregate{1: {Weighted: &stats.Weighted{NEff: math.NaN()}}}}},
	}
	for range 100 {
		u := updated.Add(time.Duration(r.Int64N(1e15)))
		cases[fmt.Sprint("random ", len(cases))] = &judging.Snapshot{PhotoID: uuid.New(), OwnerID: uuid.New(), Public: r.IntN(2) == 0,
			Active: r.IntN(2) == 0, VoteCount: r.IntN(1e6), Version: r.Int64(), UpdatedAt: &u, Aggregates: randomAggregates(r)}
	}
	for name, snap := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := snap.MarshalJSON() // as redis.Bus calls it
			var aggs *reflected
			if a := snap.Aggregates; a != nil {
				aggs = &reflected{a.Version, a.Questions, a.Words}
			}
			want, wantErr := json.Marshal(reflectedSnapshot{snap.PhotoID, snap.OwnerID, snap.Public, snap.Active, snap.VoteCount,
				snap.Deleted, snap.Version, snap.UpdatedAt, aggs})
			if !sameJSON(t, got, err, want, wantErr) {
				return
			}
			for _, raw := range [][]byte{got, want} { // the bus reads the ids of both
				if p, o, ok := judging.SnapshotIDs(string(raw)); !ok || p != snap.PhotoID || o != snap.OwnerID {
					t.Fatalf("SnapshotIDs(%.120s) = %v, %v, %v; want %v, %v", raw, p, o, ok, snap.PhotoID, snap.OwnerID)
				}
			}
			var back, wantBack judging.Snapshot
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &wantBack); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, &wantBack) {
				t.Fatalf("read back as %+v, reflection's as %+v", &back, &wantBack)
			}
		})
	}
}

// TestSnapshotIDsRefuses: any text but the two ids first, in
// MarshalJSON's order and form, is left to the whole decoding.
func TestSnapshotIDsRefuses(t *testing.T) {
	p, o := uuid.New().String(), uuid.New().String()
	for _, raw := range []string{
		"", "{", `{"photo":"` + p, `{"photo":"` + p + `"`, `{"photo":"` + p + `","owner":"` + o,
		`{"owner":"` + o + `","photo":"` + p + `"}`,  // another order
		`{ "photo":"` + p + `","owner":"` + o + `"}`, // another spacing
		`{"photo":"` + p[:35] + `x","owner":"` + o + `"}`,
		`{"photo":"` + p + `","owner":"` + o + `x"}`,
		(`{"photo":"` + p + `","owner":"` + o + `",`)[:len(p)+30], // cut in the owner
		`{"photo":"urn:uuid:` + p + `","owner":"` + o + `"}`,
	} {
		if gp, go_, ok := judging.SnapshotIDs(raw); ok {
			t.Errorf("SnapshotIDs(%q) = %v, %v, true; want false", raw, gp, go_)
		}
	}
}

// BenchmarkAggregatesJSON: a photo's aggregates of the default survey after
// many votes (an age histogram of 60 values, a 1-10 scale, five YES_NO
// questions, weighted, and 20 words), written by json.Marshal (through
// MarshalJSON), by AppendJSON into a reused buffer, and by encoding/json's reflection; and
// a snapshot holding them, by its MarshalJSON and by reflection.
func BenchmarkAggregatesJSON(b *testing.B) {
	a := &judging.Aggregates{Version: 812, Questions: map[int]*stats.Aggregate{}, Words: map[int][]judging.WordCount{}}
	w := &stats.Weighted{Weight: 512.25, NEff: 498.5, Mean: 31.4159, MeanSq: 1021.75, Adjusted: ptrTo(30.875)}
	age := map[int]int64{}
	for v := 15; v < 75; v++ {
		age[v] = int64(v)
	}
	scale := map[int]int64{}
	for v := 1; v <= 10; v++ {
		scale[v] = int64(v * 3)
	}
	a.Questions[1] = &stats.Aggregate{Count: 900, Sum: 27000, SumSq: 900000, Histogram: age, Weighted: w}
	a.Questions[2] = &stats.Aggregate{Count: 900, Sum: 5400, SumSq: 36000, Histogram: scale, Weighted: w}
	for q := 3; q <= 7; q++ {
		a.Questions[q] = &stats.Aggregate{Count: 900, Sum: 600, SumSq: 600, Weighted: w}
	}
	a.Questions[8] = &stats.Aggregate{Count: 900}
	for i := range judging.MaxWords {
		a.Words[8] = append(a.Words[8], judging.WordCount{Word: "word" + string(rune('a'+i)), Count: int64(100 - i)})
	}
	b.Run("json.Marshal", func(b *testing.B) { // MarshalJSON, then json.Marshal scans its output
		for b.Loop() {
			if _, err := json.Marshal(a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			var err error
			if buf, err = a.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reflection", func(b *testing.B) {
		r := reflected{a.Version, a.Questions, a.Words}
		for b.Loop() {
			if _, err := json.Marshal(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	now := time.Now()
	snap := &judging.Snapshot{PhotoID: uuid.New(), OwnerID: uuid.New(), Public: true, Active: true, VoteCount: 900, Version: 812, UpdatedAt: &now, Aggregates: a}
	b.Run("Snapshot.MarshalJSON", func(b *testing.B) {
		for b.Loop() {
			if _, err := snap.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Snapshot reflection", func(b *testing.B) {
		r := reflectedSnapshot{snap.PhotoID, snap.OwnerID, true, true, 900, false, 812, &now, &reflected{a.Version, a.Questions, a.Words}}
		for b.Loop() {
			if _, err := json.Marshal(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
