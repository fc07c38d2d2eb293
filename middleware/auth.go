package middleware

import (
	"io"
	"net/http"
	"time"

	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// Auth returns middleware that lets a request through to the next handler
// only with a valid user and token in the X-Fixie-User and X-Fixie-Token
// headers; it is [AuthWithConfig] with a zero [Config].
//
// On success the next handler runs with the user in the request context
// (see [UserFromContext]). Missing, empty, unknown, wrong, malformed or
// unusable credentials get a 401 with a WWW-Authenticate: Fixie challenge and
// one and the same JSON body; a verification that could not complete gets a
// 500 and the request never passes. The token header never reaches the next
// handler. The middleware has the shape chi, gorilla/mux and alice take, and
// wraps single handlers on an [http.ServeMux] route by route.
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

// ToMiddleware returns the middleware of [AuthWithConfig], or an error if v
// is nil (a nil interface, or a nil pointer or function in one, such as a
// *cache.Cache that was never opened), if a header name is not a valid HTTP
// field name, if the user and token headers are the same, if BasicAuth is
// on and either header is Authorization, or if the realm holds a quote, a
// backslash or a character other than printable ASCII.
func (cfg Config) ToMiddleware(v Verifier) (func(http.Handler) http.Handler, error) {
	verify, err := authn.Adapt(v)
	if err != nil {
		return nil, err
	}
	chk, err := authn.New(cfg.settings(), verify)
	if err != nil {
		return nil, err
	}
	skip, onOutcome := cfg.Skipper, cfg.OnOutcome
	onError := cfg.ErrorHandler
	if onError == nil {
		onError = defaultErrorHandler
	}
	challenge := chk.Challenge()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var d authn.Decision
			if onOutcome != nil {
				start := time.Now()
				d = chk.Decide(r, skip != nil && skip(r))
				onOutcome(r, newOutcome(d.Verdict, time.Since(start)))
			} else {
				d = chk.Decide(r, skip != nil && skip(r))
			}
			if d.Next != nil {
				next.ServeHTTP(w, d.Next)
				return
			}
			if d.Challenge {
				w.Header()["Www-Authenticate"] = challenge
			}
			onError(w, r, d.Refusal)
		})
	}, nil
}

// defaultErrorHandler answers a refusal when Config has no ErrorHandler:
// 401 and "Unauthorized", or 500 and "Credentials could not be verified"
// for an error wrapping ErrVerifyFailed, as {"message":…}.
func defaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	status, msg := sentinels.DefaultAnswer(err)
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
