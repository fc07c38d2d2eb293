package httpapi

import (
	"strconv"
	"unicode/utf8"
)

// The service's answers are compact JSON objects with sorted keys whose
// strings are escaped as Python's json.dumps escapes them by default, so that
// they match the Python service byte for byte: every character outside
// printable ASCII as \uXXXX (a surrogate pair beyond the BMP), the usual
// short escapes, and '<', '>' and '&' as they are.

// notAToken is what the Python service puts in "token" when there is none.
const notAToken = "<not-a-token>"

// messageBody returns {"message":msg}.
func messageBody(msg string) []byte {
	b := append(make([]byte, 0, 16+len(msg)), `{"message":`...)
	b = appendString(b, msg)
	return append(b, '}')
}

// statusBody returns {"message":msg,"status":status}.
func statusBody(msg string, status bool) []byte {
	b := append(make([]byte, 0, 32+len(msg)), `{"message":`...)
	b = appendString(b, msg)
	b = append(b, `,"status":`...)
	b = strconv.AppendBool(b, status)
	return append(b, '}')
}

// verifyBody returns {"message":msg,"status":status,"verified":verified}.
func verifyBody(msg string, status, verified bool) []byte {
	b := statusBody(msg, status)
	b = append(b[:len(b)-1], `,"verified":`...)
	b = strconv.AppendBool(b, verified)
	return append(b, '}')
}

// tokenBody returns {"status":true,"token":token}.
func tokenBody(token string) []byte {
	b := append(make([]byte, 0, 32+len(token)), `{"status":true,"token":`...)
	b = appendString(b, token)
	return append(b, '}')
}

// noTokenBody returns {"message":msg,"status":false,"token":"<not-a-token>"}.
func noTokenBody(msg string) []byte {
	b := statusBody(msg, false)
	b = append(b[:len(b)-1], `,"token":`...)
	b = appendString(b, notAToken)
	return append(b, '}')
}

// appendString appends s to b as a JSON string escaped as Python's
// json.dumps(ensure_ascii=True) does. Invalid UTF-8 is written as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case ' ' <= r && r <= '~':
			b = append(b, byte(r))
		default:
			if r > 0xffff {
				r -= 0x10000
				hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
				b = append(b, '\\', 'u', hexDigits[hi>>12], hexDigits[hi>>8&0xf], hexDigits[hi>>4&0xf], hexDigits[hi&0xf])
				r = lo
			}
			if r == utf8.RuneError {
				r = 0xfffd
			}
			b = append(b, '\\', 'u', hexDigits[r>>12], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		}
	}
	return append(b, '"')
}
