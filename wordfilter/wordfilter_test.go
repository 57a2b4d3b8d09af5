package wordfilter_test

import (
	"testing"

	"github.com/facestat/facestat/wordfilter"
)

// TestFold: spellings that look alike fold to one stored word; a word
// wholly in another script keeps its letters.
func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Ｆｒｉｅｎｄｌｙ": "friendly",
		"FRIENDLY": "friendly",
		"friendly": "friendly",
		"jаilbait": "jailbait", // Cyrillic а among Latin letters
		"ｊａｉｌｂａｉｔ": "jailbait",
		"Straße":   "strasse", // full case folding
		"привет":   "привет",  // all Cyrillic: kept
		"Привет":   "привет",
		"café":     "café",
		"नमस्ते":   "नमस्ते",
	} {
		if got := wordfilter.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDefaultBlocks: the words, in every disguise, are refused by
// the embedded lists; clean words, and words a stem would catch by
// accident (the allow list), are not.
func TestDefaultBlocks(t *testing.T) {
	f := wordfilter.Default()
	for _, w := range []string{
		"retard", "Retarded", "RETARDS", // a stem
		"jailbait", "ｊａｉｌｂａｉｔ", "jаilbait", "JAILBAIT", // a listed word, fullwidth, a Cyrillic а
		"nigger", "faggot", // LDNOOBW whole words
		"rapist",
	} {
		if !f.Blocked(w) {
			t.Errorf("%q is not blocked", w)
		}
	}
	for _, w := range []string{"friendly", "Ｆｒｉｅｎｄｌｙ", "calm", "kind", "therapist", "scunthorpe", "grape", "assassin", "привет", "warm"} {
		if f.Blocked(w) {
			t.Errorf("%q is blocked", w)
		}
	}
}

// TestNew: whole words match only whole; stems match inside; the allow
// list wins over a stem.
func TestNew(t *testing.T) {
	f := wordfilter.New([]string{"bad"}, []string{"vile"}, []string{"servile"})
	cases := map[string]bool{"bad": true, "BAD": true, "badge": false, "vile": true, "vileness": true, "servile": false, "good": false, "": false}
	for w, want := range cases {
		if got := f.Blocked(w); got != want {
			t.Errorf("Blocked(%q) = %v, want %v", w, got, want)
		}
	}
}
