package middleware

import (
	"errors"
	"io"
	"net/http"
)

// Auth returns middleware that lets a request through to the next handler
// only with a valid user and token in the X-Fixie-User and X-Fixie-Token
// headers; it is [AuthWithConfig] with a zero [Config].
//
// On success the next handler runs with the user in the request context
// (see [UserFromContext]). Missing, empty, unknown, wrong, malformed or
// unusable credentials, and repeated or look-alike credential headers (see
// [Checker]), get a 401 with a WWW-Authenticate: Fixie challenge and one
// and the same JSON body; a verification that could not complete gets a
// 500 and the request never passes. The token header never reaches the
// next handler. The middleware has the shape chi, gorilla/mux and alice
// take, and wraps single handlers on an [http.ServeMux] route by route.
//
// Auth panics if v is nil or a nil pointer; [Config.ToMiddleware] reports
// that as an error instead.
func Auth(v Verifier) func(http.Handler) http.Handler {
	return AuthWithConfig(v, Config{})
}

// AuthWithConfig is [Auth] configured by cfg. It panics, when called and not
// on a request, if v is nil or a nil pointer or cfg is invalid;
// [Config.ToMiddleware] reports the same problems as an error.
func AuthWithConfig(v Verifier, cfg Config) func(http.Handler) http.Handler {
	mw, err := cfg.ToMiddleware(v)
	if err != nil {
		panic(err)
	}
	return mw
}

// ToMiddleware returns the middleware of [AuthWithConfig], or the error of
// [NewChecker] for v and cfg.
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

// defaultErrorHandler answers a refusal when Config has no ErrorHandler:
// 401 and [UnauthorizedMessage], or 500 and [FailedMessage] for an error
// wrapping ErrVerifyFailed, as {"message":…}.
func defaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	status, msg := http.StatusUnauthorized, UnauthorizedMessage
	if errors.Is(err, ErrVerifyFailed) {
		status, msg = http.StatusInternalServerError, FailedMessage
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	// Three writes rather than a concatenation, which would allocate.
	_, _ = io.WriteString(w, `{"message":"`)
	_, _ = io.WriteString(w, msg)
	_, _ = io.WriteString(w, `"}`)
}

// jsonContentType is the Content-Type of the default answers, shared so
// that setting it allocates nothing.
var jsonContentType = []string{"application/json"}
