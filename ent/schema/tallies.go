package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Tallies are a photo's running raw figures per question, by question id:
// the count of its answers, their sum and their sum of squares (a YES_NO
// answer counts 1 for yes and 0 for no). One row a photo holds them all
// (PhotoTally), so that a vote batch writes one row a photo where it wrote
// one per question answered (PERFORMANCE §1, ninth session).
type Tallies map[int]Tally

// Tally is one question's count, sum and sum of squares, as the JSON
// column holds them: [count, sum, sum_sq].
type Tally [3]int64

// Add adds o to t, question by question.
func (t Tallies) Add(o Tallies) {
	for q, x := range o {
		y := t[q]
		t[q] = Tally{y[0] + x[0], y[1] + x[1], y[2] + x[2]}
	}
}

// AddTalliesFunc is the SQL function that adds two tallies' JSON (a
// column's and a batch's), question by question: a PostgreSQL function
// made by a migration, and on SQLite AddTalliesJSON, registered by package
// db.
const AddTalliesFunc = "facestat_add_tallies"

// AddTalliesJSON is AddTalliesFunc on SQLite: a + b, each the JSON text of
// Tallies or nil (none yet).
func AddTalliesJSON(a, b []byte) ([]byte, error) {
	sum := Tallies{}
	for _, raw := range [][]byte{a, b} {
		if raw == nil {
			continue
		}
		var t Tallies
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", AddTalliesFunc, err)
		}
		sum.Add(t)
	}
	return json.Marshal(sum)
}

// AppendJSON appends t as the column holds it, questions in order.
func (t Tallies) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, q := range slices.Sorted(maps.Keys(t)) {
		if i > 0 {
			b = append(b, ',')
		}
		x := t[q]
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(q), 10)
		b = append(b, `":[`...)
		b = strconv.AppendInt(b, x[0], 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, x[1], 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, x[2], 10)
		b = append(b, ']')
	}
	return append(b, '}')
}
