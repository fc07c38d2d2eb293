package middleware

import "errors"

// Errors that [Config.ErrorHandler] receives. Match them with [errors.Is].
// None of them says whether a user exists, so an error handler may show them
// to the client; [Outcome.Err] is more detailed and is not for clients.
var (
	// ErrMissingCredentials: the user or the token was absent or empty.
	ErrMissingCredentials = errors.New("middleware: missing credentials")

	// ErrInvalidCredentials: the credentials were refused (unknown user,
	// wrong or malformed token, unusable name, repeated or look-alike
	// credential header, undecodable Basic header).
	ErrInvalidCredentials = errors.New("middleware: invalid credentials")

	// ErrVerifyFailed: verification could not complete. The error handed to
	// the error handler wraps both ErrVerifyFailed and the verifier's error.
	ErrVerifyFailed = errors.New("middleware: credentials could not be verified")
)

// Messages of the default answers, {"message":…} in a JSON body: to a
// refusal answered 401, and to a verification that could not complete,
// answered 500. They say nothing of the reason.
const (
	UnauthorizedMessage = "Unauthorized"
	FailedMessage       = "Credentials could not be verified"
)
