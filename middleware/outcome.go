package middleware

import (
	"time"

	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// Result classifies what [Auth] did with one request.
type Result uint8

// The results [Auth] reports through [Config.OnOutcome].
const (
	// Accepted: the credentials were verified and the next handler runs with
	// the user in the request context.
	Accepted Result = iota + 1
	// Skipped: [Config.Skipper] let the request through unchecked.
	Skipped
	// Missing: the user or the token was absent or empty; answered 401.
	Missing
	// Rejected: unknown user, wrong, malformed or expired token, unusable
	// name, or an ambiguous credential; answered 401.
	Rejected
	// Failed: verification could not complete; answered 500.
	Failed
)

// String returns the result's lower-case name ("accepted", "skipped",
// "missing", "rejected", "failed"), or "unknown".
func (r Result) String() string { return authn.Result(r).String() }

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
	// header came that the middleware does not read (BasicAuth off, or a
	// scheme other than Basic). For Rejected it is the reason:
	// [cache.ErrNotRegistered], [cache.ErrInvalidUser],
	// [cache.ErrInvalidToken] (a wrong token), [cache.ErrMalformedToken]
	// (a token that cannot be anyone's: not hex, quoted, with a 0x or a
	// space, or too long for the token size), [cache.ErrTokenExpired]
	// (the user's token, past its expiry or its grace) or an error wrapping
	// [ErrInvalidCredentials] (a repeated header, an unreadable Basic
	// header). For Failed it wraps [ErrVerifyFailed] and the verifier's
	// error. Because it can tell whether a user exists, it belongs in logs,
	// never in a response: the client gets the same 401 whatever the
	// reason.
	Err error

	// Elapsed is how long the decision took: reading the headers and
	// verifying the credentials. It is measured only for OnOutcome.
	Elapsed time.Duration
}

// newOutcome converts the core's verdict.
func newOutcome(v authn.Verdict, elapsed time.Duration) Outcome {
	return Outcome{Result: Result(v.Result), User: v.User, Basic: v.Basic, Err: v.Err, Elapsed: elapsed}
}
