package pyjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// Errors that say why a JSON text was refused. Match them with [errors.Is].
var (
	// ErrSyntax: the text is not valid UTF-8 JSON (an empty text included).
	ErrSyntax = errors.New("pyjson: not JSON")
	// ErrNotObject: the text is JSON, but not an object.
	ErrNotObject = errors.New("pyjson: not a JSON object")
	// ErrDuplicateKey: an object holds a key twice.
	ErrDuplicateKey = errors.New("pyjson: duplicate key")
	// ErrLoneSurrogate: a string holds a \uD800–\uDFFF escape that is not
	// half of a surrogate pair.
	ErrLoneSurrogate = errors.New("pyjson: unpaired UTF-16 surrogate escape")
	// ErrNotString: a value is not a JSON string.
	ErrNotString = errors.New("pyjson: not a string")
	// ErrNotBool: a value is not true or false.
	ErrNotBool = errors.New("pyjson: not a boolean")
)

// Object is a JSON object read by [DecodeObject]: each key once, with its
// value as it was written.
type Object map[string]json.RawMessage

// DecodeObject parses data as one JSON object whose keys are matched
// exactly. It returns [ErrSyntax] if data is not valid UTF-8 JSON,
// [ErrNotObject] if it is another JSON value, [ErrDuplicateKey] if a key is
// repeated and [ErrLoneSurrogate] if a key holds an unpaired \uD800–\uDFFF
// escape (which encoding/json would turn silently into U+FFFD, a character
// the sender never sent). A repeated key is refused rather than letting the
// last one win, so that whatever reads the text first (a proxy, a firewall)
// cannot be shown another field than the code that uses it acts on. Values
// are not checked beyond their syntax: read them with [String] and [Bool].
func DecodeObject(data []byte) (Object, error) {
	if !utf8.Valid(data) || !json.Valid(data) {
		return nil, ErrSyntax
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, ErrNotObject
	}
	obj := Object{}
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, ErrNotObject
		}
		key := tok.(string) // an object's keys are strings
		// Between the previous token and the key's end lie only white
		// space, perhaps a comma, and the key as it was written.
		if err := checkSurrogates(data[start:dec.InputOffset()]); err != nil {
			return nil, err
		}
		if _, dup := obj[key]; dup {
			return nil, ErrDuplicateKey
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, ErrNotObject
		}
		obj[key] = raw
	}
	return obj, nil
}

// String returns the JSON string raw as Go text. It returns [ErrNotString]
// for any other JSON value (null included), [ErrSyntax] for text that is
// not valid UTF-8, and [ErrLoneSurrogate] for a string holding an unpaired
// \uD800–\uDFFF escape.
func String(raw json.RawMessage) (string, error) {
	raw = trimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", ErrNotString
	}
	if !utf8.Valid(raw) {
		return "", ErrSyntax
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", ErrNotString
	}
	if err := checkSurrogates(raw); err != nil {
		return "", err
	}
	return s, nil
}

// Bool returns the JSON boolean raw. It returns [ErrNotBool] for any other
// JSON value, null included.
func Bool(raw json.RawMessage) (bool, error) {
	switch string(trimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, ErrNotBool
}

// trimSpace returns raw without the white space JSON allows around a value.
func trimSpace(raw []byte) []byte {
	return bytes.Trim(raw, " \t\r\n")
}

// checkSurrogates reports [ErrLoneSurrogate] if the JSON text raw has a
// \uD800–\uDBFF escape not followed by a \uDC00–\uDFFF one, or a
// \uDC00–\uDFFF escape not preceded by one.
func checkSurrogates(raw []byte) error {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		hi, ok := escapeAt(raw, i)
		switch {
		case !ok || hi < 0xd800 || hi > 0xdfff:
		case hi >= 0xdc00:
			return ErrLoneSurrogate
		default:
			lo, ok := escapeAt(raw, i+6)
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return ErrLoneSurrogate
			}
			i += 6
		}
		i += 5
	}
	return nil
}

// escapeAt returns the code unit of the \uXXXX escape at raw[i:], if there
// is one.
func escapeAt(raw []byte, i int) (uint16, bool) {
	if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
	return uint16(v), err == nil
}
