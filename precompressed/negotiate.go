package precompressed

import "strings"

// Weights are qvalues in ten-thousandths: 0..10000 for the thousandths a
// qvalue can have, times ten, which leaves 1 for identity's implicit
// "acceptable, but only if nothing named is".
const (
	notNamed         = -1
	implicitIdentity = 1
)

// preference is the server's order among codings of equal weight: the
// smallest first.
var preference = [...]Encoding{Brotli, Gzip, Identity}

// negotiate picks the representation to send for the Accept-Encoding
// field values (RFC 9110, 12.5.3) among those the resource has:
//
//   - no Accept-Encoding field: identity (a client that does not ask may
//     not decode);
//   - otherwise the coding of the highest weight, br before gzip before
//     identity when weights are equal; "*" weighs every coding not named;
//     x-gzip is gzip; a coding named twice takes its lower weight; an
//     element with a malformed qvalue is ignored;
//   - identity is acceptable, below every coding named with a weight
//     above 0, unless refused by "identity;q=0", or by "*;q=0" without an
//     entry for identity (an empty field accepts identity only);
//
// and false when every representation is refused.
func negotiate(values []string, have *[numEncodings]bool) (Encoding, bool) {
	if len(values) == 0 {
		return Identity, true
	}
	q := [numEncodings]int{notNamed, notNamed, notNamed}
	star := notNamed
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v, _ = strings.Cut(v, ",")
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.TrimSpace(coding)
			if coding == "" {
				continue
			}
			w, ok := weight(params)
			if !ok {
				continue
			}
			// By length first: this runs for every request.
			switch len(coding) {
			case 1:
				if coding == "*" {
					lower(&star, w)
				}
			case 2:
				if asciiEqualFold(coding, "br") {
					lower(&q[Brotli], w)
				}
			case 4, 6:
				if asciiEqualFold(coding, "gzip") || asciiEqualFold(coding, "x-gzip") {
					lower(&q[Gzip], w)
				}
			case 8:
				if asciiEqualFold(coding, "identity") {
					lower(&q[Identity], w)
				}
			}
		}
	}
	best, bestW := Identity, 0
	for _, e := range preference {
		if !have[e] {
			continue
		}
		w := q[e]
		if w == notNamed {
			w = star
		}
		if w == notNamed && e == Identity {
			w = implicitIdentity
		}
		if w > bestW {
			best, bestW = e, w
		}
	}
	return best, bestW > 0
}

// asciiEqualFold compares s with lower, a lower-case ASCII word, ignoring
// ASCII case (content codings are ASCII tokens).
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func lower(slot *int, w int) {
	if *slot == notNamed || w < *slot {
		*slot = w
	}
}

// weight is the weight of an element's parameters (what follows its first
// ";"): its q parameter times ten, 10000 without one; false when the
// qvalue is malformed.
func weight(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
			return qvalue(strings.TrimSpace(val))
		}
	}
	return 10000, true
}

// qvalue parses ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) into
// ten-thousandths.
func qvalue(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	v := int(s[0]-'0') * 1000
	frac := s[1:]
	if frac != "" {
		if frac[0] != '.' || len(frac) > 4 {
			return 0, false
		}
		mult := 100
		for i := 1; i < len(frac); i++ {
			c := frac[i]
			if c < '0' || c > '9' || (v == 1000 && c != '0') {
				return 0, false
			}
			v += int(c-'0') * mult
			mult /= 10
		}
	}
	return v * 10, true
}

// noneMatch reports whether the If-None-Match field values name etag (a
// quoted strong tag) by the weak comparison (W/ ignored), or are "*".
func noneMatch(values []string, etag string) bool {
	for _, v := range values {
		for {
			v = strings.TrimLeft(v, " \t,")
			if v == "" {
				break
			}
			if v[0] == '*' {
				return true
			}
			v = strings.TrimPrefix(v, "W/")
			if v == "" || v[0] != '"' {
				break // malformed: nothing more to read in this value
			}
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				break
			}
			if v[:end+2] == etag {
				return true
			}
			v = v[end+2:]
		}
	}
	return false
}
