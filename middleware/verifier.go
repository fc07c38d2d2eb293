package middleware

import (
	"context"

	"github.com/fixiecreds/fixiecreds/cache"
)

// Verifier checks a user's token. [*cache.Cache] is one, verifying on a
// credentials directory; httpapi.Client, which asks a remote credentials
// service, is another; [VerifierFunc] makes one of a function.
// Implementations must be safe for concurrent use and must never put the
// token into an error.
type Verifier interface {
	// VerifyContext reports whether token is user's, giving up when ctx
	// ends; ctx is the request's. Its results follow
	// [cache.Cache.VerifyContext]: (true, nil) for a valid pair; (false,
	// nil) for a registered user with a wrong or malformed token; (false,
	// err) with err matching [cache.ErrNotRegistered] or
	// [cache.ErrInvalidUser] for an unknown or unusable name; and (false,
	// err) with any other err when verification could not complete.
	VerifyContext(ctx context.Context, user, token string) (bool, error)

	// CheckToken returns [cache.ErrMalformedToken] for a token that no
	// user could have (not hex, quoted, too long for the token size), and
	// nil for any other. It is asked after every refusal, so that
	// [Outcome.Err] tells a malformed token from a wrong one; it must not
	// depend on which users exist.
	CheckToken(token string) error
}

// VerifierFunc adapts a function to the [Verifier] interface.
type VerifierFunc func(ctx context.Context, user, token string) (bool, error)

// VerifyContext returns f(ctx, user, token).
func (f VerifierFunc) VerifyContext(ctx context.Context, user, token string) (bool, error) {
	return f(ctx, user, token)
}

// CheckToken returns [cache.ErrMalformedToken] unless token has the form
// of every token: 1 to 256 hex digits, either case. It does not allocate.
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
