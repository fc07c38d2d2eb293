package httpapi

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

// inputError says what is wrong with a request body: either it is not JSON
// at all, or it is JSON of the wrong shape.
type inputError struct {
	parse  bool   // the body is not JSON
	detail string // what is wrong with the JSON, when it is JSON
}

// maxSeconds is the largest number of seconds a duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// decodeInput parses body as a JSON object holding exactly the fields
// names, each a non-empty string, and any of the optional fields seconds,
// each a whole number of seconds from 1 to maxSeconds; it returns the
// strings in the order of names and the durations in the order of
// seconds, 0 for a field that is absent. names and seconds must be
// sorted, so that errors come in a stable order.
func decodeInput(body []byte, names, seconds []string) ([]string, []time.Duration, *inputError) {
	if vals, ok := scanInput(body, names); ok {
		return vals, make([]time.Duration, len(seconds)), nil
	}
	return decodeStrict(body, names, seconds)
}

// decodeStrict is decodeInput for every body: it reads any JSON, and says
// what is wrong with it.
func decodeStrict(body []byte, names, seconds []string) ([]string, []time.Duration, *inputError) {
	obj, err := pyjson.DecodeObject(body)
	switch {
	case errors.Is(err, pyjson.ErrSyntax):
		return nil, nil, &inputError{parse: true}
	case errors.Is(err, pyjson.ErrDuplicateKey):
		return nil, nil, &inputError{detail: "duplicate field"}
	case errors.Is(err, pyjson.ErrLoneSurrogate):
		return nil, nil, &inputError{detail: "a field name holds an unpaired UTF-16 surrogate escape"}
	case err != nil:
		return nil, nil, &inputError{detail: "the body must be a JSON object"}
	}
	var unknown []string
	for k := range obj {
		if !slices.Contains(names, k) && !slices.Contains(seconds, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, nil, &inputError{detail: "unknown field " + strconv.Quote(unknown[0])}
	}
	vals := make([]string, len(names))
	for i, name := range names {
		raw, ok := obj[name]
		if !ok {
			return nil, nil, &inputError{detail: "missing field " + strconv.Quote(name)}
		}
		v, err := pyjson.String(raw)
		switch {
		case errors.Is(err, pyjson.ErrLoneSurrogate):
			return nil, nil, &inputError{detail: "field " + strconv.Quote(name) + " holds an unpaired UTF-16 surrogate escape"}
		case err != nil:
			return nil, nil, &inputError{detail: "field " + strconv.Quote(name) + " must be a string"}
		case v == "":
			return nil, nil, &inputError{detail: "field " + strconv.Quote(name) + " must not be empty"}
		}
		vals[i] = v
	}
	durs := make([]time.Duration, len(seconds))
	for i, name := range seconds {
		raw, ok := obj[name]
		if !ok {
			continue
		}
		n, ok := wholeSeconds(raw)
		if !ok {
			return nil, nil, &inputError{detail: "field " + strconv.Quote(name) + " must be a whole number of seconds, from 1 to " + strconv.FormatInt(maxSeconds, 10)}
		}
		durs[i] = time.Duration(n) * time.Second
	}
	return vals, durs, nil
}

// wholeSeconds reads raw, a JSON value, as a number of seconds: an integer
// written without sign, fraction or exponent, from 1 to maxSeconds.
func wholeSeconds(raw []byte) (int64, bool) {
	if len(raw) == 0 || raw[0] < '1' || raw[0] > '9' {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil && n <= maxSeconds
}

// scanInput reads in one pass (see pyjson.ScanFlat) a body that is what
// clients send: an object of exactly the fields names, each once, each a
// non-empty string of printable ASCII with no escape. It reports false
// for anything else, well formed or not, which decodeInput then reads
// strictly, to say what is wrong with it.
func scanInput(body []byte, names []string) ([]string, bool) {
	vals := make([]string, len(names))
	var seen uint
	ok := pyjson.ScanFlat(body, func(key, value []byte) bool {
		for i, name := range names {
			if string(key) != name {
				continue
			}
			if seen&(1<<i) != 0 || len(value) == 0 || bytes.IndexByte(value, '\\') >= 0 {
				return false
			}
			seen |= 1 << i
			vals[i] = string(value)
			return true
		}
		return false // an unknown field
	})
	return vals, ok && seen == 1<<len(names)-1
}

// isHex reports whether s is a non-empty string of hex digits, either case.
// Whether its value fits the directory's token size is the cache's to say.
func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
