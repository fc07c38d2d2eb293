package middleware

import "errors"

// Errors that [Config.ErrorHandler] receives; match them with [errors.Is].
// None tells whether a user exists, so clients may see them (not so
// [Outcome.Err]).
var (
	ErrMissingCredentials = errors.New("middleware: missing credentials") // user or token absent or empty
	ErrInvalidCredentials = errors.New("middleware: invalid credentials") // refused, whatever the reason (see Rejected)
	// ErrVerifyFailed: verification could not complete. The error handed to
	// the error handler wraps it and the verifier's error.
	ErrVerifyFailed = errors.New("middleware: credentials could not be verified")
)

// Messages of the default JSON answers {"message":…}, 401 and 500.
const (
	UnauthorizedMessage = "Unauthorized"
	FailedMessage       = "Credentials could not be verified"
)
