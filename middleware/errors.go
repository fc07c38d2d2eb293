package middleware

import (
	"errors"

	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// Errors that [Config.ErrorHandler] receives. Match them with [errors.Is].
// None of them says whether a user exists, so an error handler may show them
// to the client; [Outcome.Err] is more detailed and is not for clients.
var (
	// ErrMissingCredentials: the user or the token was absent or empty.
	ErrMissingCredentials = errors.New("middleware: missing credentials")

	// ErrInvalidCredentials: the credentials were refused (unknown user,
	// wrong or malformed token, unusable name, repeated credential header,
	// undecodable Basic header).
	ErrInvalidCredentials = errors.New("middleware: invalid credentials")

	// ErrVerifyFailed: verification could not complete. The error handed to
	// the error handler wraps both ErrVerifyFailed and the verifier's error.
	ErrVerifyFailed = errors.New("middleware: credentials could not be verified")
)

// sentinels are the errors above, which the core wraps in its reasons.
var sentinels = authn.Sentinels{
	Missing: ErrMissingCredentials,
	Invalid: ErrInvalidCredentials,
	Failed:  ErrVerifyFailed,
}
