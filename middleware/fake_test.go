package middleware_test

import (
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/fixiecreds/fixiecreds/cache"
)

// fakeVerifier answers as cache.Cache.Verify does, from a fixed map of user
// names to tokens.
type fakeVerifier map[string]string

func (f fakeVerifier) Verify(user, token string) (bool, error) {
	switch {
	case user == "" || strings.ContainsAny(user, "/\\\x00") || strings.HasPrefix(user, "."):
		return false, cache.ErrInvalidUser
	case user == "broken":
		return false, errDisk
	case user == "liar":
		return true, errDisk
	}
	want, ok := f[user]
	if !ok {
		return false, cache.ErrNotRegistered
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1, nil
}

// errDisk stands for a verification that could not complete.
var errDisk = errors.New("record unreadable")

// newUsers returns the fake's directory; its tokens are hex, as the cache's
// are.
func newUsers() fakeVerifier {
	return fakeVerifier{
		"alice":     "46685257bdd640fb06671ad11c80317fa3b1799d",
		"bob:smith": "0123456789abcdef0123456789abcdef01234567",
		"名前":        "ff",
	}
}
