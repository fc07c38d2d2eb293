package cache

import (
	"crypto/sha256"
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

// decodeRecord parses the record stored for user. It accepts any
// whitespace, key order or trailing newline and ignores unknown keys; it
// rejects a record that lacks a key or whose "hashed_token" is not 64 hex
// digits, and one whose "user" is not user as ErrNotRegistered too.
func decodeRecord(user string, data []byte) (User, [sha256.Size]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return User{}, [sha256.Size]byte{}, fmt.Errorf("%w for %q: not a JSON object", errBadRecord, user)
	}
	var u User
	for _, f := range []struct {
		key string
		dst *string
	}{{"user", &u.User}, {"email", &u.Email}, {"hashed_token", &u.HashedToken}} {
		raw, ok := fields[f.key]
		if !ok || json.Unmarshal(raw, f.dst) != nil {
			return User{}, [sha256.Size]byte{}, fmt.Errorf("%w for %q: %q missing or not a string", errBadRecord, user, f.key)
		}
	}
	if u.User != user {
		// Not this user's record: on a file system that folds case or
		// normalizes Unicode, "ALICE" opens alice.json. Answering as for
		// any unknown name keeps a client from telling that a similar
		// name exists.
		return User{}, [sha256.Size]byte{}, fmt.Errorf("%w: %w for %q: it names another user", ErrNotRegistered, errBadRecord, user)
	}
	sum, ok := decodeHash(u.HashedToken)
	if !ok {
		return User{}, [sha256.Size]byte{}, fmt.Errorf("%w for %q: hashed_token is not 64 hex digits", errBadRecord, user)
	}
	return u, sum, nil
}
