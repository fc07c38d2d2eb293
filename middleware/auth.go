package middleware

import (
	"errors"
	"io"
	"net/http"
)

// Auth returns middleware that runs the next handler, with the user in the
// request context ([UserFromContext]), only for a valid user and token in
// the X-Fixie-User and X-Fixie-Token headers; it is [AuthWithConfig] with a
// zero [Config]. Every refusal (see [Checker.Check]) gets a 401 with a
// WWW-Authenticate: Fixie challenge and the same JSON body; a verification
// that could not complete gets a 500. The token header never reaches the
// next handler. Auth panics if v is nil or a nil pointer.
func Auth(v Verifier) func(http.Handler) http.Handler {
	return AuthWithConfig(v, Config{})
}

// AuthWithConfig is [Auth] configured by cfg. It panics at once, not on a
// request, if v is nil or a nil pointer or cfg is invalid.
func AuthWithConfig(v Verifier, cfg Config) func(http.Handler) http.Handler {
	mw, err := cfg.ToMiddleware(v)
	if err != nil {
		panic(err)
	}
	return mw
}

// ToMiddleware returns the middleware of [AuthWithConfig], or the error of
// [NewChecker] for v and cfg instead of a panic.
func (cfg Config) ToMiddleware(v Verifier) (func(http.Handler) http.Handler, error) {
	chk, err := NewChecker(v, cfg)
	if err != nil {
		return nil, err
	}
	skip, onOutcome := cfg.Skipper, cfg.OnOutcome
	if onOutcome != nil {
		chk = chk.Timed()
	}
	onError := cfg.ErrorHandler
	if onError == nil {
		onError = defaultErrorHandler
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o, nr := chk.CheckRequest(r, skip != nil && skip(r))
			if onOutcome != nil {
				onOutcome(r, o)
			}
			if nr != nil {
				next.ServeHTTP(w, nr)
				return
			}
			onError(w, r, chk.Refuse(w.Header(), o))
		})
	}, nil
}

// defaultErrorHandler answers {"message":…}: 401 and UnauthorizedMessage,
// or 500 and FailedMessage for an error wrapping ErrVerifyFailed.
func defaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	status, msg := http.StatusUnauthorized, UnauthorizedMessage
	if errors.Is(err, ErrVerifyFailed) {
		status, msg = http.StatusInternalServerError, FailedMessage
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	// Three writes: a concatenation would allocate.
	_, _ = io.WriteString(w, `{"message":"`)
	_, _ = io.WriteString(w, msg)
	_, _ = io.WriteString(w, `"}`)
}

// jsonContentType is shared, so that setting it allocates nothing.
var jsonContentType = []string{"application/json"}
