package middleware

import "time"

// Result classifies what a [Checker] decided for one request.
type Result uint8

// The results a door reports through its outcome hook, such as
// [Config.OnOutcome].
const (
	// Accepted: the credentials were verified and the request goes on with
	// the user in its context.
	Accepted Result = iota + 1
	// Skipped: the door's skipper let the request through unchecked.
	Skipped
	// Missing: the user or the token was absent or empty; answered 401.
	Missing
	// Rejected: unknown user, wrong, malformed or expired token, unusable
	// name, or an ambiguous credential (a repeated or look-alike header,
	// an unreadable Basic header); answered 401.
	Rejected
	// Failed: verification could not complete; answered 500.
	Failed
)

// String returns the result's lower-case name ("accepted", "skipped",
// "missing", "rejected", "failed"), or "unknown".
func (r Result) String() string {
	switch r {
	case Accepted:
		return "accepted"
	case Skipped:
		return "skipped"
	case Missing:
		return "missing"
	case Rejected:
		return "rejected"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Outcome describes one request's authentication for logging and metrics. It
// never holds the token.
type Outcome struct {
	Result Result

	// User is the user name the request presented, or "" if none. It is not
	// verified unless Result is Accepted.
	User string

	// Basic reports that the credentials came from an Authorization: Basic
	// header rather than the user and token headers.
	Basic bool

	// Err is nil for Accepted and Skipped. For Missing it wraps
	// [ErrMissingCredentials] and says what was missing: which of the
	// configured headers was absent or empty, and whether an Authorization
	// header came that is not read (BasicAuth off, or a scheme other than
	// Basic). For Rejected it is the reason: [cache.ErrNotRegistered],
	// [cache.ErrInvalidUser], [cache.ErrInvalidToken] (a wrong token),
	// [cache.ErrMalformedToken] (a token that cannot be anyone's: see
	// [Verifier]'s CheckToken), [cache.ErrTokenExpired] (the user's token,
	// past its expiry or its grace) or an error wrapping
	// [ErrInvalidCredentials] (a repeated header, a look-alike header, an
	// unreadable Basic header). For Failed it wraps [ErrVerifyFailed] and
	// the verifier's error. Because it can tell whether a user exists, it
	// belongs in logs, never in a response: the client gets the same 401
	// whatever the reason.
	Err error

	// Elapsed is how long the decision took: reading the headers and
	// verifying the credentials. It is measured only by a [Checker.Timed]
	// checker, as the doors make one when an outcome hook is set.
	Elapsed time.Duration
}

// refusal returns the error for a door's error handler: the Missing or
// Invalid sentinel itself for a 401, whatever the reason, so that the
// answer does not tell whether the user exists; o.Err, which wraps
// ErrVerifyFailed, for a failure; nil for a request that goes on.
func (o Outcome) refusal() error {
	switch o.Result {
	case Accepted, Skipped:
		return nil
	case Missing:
		return ErrMissingCredentials
	case Failed:
		return o.Err
	}
	return ErrInvalidCredentials
}
