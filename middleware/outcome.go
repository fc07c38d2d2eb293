package middleware

import "time"

// Result classifies what a [Checker] decided for one request.
type Result uint8

// Results, as an outcome hook such as [Config.OnOutcome] sees them.
const (
	Accepted Result = iota + 1 // verified; the request goes on with the user
	Skipped                    // the door's skipper let the request through
	Missing                    // user or token absent or empty: 401
	// Rejected: unknown user, wrong, malformed or expired token, unusable
	// name, repeated or look-alike header, unreadable Basic header: 401.
	Rejected
	Failed // verification could not complete: 500
)

// String returns the result's lower-case name, such as "accepted", or
// "unknown".
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

// Outcome describes one request's authentication, for logs and metrics. It
// never holds the token.
type Outcome struct {
	Result Result
	User   string // as presented; verified only if Accepted
	Basic  bool   // credentials from an Authorization: Basic header

	// Err says why; it tells whether a user exists, so it belongs in logs,
	// never in a response. It is nil for Accepted and Skipped; for Missing it
	// wraps [ErrMissingCredentials] and names the absent or empty header (and
	// an unread Authorization header); for Rejected it is
	// [cache.ErrNotRegistered], [cache.ErrInvalidUser], [cache.ErrInvalidToken],
	// [cache.ErrMalformedToken], [cache.ErrTokenExpired] or wraps
	// [ErrInvalidCredentials]; for Failed it wraps [ErrVerifyFailed] and the
	// verifier's error.
	Err error

	// Elapsed is the time to decide, measured by a [Checker.Timed] checker,
	// as the doors make one when an outcome hook is set.
	Elapsed time.Duration
}

// refusal returns the error for a door's error handler: a sentinel that
// does not tell whether the user exists, o.Err for Failed, or nil.
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
