package middleware

import (
	"context"

	"github.com/fixiecreds/fixiecreds/cache"
)

// A [*cache.Cache] verifies on a credentials directory, as [Auth] asks it to,
// and with the request's context. (httpapi.Client, which verifies against a
// remote service, is checked the same way in its own package's tests.)
var (
	_ Verifier        = (*cache.Cache)(nil)
	_ ContextVerifier = (*cache.Cache)(nil)
)

// Verifier checks a user's token. [*cache.Cache] is one; httpapi.Client,
// which asks a remote credentials service, is another.
//
// Verify's results follow [cache.Cache.Verify]: (true, nil) for a valid
// pair; (false, nil) for a registered user with a wrong or malformed token;
// (false, err) with err matching [cache.ErrNotRegistered] or
// [cache.ErrInvalidUser] for an unknown or unusable name; and (false, err)
// with any other err when verification could not complete. Implementations
// must be safe for concurrent use and must never put the token into an error.
//
// A Verifier that also has a method CheckToken(token string) error, as
// [*cache.Cache] does, is asked it on every refusal, so that
// [Outcome.Err] tells a malformed token from a wrong one by the
// verifier's own token size; for any other, a token that is not 1 to 256
// hex digits is reported malformed.
type Verifier interface {
	Verify(user, token string) (bool, error)
}

// ContextVerifier is a [Verifier] whose work can be cut short. When the
// Verifier given to [Auth] also implements ContextVerifier, Auth calls
// VerifyContext with the request's context instead of Verify, so that a
// client that goes away stops a remote verification. Results are as for
// Verify.
type ContextVerifier interface {
	Verifier
	VerifyContext(ctx context.Context, user, token string) (bool, error)
}

// VerifierFunc adapts a function to the [Verifier] interface.
type VerifierFunc func(user, token string) (bool, error)

// Verify returns f(user, token).
func (f VerifierFunc) Verify(user, token string) (bool, error) { return f(user, token) }
