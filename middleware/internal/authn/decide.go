package authn

import "net/http"

// Decision is what a front end does with one request, as [Checker.Decide]
// found it. It never holds the token.
type Decision struct {
	Verdict

	// Next is the request for the next handler, or nil if the request is
	// refused. An accepted request's copy carries the user in its context
	// (see [WithUser]); a skipped request is passed on as it came, less its
	// token.
	Next *http.Request

	// Refusal, when Next is nil, is the error for the error handler: the
	// Missing or Invalid sentinel itself (whatever the reason, so that the
	// answer does not tell whether the user exists), or the Verdict's
	// error, which wraps the Failed sentinel.
	Refusal error

	// Challenge reports that the refusal is a 401 whose answer carries the
	// values of [Checker.Challenge] in WWW-Authenticate; it is false for a
	// failed verification.
	Challenge bool
}

// Decide authenticates r. If skip is true it only removes the credentials
// from r's header, as [Checker.Strip] does, and lets the request through
// unchecked (Result [Skipped]); otherwise it checks them with
// [Checker.Check]. Front ends call it once per request, report the
// Decision's Verdict, then either serve Next or answer Refusal.
func (c *Checker) Decide(r *http.Request, skip bool) Decision {
	if skip {
		c.Strip(r.Header)
		return Decision{Verdict: Verdict{Result: Skipped}, Next: r}
	}
	d := Decision{Verdict: c.Check(r.Context(), r.Header)}
	switch d.Result {
	case Accepted:
		d.Next = WithUser(r, d.User)
	case Failed:
		d.Refusal = d.Err
	case Missing:
		d.Refusal, d.Challenge = c.errs.Missing, true
	default:
		d.Refusal, d.Challenge = c.errs.Invalid, true
	}
	return d
}
