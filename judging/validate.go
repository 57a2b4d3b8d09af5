package judging

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/facestat/facestat"
	"github.com/facestat/facestat/ent/question"
	"github.com/facestat/facestat/ent/schema"
	"github.com/facestat/facestat/wordfilter"
)

// AnswerInput is one answer as a client sends it: a question key and the
// one value field that fits the question's kind.
type AnswerInput struct {
	QuestionKey string
	Number      *int
	Yes         *bool
	Word        *string
}

// MaxWordLen is the longest one-word impression, in letters.
const MaxWordLen = 24

// Validate checks every answer against its question and returns them in
// stored form. Errors are BAD_USER_INPUT naming the offending argument,
// e.g. field input.answers[2].number with reason OUT_OF_RANGE, or
// input.answers[0].questionKey with reason UNKNOWN_QUESTION.
func (s *Survey) Validate(inputs []AnswerInput) ([]schema.Answer, error) {
	if len(inputs) == 0 {
		return nil, facestat.InputError("input.answers", facestat.ReasonInvalid, "answer at least one question")
	}
	if len(inputs) > len(s.Active()) {
		return nil, facestat.InputError("input.answers", facestat.ReasonOutOfRange, "at most %d answers, one per question", len(s.Active()))
	}
	out := make([]schema.Answer, len(inputs))
	seen := make(map[int]bool, len(inputs))
	for i, in := range inputs {
		at := answerPath(i)
		q, ok := s.ByKey(in.QuestionKey)
		if !ok || q.Retired {
			return nil, facestat.InputError(at+".questionKey", facestat.ReasonUnknownQuestion, "there is no question %q", truncate(in.QuestionKey, 40))
		}
		if seen[q.ID] {
			return nil, facestat.InputError(at+".questionKey", facestat.ReasonInvalid, "question %q is answered twice", q.Key)
		}
		seen[q.ID] = true
		set := 0
		for _, isSet := range []bool{in.Number != nil, in.Yes != nil, in.Word != nil} {
			if isSet {
				set++
			}
		}
		a := schema.Answer{Question: q.ID}
		switch q.Kind {
		case question.KindNUMBER, question.KindSCALE:
			if in.Number == nil || set != 1 {
				return nil, facestat.InputError(at+".number", facestat.ReasonInvalid, "question %q takes a number, and only a number", q.Key)
			}
			if (q.Min != nil && *in.Number < *q.Min) || (q.Max != nil && *in.Number > *q.Max) {
				return nil, facestat.InputError(at+".number", facestat.ReasonOutOfRange, "question %q takes a number from %d to %d", q.Key, deref(q.Min), deref(q.Max))
			}
			a.Number = in.Number
		case question.KindYES_NO:
			if in.Yes == nil || set != 1 {
				return nil, facestat.InputError(at+".yes", facestat.ReasonInvalid, "question %q takes yes or no, and only that", q.Key)
			}
			a.Yes = in.Yes
		case question.KindWORD:
			if in.Word == nil || set != 1 {
				return nil, facestat.InputError(at+".word", facestat.ReasonInvalid, "question %q takes one word, and only that", q.Key)
			}
			w, err := NormaliseWord(*in.Word)
			if err == nil && wordfilter.Default().Blocked(w) {
				err = &facestat.Error{Code: facestat.BadUserInput, Reason: facestat.ReasonBlockedWord,
					Message: "that word is not allowed here; choose another"}
			}
			if err != nil {
				err.Field = at + ".word"
				return nil, err
			}
			a.Word = &w
		}
		out[i] = a
	}
	return out, nil
}

// NormaliseWord trims a one-word impression, folds it (wordfilter.Fold:
// compatibility forms, case, look-alike letters of another script among
// Latin ones), so that one word is stored and counted once whatever its
// spelling, and checks it is 1 to MaxWordLen letters (any script, with their combining marks, as
// in "नमस्ते") and nothing else. Marks do not count towards the length;
// the stored form is at most 4*MaxWordLen*2 bytes.
func NormaliseWord(w string) (string, *facestat.Error) {
	tooLong := func() *facestat.Error {
		return &facestat.Error{Code: facestat.BadUserInput, Reason: facestat.ReasonTooLong, Message: fmt.Sprintf("one word of at most %d letters", MaxWordLen)}
	}
	if len(w) > 1024 {
		return "", tooLong()
	}
	w = wordfilter.Fold(strings.TrimSpace(w))
	letters := 0
	for i, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.In(r, unicode.Mn, unicode.Mc) && i > 0: // a mark on the letter before it
		default:
			return "", &facestat.Error{Code: facestat.BadUserInput, Reason: facestat.ReasonInvalid, Message: "one word, letters only"}
		}
	}
	if letters == 0 {
		return "", &facestat.Error{Code: facestat.BadUserInput, Reason: facestat.ReasonInvalid, Message: "one word, letters only"}
	}
	if letters > MaxWordLen || len(w) > 8*MaxWordLen {
		return "", tooLong()
	}
	return w, nil
}

// answerPath is the path of the i'th answer in an error's field,
// "input.answers[i]".
func answerPath(i int) string {
	return "input.answers[" + strconv.Itoa(i) + "]"
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
