package judging

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/facestat/facestat/stats"
)

// MarshalJSON writes a's JSON, the cache's form of a photo's aggregates
// (cache.StatsKey), which json.Unmarshal reads back into Aggregates. It is
// byte for byte what encoding/json's reflection writes, fields, numbers
// and strings alike, except that map keys come in numeric order rather
// than sorted as text; written by hand because every vote batch writes
// each photo's aggregates to the cache (publish), and reflection, with a
// histogram's keys turned to text and sorted, costs about four times as
// much (BenchmarkAggregatesJSON).
func (a *Aggregates) MarshalJSON() ([]byte, error) {
	return a.AppendJSON(make([]byte, 0, 1024))
}

// errNotFinite is json.Marshal's refusal of NaN and the infinities, which
// JSON cannot write.
var errNotFinite = errors.New("judging: aggregates hold a number JSON cannot write (NaN or infinite)")

// AppendJSON appends a's JSON (see MarshalJSON) to b; null for a nil a.
// On an error it returns b as it was.
func (a *Aggregates) AppendJSON(b []byte) ([]byte, error) {
	if a == nil {
		return append(b, "null"...), nil
	}
	n := len(b)
	b = append(b, '{')
	if a.Version != 0 {
		b = append(b, `"v":`...)
		b = strconv.AppendInt(b, a.Version, 10)
		b = append(b, ',')
	}
	b = append(b, `"q":`...)
	b, err := appendIntMap(b, a.Questions, appendAggregate)
	if err != nil {
		return b[:n], err
	}
	if len(a.Words) > 0 {
		b = append(b, `,"w":`...)
		b, _ = appendIntMap(b, a.Words, appendWords)
	}
	return append(b, '}'), nil
}

// appendAggregate appends one stats.Aggregate as encoding/json writes it.
func appendAggregate(b []byte, g *stats.Aggregate) ([]byte, error) {
	if g == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"Count":`...)
	b = strconv.AppendInt(b, g.Count, 10)
	b = append(b, `,"Sum":`...)
	b = strconv.AppendInt(b, g.Sum, 10)
	b = append(b, `,"SumSq":`...)
	b = strconv.AppendInt(b, g.SumSq, 10)
	b = append(b, `,"Histogram":`...)
	b, _ = appendIntMap(b, g.Histogram, func(b []byte, n int64) ([]byte, error) { return strconv.AppendInt(b, n, 10), nil })
	if w := g.Weighted; w != nil {
		for _, f := range [...]float64{w.Weight, w.NEff, w.Mean, w.MeanSq} {
			if !finite(f) {
				return b, errNotFinite
			}
		}
		if w.Adjusted != nil && !finite(*w.Adjusted) {
			return b, errNotFinite
		}
		b = append(b, `,"wt":{"w":`...)
		b = appendFloat(b, w.Weight)
		b = append(b, `,"e":`...)
		b = appendFloat(b, w.NEff)
		b = append(b, `,"m":`...)
		b = appendFloat(b, w.Mean)
		b = append(b, `,"s":`...)
		b = appendFloat(b, w.MeanSq)
		if w.Adjusted != nil {
			b = append(b, `,"a":`...)
			b = appendFloat(b, *w.Adjusted)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendWords appends a word list (nil: null).
func appendWords(b []byte, words []WordCount) ([]byte, error) {
	if words == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, w := range words {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"w":`...)
		b = appendString(b, w.Word)
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, w.Count, 10)
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendIntMap appends m as a JSON object (nil: null), its keys quoted
// as encoding/json quotes integer keys but in numeric order, each value
// appended by value.
func appendIntMap[V any](b []byte, m map[int]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '{')
	for i, k := range sortedInts(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, '"', ':')
		var err error
		if b, err = value(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendFloat appends a finite f as encoding/json writes a float64: the
// shortest decimal that reads back as f, in exponent form only below
// 1e-6 or from 1e21 on, with a one-digit negative exponent unpadded.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-07 → e-7
		b = b[:n-1]
	}
	return b
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendString appends s as encoding/json writes a string. A word of
// printable ASCII without the characters encoding/json escapes (most
// words) is written as it is; any other goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// sortedInts returns m's keys in increasing order.
func sortedInts[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SnapshotIDs reads the photo and the owner of a snapshot's JSON as
// MarshalJSON writes it (and reflection did before it): the first two
// members, in that order. ok is false for any other text, which the
// caller then decodes whole; the bus uses it to drop, undecoded, the
// snapshots of photos nobody on the instance follows.
func SnapshotIDs(raw string) (photo, owner uuid.UUID, ok bool) {
	const p, o, idLen = `{"photo":"`, `","owner":"`, 36
	rest, found := strings.CutPrefix(raw, p)
	if !found || len(rest) < idLen {
		return photo, owner, false
	}
	photo, err := uuid.Parse(rest[:idLen])
	if err != nil {
		return photo, owner, false
	}
	if rest, found = strings.CutPrefix(rest[idLen:], o); !found || len(rest) < idLen+1 || rest[idLen] != '"' {
		return photo, owner, false
	}
	if owner, err = uuid.Parse(rest[:idLen]); err != nil {
		return photo, owner, false
	}
	return photo, owner, true
}

// MarshalJSON writes s as encoding/json's reflection writes it (the form
// the live-results bus carries between instances, redis.Bus), with its
// aggregates written by Aggregates.AppendJSON: reflection would also scan
// their JSON again, as it does every Marshaler's output.
func (s *Snapshot) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 1536)
	b = append(b, `{"photo":"`...)
	b = append(b, s.PhotoID.String()...)
	b = append(b, `","owner":"`...)
	b = append(b, s.OwnerID.String()...)
	b = append(b, `","public":`...)
	b = strconv.AppendBool(b, s.Public)
	b = append(b, `,"active":`...)
	b = strconv.AppendBool(b, s.Active)
	b = append(b, `,"votes":`...)
	b = strconv.AppendInt(b, int64(s.VoteCount), 10)
	if s.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	if s.UpdatedAt != nil {
		t, err := s.UpdatedAt.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, `,"updated":`...)
		b = append(b, t...)
	}
	b = append(b, `,"aggregates":`...)
	b, err := s.Aggregates.AppendJSON(b)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}
