package authn

import "errors"

// Errors the middleware hands to error handlers. The public package
// re-exports them; match them with [errors.Is].
var (
	// ErrMissing: the request carried no credentials.
	ErrMissing = errors.New("middleware: missing credentials")

	// ErrInvalid: the credentials were refused. It deliberately does not say
	// whether the user exists.
	ErrInvalid = errors.New("middleware: invalid credentials")

	// ErrFailed: verification could not complete; the error that carries it
	// also wraps the verifier's error.
	ErrFailed = errors.New("middleware: credentials could not be verified")
)
