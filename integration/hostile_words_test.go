package integration_test

import (
	"testing"

	"github.com/facestat/facestat/cache"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/relay"
)

// TestHostileBlockedWords: a judge who describes a face with a slur, in
// any disguise (fullwidth letters, a Cyrillic "а" among Latin ones,
// capitals, a longer word around a stem), is refused at castVote with
// BAD_USER_INPUT, reason BLOCKED_WORD, on the word's field, and nothing is
// stored, so the judge can choose another word; a clean word is stored
// and shown, and "Ｆｒｉｅｎｄｌｙ" and "friendly" count as one word. A blocked
// word stored before the lists named it (written into the table here) is
// never shown.
func TestHostileBlockedWords(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "worded")
		id := e.photos(t, owner, 1)[0]
		word := func(w string) *response {
			return e.do(t, request{Token: e.anonymous(t), Query: `mutation($id: ID!, $a: [AnswerInput!]!) {
				castVote(input: {photoId: $id, answers: $a}) { photo { voteCount } } }`,
				Vars: map[string]any{"id": id, "a": []map[string]any{{"questionKey": "impression", "word": w}}}})
		}
		for _, w := range []string{"retard", "Retarded", "ｊａｉｌｂａｉｔ", "jаilbait", "JAILBAIT", "nigger"} {
			r := word(w)
			if r.code() != "BAD_USER_INPUT" || r.ext("reason") != "BLOCKED_WORD" || r.ext("field") != "input.answers[0].word" {
				t.Errorf("%q: %+v, want BAD_USER_INPUT, BLOCKED_WORD on input.answers[0].word", w, r.Errors)
			}
		}
		for _, w := range []string{"Ｆｒｉｅｎｄｌｙ", "friendly", "FRIENDLY", "therapist"} {
			if r := word(w); len(r.Errors) > 0 {
				t.Fatalf("%q refused: %+v", w, r.Errors)
			}
		}
		// A word stored before the lists named it.
		_, photo, _ := relay.ParseID(id)
		q, err := e.App.DB.Question.Query().Where(question.Key("impression")).Only(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := e.App.DB.PhotoWord.Create().SetPhotoID(photo).SetQuestionID(q.ID).SetWord("jailbait").SetCount(9).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		if e.App.Cache != nil {
			e.App.Cache.Delete(t.Context(), cache.StatsKey(photo)) // read from the table again, as after a restart
		}
		var out struct{ Photo judgedPhoto }
		e.gql(t, owner, `query($id: ID!) { photo(id: $id) { `+statsFields+` } }`, map[string]any{"id": id}, &out)
		words := out.Photo.question(t, "impression").Words
		got := map[string]int{}
		for _, w := range words {
			got[w.Word] = w.Count
		}
		if got["friendly"] != 3 || got["therapist"] != 1 || len(got) != 2 {
			t.Errorf("words shown: %v; want friendly 3 (three spellings, one word) and therapist 1, nothing blocked", got)
		}
		if out.Photo.VoteCount != 4 {
			t.Errorf("%d votes stored, want the 4 clean ones", out.Photo.VoteCount)
		}
	})
}
