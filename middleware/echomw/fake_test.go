package echomw_test

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

const aliceToken = "46685257bdd640fb06671ad11c80317fa3b1799d"

// errDisk stands for a verification that could not complete.
var errDisk = errors.New("record unreadable")

// fakeVerifier answers as cache.Cache.Verify does for a single user, alice;
// the user "broken" cannot be verified and "../x" is not a usable name.
type fakeVerifier struct{}

func (fakeVerifier) VerifyContext(_ context.Context, user, token string) (bool, error) {
	switch user {
	case "alice":
		return subtle.ConstantTimeCompare([]byte(token), []byte(aliceToken)) == 1, nil
	case "broken":
		return false, errDisk
	case "../x":
		return false, cache.ErrInvalidUser
	}
	return false, cache.ErrNotRegistered
}

// CheckToken finds malformed the tokens that no verifier could accept, as
// middleware.VerifierFunc does.
func (fakeVerifier) CheckToken(token string) error {
	return middleware.VerifierFunc(nil).CheckToken(token)
}
