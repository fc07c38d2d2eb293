package pyjson

import (
	"unicode/utf16"
	"unicode/utf8"
)

// AppendString appends s to b as a JSON string escaped as Python's json
// module escapes it by default (json.dumps with ensure_ascii=True), and
// returns the extended slice:
//
//   - '"' and '\' are escaped with a backslash;
//   - \b, \f, \n, \r and \t are written by name;
//   - every other character outside ' '…'~' is a lowercase \uXXXX escape,
//     and a character beyond the Basic Multilingual Plane a UTF-16 surrogate
//     pair of them ("😀" is "\ud83d\ude00");
//   - '<', '>', '&', '/' and the rest of printable ASCII are written as
//     they are.
//
// The result is pure printable ASCII. Python's strings are text, so only
// valid UTF-8 has a Python counterpart: each byte of s that does not belong
// to a valid UTF-8 sequence is written as \ufffd, the replacement character,
// as encoding/json does. Such a string does not read back as it was.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case ' ' <= c && c <= '~':
				b = append(b, c)
			default: // other control characters and DEL
				b = appendEscape(b, rune(c))
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1: // not UTF-8
			b = appendEscape(b, utf8.RuneError)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			b = appendEscape(appendEscape(b, hi), lo)
		default:
			b = appendEscape(b, r)
		}
	}
	return append(b, '"')
}

// appendEscape appends the \uXXXX escape of the UTF-16 code unit r.
func appendEscape(b []byte, r rune) []byte {
	const hexDigits = "0123456789abcdef"
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
