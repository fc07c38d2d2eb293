package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/fixiecreds/fixiecreds/cache"
)

// tokenBytes is the token size of the directories credsctl works on: the
// cache's default, as the example servers and the Python service use.
const tokenBytes = 20

// failure is an error with the message credsctl prints for it and its exit
// code.
type failure struct {
	code int
	msg  string
	err  error
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.err }

// errRefused: verify was given a wrong token; errMalformed, a token that
// cannot be anyone's.
var (
	errRefused   = errors.New("token refused")
	errMalformed = errors.New("malformed token")
)

// explain turns an error from the cache about user (and email) into the
// message and exit code credsctl gives it. Errors it does not know are
// failures with the cache's own message.
func explain(err error, user, email string) error {
	var code int
	var msg string
	var name *cache.NameError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errRefused):
		code, msg = exitRefused, fmt.Sprintf("token refused for %q", user)
	case errors.Is(err, errMalformed):
		code, msg = exitRefused, fmt.Sprintf("token refused for %q: it is not a token, which is hex digits only, at most %d of them; leave out quotes, a 0x and spaces", user, 2*tokenBytes)
	case errors.Is(err, cache.ErrTokenExpired):
		code, msg = exitRefused, fmt.Sprintf("token refused for %q: it has expired; reset issues a new one", user)
	case errors.Is(err, cache.ErrNotRegistered):
		code, msg = exitRefused, fmt.Sprintf("user %q is not registered", user)
	case errors.Is(err, cache.ErrAlreadyRegistered):
		code, msg = exitRefused, fmt.Sprintf("user %q is already registered; reset issues a new token", user)
	case errors.Is(err, cache.ErrEmailMismatch):
		code, msg = exitRefused, fmt.Sprintf("%q is not the email registered for %q", email, user)
	case errors.As(err, &name):
		code, msg = exitUsage, fmt.Sprintf("%+q cannot be a user name: %s", user, name.Reason)
	case errors.Is(err, cache.ErrInvalidUser):
		code, msg = exitUsage, fmt.Sprintf("%+q cannot be a user name: use 1 to 250 bytes of UTF-8 without spaces, '/', '\\', control characters or a leading '.'", user)
	case errors.Is(err, cache.ErrInvalidEmail):
		code, msg = exitUsage, fmt.Sprintf("%q is not a single email address such as alice@example.org", email)
	default:
		return err
	}
	return &failure{code: code, msg: msg, err: err}
}

// report prints err, if any, and returns the exit code for it.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "credsctl: %v\n", err)
	var f *failure
	if errors.As(err, &f) {
		return f.code
	}
	return exitFailed
}
