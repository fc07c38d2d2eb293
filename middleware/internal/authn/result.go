package authn

// Result classifies what the middleware did with one request.
type Result uint8

// The results, in the order of the public constants that mirror them.
const (
	Accepted Result = iota + 1 // credentials verified
	Skipped                    // the skipper let the request through unchecked
	Missing                    // no credentials presented
	Rejected                   // unknown user, wrong, malformed or expired token, unusable name
	Failed                     // verification could not complete
)

// String returns the result's lower-case name, or "unknown".
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

// Verdict is the outcome of [Checker.Check]. It never holds the token.
type Verdict struct {
	Result Result
	// User is the presented user name, or "" if none was presented.
	User string
	// Basic reports that the credentials came from an Authorization: Basic header.
	Basic bool
	// Err is nil when Result is Accepted; otherwise the cause (see Check).
	Err error
}
