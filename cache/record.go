package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fixiecreds/fixiecreds/cache/internal/pyjson"
)

// maxRecordSize bounds what is read of a record file. A record this package
// writes is under 4 KiB; the rest is room for records written by others.
const maxRecordSize = 64 << 10

// User is one user's record: what is stored in "<credsdir>/<user>.json".
// The token itself is never stored, only HashedToken, the lowercase hex
// SHA-256 of the token's value (see [Cache.HashToken]).
//
// A record written with [ExpiresAfter] or [KeepPrevious] also holds when
// its token stops verifying and the token it replaced; a record without
// them is exactly the Python service's, and those fields are zero.
type User struct {
	User        string `json:"user"`
	Email       string `json:"email"`
	HashedToken string `json:"hashed_token"`

	// Expires is when the token stops verifying: it verifies while the
	// time is before Expires. Zero: never.
	Expires time.Time `json:"expires,omitzero"`

	// PreviousHashedToken is the hash of the token that a Reset with
	// KeepPrevious replaced, which verifies while the time is before
	// PreviousExpires. Both are zero when there is none.
	PreviousHashedToken string    `json:"previous_hashed_token,omitempty"`
	PreviousExpires     time.Time `json:"previous_expires,omitzero"`
}

// expiresLayout is how a record stores a time: RFC 3339, UTC, to the
// second.
const expiresLayout = "2006-01-02T15:04:05Z"

// encodeRecord returns u exactly as the Python service writes it:
// json.dump with sorted keys, compact separators and ensure_ascii (see
// pyjson.AppendString). The keys "expires", "previous_expires" and
// "previous_hashed_token" are written only when set, so that a record
// without them is the Python service's byte for byte. Times are written
// in UTC, to the second (truncated).
func encodeRecord(u User) []byte {
	b := make([]byte, 0, 48+len(u.Email)+len(u.HashedToken)+len(u.User))
	b = append(b, `{"email":`...)
	b = pyjson.AppendString(b, u.Email)
	if !u.Expires.IsZero() {
		b = append(b, `,"expires":"`...)
		b = append(u.Expires.UTC().AppendFormat(b, expiresLayout), '"')
	}
	b = append(b, `,"hashed_token":`...)
	b = pyjson.AppendString(b, u.HashedToken)
	if u.PreviousHashedToken != "" {
		b = append(b, `,"previous_expires":"`...)
		b = append(u.PreviousExpires.UTC().AppendFormat(b, expiresLayout), '"')
		b = append(b, `,"previous_hashed_token":`...)
		b = pyjson.AppendString(b, u.PreviousHashedToken)
	}
	b = append(b, `,"user":`...)
	b = pyjson.AppendString(b, u.User)
	return append(b, '}')
}

// errBadRecord marks a record that exists but cannot be used.
var errBadRecord = errors.New("cache: unusable record")

// record is what the cache reads of a user's record: everything but the
// email.
type record struct {
	user        string
	hash        [sha256.Size]byte
	expires     time.Time // zero: the token never expires
	prevHash    [sha256.Size]byte
	prevExpires time.Time // zero: there is no previous token
}

// hasPrev reports whether r holds a previous token.
func (r *record) hasPrev() bool { return !r.prevExpires.IsZero() }

// userOf returns r as a User with email.
func (r *record) userOf(email string) User {
	u := User{User: r.user, Email: email, HashedToken: hashHex(r.hash), Expires: r.expires}
	if r.hasPrev() {
		u.PreviousHashedToken, u.PreviousExpires = hashHex(r.prevHash), r.prevExpires
	}
	return u
}

// rawRecord is a record's values as stored, before they are checked:
// name and email unescaped, the others as written.
type rawRecord struct {
	name, email, hash         []byte
	expires, prevHash, prevEx []byte
	has                       uint8 // which of the keys were there: bit i for recordKeys[i]
}

// The bits of rawRecord.has.
const (
	hasUser = 1 << iota
	hasEmail
	hasHash
	hasExpires
	hasPrevHash
	hasPrevExpires

	hasRequired = hasUser | hasEmail | hasHash
)

// decodeRecord parses the record stored for user (with user itself as
// the record's name), and the email into *email if email is not nil. It
// accepts any whitespace, key order or trailing newline and ignores
// unknown keys; it rejects a record that lacks a key, whose "hashed_token"
// is not 64 hex digits, whose "expires" is not an RFC 3339 time, or that
// has one of "previous_hashed_token" and "previous_expires" without the
// other or either of them wrong; and one whose "user" is not user as
// ErrNotRegistered too.
//
// Records as this package and the Python service write them, flat objects
// of ASCII strings, are read by scanRecord in one pass, with one
// allocation for the name (and one for the email if asked); anything else
// (values that are not strings, escaped keys, raw non-ASCII) goes through
// encoding/json, so that both read a record alike.
func decodeRecord(user string, data []byte, email *string) (record, error) {
	var buf [2*maxUserLen + 16]byte
	raw, ok := scanRecord(data, buf[:0])
	if !ok {
		var err error
		if raw, err = decodeRecordJSON(data); err != nil {
			return record{}, fmt.Errorf("%w for %q: %w", errBadRecord, user, err)
		}
	}
	if string(raw.name) != user {
		// Not this user's record: on a file system that folds case or
		// normalizes Unicode, "ALICE" opens alice.json. Answering as for
		// any unknown name keeps a client from telling that a similar
		// name exists.
		return record{}, fmt.Errorf("%w: %w for %q: it names another user", ErrNotRegistered, errBadRecord, user)
	}
	r := record{user: user}
	if r.hash, ok = decodeHash(raw.hash); !ok {
		return record{}, fmt.Errorf("%w for %q: hashed_token is not 64 hex digits", errBadRecord, user)
	}
	var err error
	if raw.has&hasExpires != 0 {
		if r.expires, err = parseExpires(raw.expires); err != nil {
			return record{}, fmt.Errorf("%w for %q: expires: %w", errBadRecord, user, err)
		}
	}
	switch {
	case raw.has&hasPrevHash == 0 && raw.has&hasPrevExpires == 0:
	case raw.has&hasPrevHash == 0 || raw.has&hasPrevExpires == 0:
		return record{}, fmt.Errorf("%w for %q: previous_hashed_token and previous_expires go together", errBadRecord, user)
	default:
		if r.prevHash, ok = decodeHash(raw.prevHash); !ok {
			return record{}, fmt.Errorf("%w for %q: previous_hashed_token is not 64 hex digits", errBadRecord, user)
		}
		if r.prevExpires, err = parseExpires(raw.prevEx); err != nil {
			return record{}, fmt.Errorf("%w for %q: previous_expires: %w", errBadRecord, user, err)
		}
	}
	if email != nil {
		*email = string(raw.email)
	}
	return r, nil
}

// parseExpires parses a stored time: RFC 3339, as this package writes it
// (UTC, whole seconds) or with an offset or a fraction of a second, in
// the years 1 to 9999 UTC, which a record can hold again. The zero time,
// which stands for "never" in a [User], is not one.
func parseExpires(b []byte) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		return time.Time{}, errors.New("not an RFC 3339 time")
	}
	t = t.UTC()
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, errors.New("out of range")
	}
	return t, nil
}

// CheckRecord returns nil if data is a record the cache reads as user's
// (see the package documentation and README.md for the format), or an
// error that says why not. A tool that copies records between stores
// checks them so, since a record the cache cannot read fails every
// verification of its user.
func CheckRecord(user string, data []byte) error {
	if err := CheckName(user); err != nil {
		return err
	}
	_, err := decodeRecord(user, data, nil)
	return err
}

// recordKeys are the keys a record's values are read from, in the
// order of the bits of rawRecord.has, with where each goes.
var recordKeys = [...]struct {
	key string
	dst func(*rawRecord) *[]byte
}{
	{"user", func(r *rawRecord) *[]byte { return &r.name }},
	{"email", func(r *rawRecord) *[]byte { return &r.email }},
	{"hashed_token", func(r *rawRecord) *[]byte { return &r.hash }},
	{"expires", func(r *rawRecord) *[]byte { return &r.expires }},
	{"previous_hashed_token", func(r *rawRecord) *[]byte { return &r.prevHash }},
	{"previous_expires", func(r *rawRecord) *[]byte { return &r.prevEx }},
}

// decodeRecordJSON reads a record with encoding/json.
func decodeRecordJSON(data []byte) (rawRecord, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return rawRecord{}, errors.New("not a JSON object")
	}
	var r rawRecord
	for i, k := range recordKeys {
		raw, ok := fields[k.key]
		if !ok && 1<<i&hasRequired == 0 {
			continue
		}
		var s string
		if !ok || json.Unmarshal(raw, &s) != nil {
			return rawRecord{}, fmt.Errorf("%q missing or not a string", k.key)
		}
		*k.dst(&r), r.has = []byte(s), r.has|1<<i
	}
	return r, nil
}

// scanRecord reads a record that is one flat JSON object of ASCII
// strings, as records are written, in one pass (see pyjson.ScanFlat): name
// and email are unescaped into text (the caller's buffer, so that a record
// of the usual size needs no allocation), and the other values are parts
// of data. It reports false for anything else, which decodeRecordJSON
// then reads, or refuses.
func scanRecord(data, text []byte) (r rawRecord, ok bool) {
	var nameAt, at [2]int // where the name and the email are in text
	ok = pyjson.ScanFlat(data, func(key, value []byte) bool {
		var ok bool
		switch string(key) {
		case "user":
			nameAt[0] = len(text)
			text, ok = pyjson.AppendUnquoted(text, value)
			nameAt[1], r.has = len(text), r.has|hasUser
			return ok
		case "email":
			at[0] = len(text)
			text, ok = pyjson.AppendUnquoted(text, value)
			at[1], r.has = len(text), r.has|hasEmail
			return ok
		case "hashed_token":
			r.hash, r.has = value, r.has|hasHash
		case "expires":
			r.expires, r.has = value, r.has|hasExpires
		case "previous_hashed_token":
			r.prevHash, r.has = value, r.has|hasPrevHash
		case "previous_expires":
			r.prevEx, r.has = value, r.has|hasPrevExpires
		default:
			return true
		}
		// Hex digits and times need no escape; one written with
		// escapes is left to encoding/json.
		return bytes.IndexByte(value, '\\') < 0
	})
	if !ok || r.has&hasRequired != hasRequired {
		return rawRecord{}, false
	}
	r.name, r.email = text[nameAt[0]:nameAt[1]], text[at[0]:at[1]]
	return r, true
}
