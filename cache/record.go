package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

// maxRecordSize bounds what is read of a record file. A record this package
// writes is under 4 KiB; the rest is room for records written by others.
const maxRecordSize = 64 << 10

// User is one user's record: what is stored in "<credsdir>/<user>.json".
// The token itself is never stored, only HashedToken, the lowercase hex
// SHA-256 of the token's value (see [Cache.HashToken]).
type User struct {
	User        string `json:"user"`
	Email       string `json:"email"`
	HashedToken string `json:"hashed_token"`
}

// encodeRecord returns u exactly as the Python service writes it:
// json.dump with sorted keys, compact separators and ensure_ascii (see
// pyjson.AppendString).
func encodeRecord(u User) []byte {
	b := make([]byte, 0, 48+len(u.Email)+len(u.HashedToken)+len(u.User))
	b = append(b, `{"email":`...)
	b = pyjson.AppendString(b, u.Email)
	b = append(b, `,"hashed_token":`...)
	b = pyjson.AppendString(b, u.HashedToken)
	b = append(b, `,"user":`...)
	b = pyjson.AppendString(b, u.User)
	return append(b, '}')
}

// errBadRecord marks a record that exists but cannot be used.
var errBadRecord = errors.New("cache: unusable record")

// decodeRecord parses the record stored for user into what the cache
// keeps of it (with user itself as the entry's name), and the email into
// *email if email is not nil. It accepts
// any whitespace, key order or trailing newline and ignores unknown keys;
// it rejects a record that lacks a key or whose "hashed_token" is not 64
// hex digits, and one whose "user" is not user as ErrNotRegistered too.
//
// Records as this package and the Python service write them, flat objects
// of ASCII strings, are read by scanRecord in one pass, with one
// allocation for the name (and one for the email if asked); anything else
// (values that are not strings, escaped keys, raw non-ASCII) goes through
// encoding/json, so that both read a record alike.
func decodeRecord(user string, data []byte, email *string) (entry, error) {
	var buf [2*maxUserLen + 16]byte
	name, mail, hashHex, ok := scanRecord(data, buf[:0])
	if !ok {
		var jname, jmail, jhash string
		var err error
		if jname, jmail, jhash, err = decodeRecordJSON(data); err != nil {
			return entry{}, fmt.Errorf("%w for %q: %w", errBadRecord, user, err)
		}
		name, mail, hashHex = []byte(jname), []byte(jmail), []byte(jhash)
	}
	if string(name) != user {
		// Not this user's record: on a file system that folds case or
		// normalizes Unicode, "ALICE" opens alice.json. Answering as for
		// any unknown name keeps a client from telling that a similar
		// name exists.
		return entry{}, fmt.Errorf("%w: %w for %q: it names another user", ErrNotRegistered, errBadRecord, user)
	}
	sum, okHash := decodeHash(hashHex)
	if !okHash {
		return entry{}, fmt.Errorf("%w for %q: hashed_token is not 64 hex digits", errBadRecord, user)
	}
	if email != nil {
		*email = string(mail)
	}
	return entry{user: user, hash: sum}, nil
}

// CheckRecord returns nil if data is a record the cache reads as user's
// (see the package documentation for the format), or an error that says
// why not. A tool that copies records between stores checks them so,
// since a record the cache cannot read fails every verification of its
// user.
func CheckRecord(user string, data []byte) error {
	if err := CheckName(user); err != nil {
		return err
	}
	_, err := decodeRecord(user, data, nil)
	return err
}

// decodeRecordJSON reads a record with encoding/json.
func decodeRecordJSON(data []byte) (name, email, hashHex string, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return "", "", "", errors.New("not a JSON object")
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"user", &name}, {"email", &email}, {"hashed_token", &hashHex}} {
		raw, ok := fields[f.key]
		if !ok || json.Unmarshal(raw, f.dst) != nil {
			return "", "", "", fmt.Errorf("%q missing or not a string", f.key)
		}
	}
	return name, email, hashHex, nil
}

// scanRecord reads a record that is one flat JSON object of ASCII
// strings, as records are written, in one pass (see pyjson.ScanFlat): name
// and email are unescaped into text (the caller's buffer, so that a record
// of the usual size needs no allocation), and hashHex is a part of data.
// It reports false for anything else, which decodeRecordJSON then reads,
// or refuses.
func scanRecord(data, text []byte) (name, email, hashHex []byte, ok bool) {
	var (
		nameAt, at [2]int // where the name and the email are in text
		found      int    // bit 0: user, 1: email, 2: hashed_token
	)
	ok = pyjson.ScanFlat(data, func(key, value []byte) bool {
		var ok bool
		switch string(key) {
		case "user":
			nameAt[0] = len(text)
			text, ok = pyjson.AppendUnquoted(text, value)
			nameAt[1], found = len(text), found|1
		case "email":
			at[0] = len(text)
			text, ok = pyjson.AppendUnquoted(text, value)
			at[1], found = len(text), found|2
		case "hashed_token":
			// Hex digits need no escape; one written with escapes is
			// left to encoding/json.
			hashHex, found, ok = value, found|4, bytes.IndexByte(value, '\\') < 0
		default:
			ok = true
		}
		return ok
	})
	if !ok || found != 7 {
		return nil, nil, nil, false
	}
	return text[nameAt[0]:nameAt[1]], text[at[0]:at[1]], hashHex, true
}
