package middleware

import (
	"context"

	"github.com/fixiecreds/fixiecreds/cache"
)

// Verifier checks a user's token: a [*cache.Cache], an httpapi.Client, or
// a [VerifierFunc]. Implementations must be safe for concurrent use and
// never put the token into an error.
type Verifier interface {
	// VerifyContext reports whether token is user's, giving up when ctx, the
	// request's, ends. As [cache.Cache.VerifyContext], it returns false and
	// nil for a wrong or malformed token, an error matching
	// [cache.ErrNotRegistered] or [cache.ErrInvalidUser] for an unknown or
	// unusable name, and any other error if verification could not complete.
	VerifyContext(ctx context.Context, user, token string) (bool, error)

	// CheckToken returns [cache.ErrMalformedToken] for a token no user could
	// have, else nil, whichever users exist. It is asked after every refusal.
	CheckToken(token string) error
}

// VerifierFunc adapts a function to the [Verifier] interface.
type VerifierFunc func(ctx context.Context, user, token string) (bool, error)

// VerifyContext returns f(ctx, user, token).
func (f VerifierFunc) VerifyContext(ctx context.Context, user, token string) (bool, error) {
	return f(ctx, user, token)
}

// CheckToken returns [cache.ErrMalformedToken] unless token is 1 to 256
// hex digits, either case.
func (f VerifierFunc) CheckToken(token string) error {
	if len(token) == 0 || len(token) > maxTokenLen {
		return cache.ErrMalformedToken
	}
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return cache.ErrMalformedToken
		}
	}
	return nil
}

// maxTokenLen is the longest token of any size: 128 bytes in hex.
const maxTokenLen = 256
