package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
)

// tokenBytes is the token size of the examples' credentials directories,
// the fixie default.
const tokenBytes = 20

// newToken returns a random token as the service issues them: tokenBytes
// random bytes in lowercase hex.
func newToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// hashToken returns what a record stores for token, a hex number of at
// most 2·tokenBytes digits: the lowercase hex SHA-256 of its value written
// as tokenBytes little-endian bytes. It is written here from the format's
// description, independently of package cache, so that the load test
// checks the server against the format rather than against itself.
func hashToken(token string) (string, error) {
	if len(token)%2 == 1 {
		token = "0" + token
	}
	be, err := hex.DecodeString(token)
	if err != nil || len(be) == 0 || len(be) > tokenBytes {
		return "", errors.New("malformed token")
	}
	le := make([]byte, tokenBytes)
	copy(le, be)
	slices.Reverse(le[:len(be)])
	sum := sha256.Sum256(le)
	return hex.EncodeToString(sum[:]), nil
}

// record is a user's record file in the fixie format. The fields are in
// the order of the format's sorted keys; json.Marshal writes them
// compactly, byte for byte as the Python service does for the plain ASCII
// names and emails the load test uses.
type record struct {
	Email       string `json:"email"`
	HashedToken string `json:"hashed_token"`
	User        string `json:"user"`
}

// writeRecord gives user a new token by rewriting the record file in dir
// directly, as an admin tool or the Python service would from another
// process: it writes "<user>.json.edit~…" beside the record, a name that
// is no user's, and renames it over "<user>.json". It returns the token.
func writeRecord(dir, user, email string) (string, error) {
	token := newToken()
	hashed, err := hashToken(token)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(record{Email: email, HashedToken: hashed, User: user})
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, user+".json.edit~*") // mode 0600
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, user+".json"))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return token, nil
}
