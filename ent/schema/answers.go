package schema

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Answers are a vote's answers, as its JSON column holds them.
//
// The judge model's refit reads every vote of the photos it weighs, again
// each round; decoding their JSON by reflection (encoding/json) was most
// of what reading them cost (PERFORMANCE §1, eighth session). UnmarshalJSON
// reads the shape the column holds by hand and leaves anything else to
// encoding/json, so that what it decodes into an empty Answers, and every
// error, is exactly encoding/json's (FuzzAnswersUnmarshal). Into one that
// already holds answers (encoding/json decodes into the elements it finds
// there, keeping their other fields) it leaves everything to
// encoding/json. As any json.Unmarshaler, it does not see a Decoder's
// DisallowUnknownFields.
type Answers []Answer

// UnmarshalJSON implements json.Unmarshaler.
func (a *Answers) UnmarshalJSON(data []byte) error {
	if cap(*a) == 0 {
		if out, ok := parseAnswers(data); ok {
			*a = out
			return nil
		}
	}
	return json.Unmarshal(data, (*[]Answer)(a)) // encoding/json's own decoding
}

// parseAnswers reads data if it is null or an array of objects whose keys
// are "q", "n", "y" and "w", with integer, boolean, plain string (no
// escape) or null values in the places the fields take them; ok is false
// for anything else.
func parseAnswers(data []byte) (out Answers, ok bool) {
	p := answerParser{data: data}
	p.space()
	if p.literal("null") {
		p.space()
		return nil, p.i == len(p.data)
	}
	if !p.byte('[') {
		return nil, false
	}
	// Room for the answers, as many as the objects (a vote has one per
	// question), up to maxReserved: past it, they grow as they come.
	n := min(bytes.Count(data, []byte("{")), maxReserved)
	out = make(Answers, 0, n)
	p.ints, p.bools = make([]int, 0, n), make([]bool, 0, n)
	p.space()
	if p.byte(']') {
		p.space()
		return out, p.i == len(p.data)
	}
	for {
		p.space()
		var ans Answer
		if !p.object(&ans) {
			return nil, false
		}
		out = append(out, ans)
		p.space()
		switch {
		case p.byte(','):
		case p.byte(']'):
			p.space()
			return out, p.i == len(p.data)
		default:
			return nil, false
		}
	}
}

// maxReserved bounds what parseAnswers reserves before it reads (a
// string may hold any number of braces).
const maxReserved = 64

type answerParser struct {
	data []byte
	i    int
	// The answers' numbers and booleans, allocated once for all: one an
	// answer, as the column holds them.
	ints  []int
	bools []bool
}

// take returns a pointer to a new value v, from pool while it has room (a
// pointer into it stays valid: it never grows).
func take[T any](pool *[]T, v T) *T {
	if len(*pool) == cap(*pool) {
		p := new(T)
		*p = v
		return p
	}
	*pool = append(*pool, v)
	return &(*pool)[len(*pool)-1]
}

func (p *answerParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *answerParser) byte(c byte) bool {
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *answerParser) literal(s string) bool {
	if len(p.data)-p.i >= len(s) && string(p.data[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// object reads one answer's object into ans.
func (p *answerParser) object(ans *Answer) bool {
	if !p.byte('{') {
		return false
	}
	p.space()
	if p.byte('}') {
		return true
	}
	for {
		p.space()
		key, ok := p.raw()
		if !ok || len(key) != 1 {
			return false
		}
		p.space()
		if !p.byte(':') {
			return false
		}
		p.space()
		null := p.literal("null")
		switch key[0] {
		case 'q':
			if !null { // null leaves an int as it is
				n, ok := p.integer()
				if !ok {
					return false
				}
				ans.Question = n
			}
		case 'n':
			ans.Number = nil
			if !null {
				n, ok := p.integer()
				if !ok {
					return false
				}
				ans.Number = take(&p.ints, n)
			}
		case 'y':
			ans.Yes = nil
			if !null {
				var yes bool
				switch {
				case p.literal("true"):
					yes = true
				case p.literal("false"):
				default:
					return false
				}
				ans.Yes = take(&p.bools, yes)
			}
		case 'w':
			ans.Word = nil
			if !null {
				w, ok := p.raw()
				if !ok {
					return false
				}
				word := string(w)
				ans.Word = &word
			}
		default:
			return false
		}
		p.space()
		switch {
		case p.byte(','):
		case p.byte('}'):
			return true
		default:
			return false
		}
	}
}

// raw reads a string without escapes or control characters, valid
// UTF-8, and returns its bytes.
func (p *answerParser) raw() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			s := p.data[start:p.i]
			p.i++
			return s, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// integer reads -?(0|[1-9][0-9]*) that fits an int. A fraction or an
// exponent after it is refused by what object expects next.
func (p *answerParser) integer() (int, bool) {
	start := p.i
	p.byte('-')
	digits := p.i
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
	}
	if p.i == digits || (p.data[digits] == '0' && p.i-digits > 1) {
		return 0, false
	}
	n, err := strconv.Atoi(string(p.data[start:p.i]))
	return n, err == nil
}
