package schema_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/facestat/facestat/ent/schema"
)

// answerSeeds: what the column holds (PostgreSQL's jsonb writes a space
// after each colon and comma, and sorts keys; SQLite keeps encoding/json's
// text), and what the hand-written path must leave to encoding/json.
var answerSeeds = []string{
	`[{"n": 30, "q": 1}, {"n": 4, "q": 2}, {"q": 3, "y": true}, {"q": 4, "y": false}, {"q": 5, "w": "happy"}]`,
	`[{"q":1,"n":30},{"q":3,"y":true},{"q":5,"w":"grüße"}]`,
	`[]`, `null`, ` [ ] `, `[{}]`, `[{"q": 1}]`, `[{"q": -0}]`, `[{"q": 9223372036854775807}]`,
	`[{"q": 9223372036854775808}]`, `[{"q": 1, "q": 2, "n": 3, "n": null}]`, `[{"q": null, "y": null, "w": null}]`,
	`[{"y": true, "y": null}]`, `[{"w": "a", "w": null}]`, `[{"q": 2, "q": null}]`,
	`[{"Q": 1}]`, `[{"q": 1.0}]`, `[{"q": 1e2}]`, `[{"q": 01}]`, `[{"q": "1"}]`, `[{"w": "a\"b"}]`, `[{"w": "\u00e9"}]`,
	`[{"w": "a` + "\xff" + `"}]`, `[{"x": 1}]`, `[null]`, `[1]`, `{}`, `[{"q": 1}] x`, `[{"q": 1},]`, `[{"q": 1}`,
	`[{"q": -}]`, `[{"y": tru}]`, `[{"w": "tab` + "\t" + `"}]`, "\t[\n{\"q\"\r:\n2}\n]\n", ``, `[{"q": 1} {"q": 2}]`,
}

// FuzzAnswersUnmarshal: Answers' own decoding gives exactly what
// encoding/json gives for []Answer, value and error alike, whatever the
// input.
func FuzzAnswersUnmarshal(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []schema.Answer
		wantErr := json.Unmarshal(data, &want)
		var got schema.Answers
		gotErr := json.Unmarshal(data, &got)
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Fatalf("%q: encoding/json: %v; Answers: %v", data, wantErr, gotErr)
		}
		if wantErr == nil && !reflect.DeepEqual(schema.Answers(want), got) {
			t.Fatalf("%q: encoding/json: %s; Answers: %s", data, show(want), show(got))
		}
		// Called directly, without encoding/json's check of the input
		// first: an error wherever encoding/json has one, else its value.
		var direct schema.Answers
		err := direct.UnmarshalJSON(data)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: encoding/json: %v; UnmarshalJSON: %v", data, wantErr, err)
		}
		if err == nil && !reflect.DeepEqual(schema.Answers(want), direct) {
			t.Fatalf("%q: encoding/json: %s; UnmarshalJSON: %s", data, show(want), show(direct))
		}
		// Into answers already there: encoding/json decodes into the
		// elements it finds, and so must Answers.
		n := 5
		wantOld := []schema.Answer{{Question: 1, Number: &n}, {Question: 2}}
		wantErr = json.Unmarshal(data, &wantOld)
		m := 5
		gotOld := schema.Answers{{Question: 1, Number: &m}, {Question: 2}}
		gotErr = json.Unmarshal(data, &gotOld)
		if (wantErr == nil) != (gotErr == nil) || (wantErr == nil && !reflect.DeepEqual(schema.Answers(wantOld), gotOld)) {
			t.Fatalf("%q into answers: encoding/json: %s, %v; Answers: %s, %v", data, show(wantOld), wantErr, show(gotOld), gotErr)
		}
	})
}

// show renders answers with their pointers' values.
func show(as []schema.Answer) string {
	b, _ := json.Marshal(as)
	return string(b)
}

// TestAnswersTakesTheFastPath: the column's own text is decoded by hand,
// not left to encoding/json (whose result is the same, but at several
// times the cost: BenchmarkAnswersUnmarshal).
func TestAnswersTakesTheFastPath(t *testing.T) {
	for _, s := range answerSeeds[:2] {
		if !schema.ParsesByHand([]byte(s)) {
			t.Errorf("%s: left to encoding/json", s)
		}
	}
}

func BenchmarkAnswersUnmarshal(b *testing.B) {
	data := []byte(answerSeeds[0])
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var as []schema.Answer
			if err := json.Unmarshal(data, &as); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Answers", func(b *testing.B) {
		for b.Loop() {
			var as schema.Answers
			if err := json.Unmarshal(data, &as); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAnswersParse(b *testing.B) {
	data := []byte(answerSeeds[0])
	for b.Loop() {
		var as schema.Answers
		if err := as.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}
