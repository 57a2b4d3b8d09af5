// Package wordfilter folds the one-word impressions judges give into one
// form per word, whatever the spelling tricks, and refuses the words that
// have no place in a description of a stranger's face.
//
// Folding (Fold) is what is stored and counted: Unicode NFKC (fullwidth and
// other compatibility forms become plain letters), full case folding
// (golang.org/x/text/cases), and, for a word that mixes Latin letters with
// look-alikes from another script (a Cyrillic "а" in "jаilbait"), those
// letters replaced by their Latin prototype from Unicode's confusables
// table (UTS #39, github.com/mtibben/confusables). A word wholly in one
// script keeps its letters, so "привет" stays readable.
//
// Matching (Filter.Blocked) compares the UTS #39 skeletons of the folded
// word and of the lists: the LDNOOBW lists as whole words, stems.txt inside
// words, allow.txt excepted (data/README.md names the sources and
// licence).
package wordfilter

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

//go:embed data/*.json data/*.txt
var data embed.FS

// Fold returns the form w is stored and counted under (see the package
// comment). It does not validate: callers check what a word may hold.
func Fold(w string) string {
	w = norm.NFKC.String(w)
	w = cases.Fold().String(w)
	w = norm.NFC.String(w)
	if !mixesLatin(w) {
		return w
	}
	var b strings.Builder
	for _, r := range w {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			if p := confusables.Skeleton(string(r)); isLatinLetters(p) {
				b.WriteString(p)
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mixesLatin reports whether w has Latin letters and letters of another
// script (the marks and digits of any script do not count).
func mixesLatin(w string) bool {
	latin, other := false, false
	for _, r := range w {
		switch {
		case !unicode.IsLetter(r):
		case unicode.Is(unicode.Latin, r):
			latin = true
		default:
			other = true
		}
	}
	return latin && other
}

func isLatinLetters(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Latin, r) || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// key is what the lists and a word are compared by: the UTS #39 skeleton
// of the folded form, case-folded again (the skeleton maps some letters to
// capitals, "l" and "I" to one).
func key(w string) string {
	return cases.Fold().String(confusables.Skeleton(Fold(w)))
}

// Filter refuses words by lists: whole words, stems inside words, and
// exceptions.
type Filter struct {
	words map[string]bool // keys of whole words
	stems []string        // keys of stems
	allow map[string]bool // keys of words never refused
}

// New returns a filter of the given lists (words as a judge would type
// them).
func New(words, stems, allow []string) *Filter {
	f := &Filter{words: map[string]bool{}, allow: map[string]bool{}}
	for _, w := range words {
		if k := key(w); k != "" {
			f.words[k] = true
		}
	}
	for _, s := range stems {
		if k := key(s); k != "" {
			f.stems = append(f.stems, k)
		}
	}
	for _, a := range allow {
		if k := key(a); k != "" {
			f.allow[k] = true
		}
	}
	return f
}

// Blocked reports whether w (as typed or as folded) is refused: its key is
// a listed word, or holds a stem and is not an exception.
func (f *Filter) Blocked(w string) bool {
	k := key(w)
	if k == "" || f.allow[k] {
		return false
	}
	if f.words[k] {
		return true
	}
	for _, s := range f.stems {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

var (
	defaultOnce   sync.Once
	defaultFilter *Filter
)

// Default returns the filter of the embedded lists (data/), built once.
// The lists are part of the binary, so a broken one fails every test
// that judges a word, not a production request.
func Default() *Filter {
	defaultOnce.Do(func() {
		f, err := load(data)
		if err != nil {
			panic(err)
		}
		defaultFilter = f
	})
	return defaultFilter
}

// load reads the lists of fsys: every data/ldnoobw-*.json (a JSON array of
// strings; phrases of several words are kept whole and never match one
// word), data/stems.txt and data/allow.txt (a word a line, # comments).
func load(fsys fs.FS) (*Filter, error) {
	var words []string
	lists, err := fs.Glob(fsys, "data/ldnoobw-*.json")
	if err != nil || len(lists) == 0 {
		return nil, fmt.Errorf("wordfilter: no word lists (%v)", err)
	}
	for _, name := range lists {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("wordfilter: %s: %w", name, err)
		}
		words = append(words, list...)
	}
	stems, err := lines(fsys, "data/stems.txt")
	if err != nil {
		return nil, err
	}
	allow, err := lines(fsys, "data/allow.txt")
	if err != nil {
		return nil, err
	}
	return New(words, stems, allow), nil
}

func lines(fsys fs.FS, name string) ([]string, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}
