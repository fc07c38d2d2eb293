package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// errNotObject, errDuplicateKey and errLoneSurrogate say why decodeObject
// refused a body that is valid JSON.
var (
	errNotObject     = errors.New("the body must be a JSON object")
	errDuplicateKey  = errors.New("duplicate field")
	errLoneSurrogate = errors.New("unpaired UTF-16 surrogate escape")
)

// decodeObject parses body, which must be valid JSON, as an object whose
// keys are matched exactly: each key once, no string holding an unpaired
// \uD800–\uDFFF escape (which encoding/json would turn silently into
// U+FFFD, a character the sender never sent). A repeated key is refused
// rather than letting the last one win, so that whatever reads the body
// first (a proxy, a firewall) cannot be shown another field than this
// code acts on.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	obj := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errNotObject
		}
		key := tok.(string) // an object's keys are strings
		if _, dup := obj[key]; dup {
			return nil, errDuplicateKey
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errNotObject
		}
		obj[key] = raw
	}
	return obj, nil
}

// checkSurrogates reports errLoneSurrogate if the JSON text raw has a
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
			return errLoneSurrogate
		default:
			lo, ok := escapeAt(raw, i+6)
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return errLoneSurrogate
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
