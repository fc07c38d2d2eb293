package middleware_test

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// The verifiers of this module satisfy the one protocol. (httpapi.Client
// is checked in its own package's tests.)
var (
	_ middleware.Verifier = (*cache.Cache)(nil)
	_ middleware.Verifier = middleware.VerifierFunc(nil)
)

// fakeVerifier answers as cache.Cache.Verify does, from a fixed map of user
// names to tokens.
type fakeVerifier map[string]string

func (f fakeVerifier) VerifyContext(_ context.Context, user, token string) (bool, error) {
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

// CheckToken finds malformed the tokens that no verifier could accept.
func (fakeVerifier) CheckToken(token string) error { return anyToken.CheckToken(token) }

// anyToken is a verifier that knows of tokens only their form.
var anyToken = middleware.VerifierFunc(func(context.Context, string, string) (bool, error) { return false, nil })

// errDisk stands for a verification that could not complete.
var errDisk = errors.New("record unreadable")

// newUsers returns the fake's directory; its tokens are hex, as the cache's
// are, one in upper case, which the fake, unlike the cache, tells from
// lower case.
func newUsers() fakeVerifier {
	return fakeVerifier{
		"alice":     "46685257bdd640fb06671ad11c80317fa3b1799d",
		"bob:smith": "0123456789abcdef0123456789abcdef01234567",
		"名前":        "FF",
	}
}
