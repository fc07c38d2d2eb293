package authn

import (
	"errors"
	"net/http"
)

// Sentinels are the errors that the public package declares and a
// [Checker] hands to error handlers: a Checker wraps them in its reasons,
// and never makes errors of these kinds of its own, so that errors.Is
// against the public names works and the public documentation shows no
// name of this package.
type Sentinels struct {
	Missing error // the request carried no credentials
	Invalid error // the credentials were refused; it does not say why
	Failed  error // verification could not complete
}

// ok reports whether every sentinel is set.
func (s Sentinels) ok() bool { return s.Missing != nil && s.Invalid != nil && s.Failed != nil }

// Messages of the default answers to a refusal.
const (
	UnauthorizedMessage = "Unauthorized"
	FailedMessage       = "Credentials could not be verified"
)

// DefaultAnswer returns the status and message with which a front end's
// default error handler answers the refusal err: 500 and [FailedMessage]
// when err wraps the Failed sentinel, 401 and [UnauthorizedMessage]
// otherwise.
func (s Sentinels) DefaultAnswer(err error) (status int, message string) {
	if errors.Is(err, s.Failed) {
		return http.StatusInternalServerError, FailedMessage
	}
	return http.StatusUnauthorized, UnauthorizedMessage
}
