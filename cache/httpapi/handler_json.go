package httpapi

import (
	"strconv"

	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

// The service's answers are compact JSON objects with sorted keys whose
// strings are escaped by pyjson.AppendString as Python's json.dumps escapes
// them, so that they match the Python service byte for byte.

// notAToken is what the Python service puts in "token" when there is none.
const notAToken = "<not-a-token>"

// messageBody returns {"message":msg}.
func messageBody(msg string) []byte {
	b := append(make([]byte, 0, 16+len(msg)), `{"message":`...)
	b = pyjson.AppendString(b, msg)
	return append(b, '}')
}

// statusBody returns {"message":msg,"status":status}.
func statusBody(msg string, status bool) []byte {
	b := append(make([]byte, 0, 32+len(msg)), `{"message":`...)
	b = pyjson.AppendString(b, msg)
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
	b = pyjson.AppendString(b, token)
	return append(b, '}')
}

// noTokenBody returns {"message":msg,"status":false,"token":"<not-a-token>"}.
func noTokenBody(msg string) []byte {
	b := statusBody(msg, false)
	b = append(b[:len(b)-1], `,"token":`...)
	b = pyjson.AppendString(b, notAToken)
	return append(b, '}')
}
