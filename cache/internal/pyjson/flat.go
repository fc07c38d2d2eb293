package pyjson

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// ScanFlat reads data in one pass, without allocating, as a JSON object
// whose keys are free of escapes and whose values are all strings of
// printable ASCII (escapes allowed): the shape of every record the
// Python service and the cache write. It calls each with every key and
// value in turn, as written, and stops when each returns false. It
// reports whether data has that shape and each accepted every member;
// for false, read data with encoding/json or [DecodeObject], which take
// any JSON. Where it reports true, each value unquoted with
// [AppendUnquoted] is what encoding/json reads (the last of a repeated key
// wins there too).
func ScanFlat(data []byte, each func(key, value []byte) bool) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	for {
		key, next, ok := rawString(data, i)
		if !ok || bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		value, next, ok := rawString(data, skipSpace(data, i+1))
		if !ok || !each(key, value) {
			return false
		}
		i = skipSpace(data, next)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		return i < len(data) && data[i] == '}' && skipSpace(data, i+1) == len(data)
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// rawString returns the contents of the JSON string starting at data[i],
// escapes and all, and the index after its closing quote. It reports
// false if there is no string there, or if it holds a control character,
// a byte that is not ASCII or an escape JSON does not have.
func rawString(data []byte, i int) ([]byte, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\':
			if j+1 >= len(data) {
				return nil, 0, false
			}
			switch data[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if _, ok := hex4(data, j+2); !ok {
					return nil, 0, false
				}
				j += 5
			default:
				return nil, 0, false
			}
		case c < ' ' || c >= utf8.RuneSelf:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// AppendUnquoted appends to b the text of raw, the inside of a JSON
// string as [ScanFlat] gives it, its escapes decoded as encoding/json
// decodes them: an unpaired surrogate escape becomes U+FFFD. It reports
// false for an escape JSON does not have.
func AppendUnquoted(b, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i+1 >= len(raw) {
			return b, false
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			b = append(b, raw[i])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(raw, i+1)
			if !ok {
				return b, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				hi := r
				r = utf8.RuneError
				if lo, ok := hex4(raw, i+3); ok && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if dec := utf16.DecodeRune(hi, lo); dec != utf8.RuneError {
						r = dec
						i += 6
					}
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return b, false
		}
	}
	return b, true
}

// hex4 returns the value of the four hex digits at s[i:].
func hex4(s []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}
