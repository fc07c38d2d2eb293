package middleware

import (
	"errors"
	"io"
	"net/http"

	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// Bodies of the default error answers. They are the same whatever the reason,
// so that a client cannot learn which users exist.
const (
	unauthorizedBody = `{"message":"Unauthorized"}`
	failedBody       = `{"message":"Credentials could not be verified"}`
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
// Auth panics if v is nil.
func Auth(v Verifier) func(http.Handler) http.Handler {
	return AuthWithConfig(v, Config{})
}

// AuthWithConfig is [Auth] configured by cfg. It panics if v is nil or cfg is
// invalid; [Config.ToMiddleware] reports the same problems as an error.
func AuthWithConfig(v Verifier, cfg Config) func(http.Handler) http.Handler {
	mw, err := cfg.ToMiddleware(v)
	if err != nil {
		panic(err)
	}
	return mw
}

// ToMiddleware returns the middleware of [AuthWithConfig], or an error if v
// is nil, if a header name is not a valid HTTP field name, if the user and
// token headers are the same, if BasicAuth is on and either header is
// Authorization, or if the realm holds a quote, a backslash or a character
// other than printable ASCII.
func (cfg Config) ToMiddleware(v Verifier) (func(http.Handler) http.Handler, error) {
	chk, err := authn.New(cfg.settings(), authn.Adapt(v))
	if err != nil {
		return nil, err
	}
	skip, onOutcome := cfg.Skipper, cfg.OnOutcome
	onError := cfg.ErrorHandler
	if onError == nil {
		onError = defaultErrorHandler()
	}
	challenge := chk.Challenge()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if skip != nil && skip(r) {
				chk.Strip(r.Header)
				if onOutcome != nil {
					onOutcome(r, Outcome{Result: Skipped})
				}
				next.ServeHTTP(w, r)
				return
			}
			v := chk.Check(r.Context(), r.Header)
			if onOutcome != nil {
				onOutcome(r, newOutcome(v))
			}
			switch v.Result {
			case authn.Accepted:
				next.ServeHTTP(w, authn.WithUser(r, v.User))
			case authn.Failed:
				onError(w, r, v.Err)
			case authn.Missing:
				w.Header()["Www-Authenticate"] = challenge
				onError(w, r, ErrMissingCredentials)
			default:
				w.Header()["Www-Authenticate"] = challenge
				onError(w, r, ErrInvalidCredentials)
			}
		})
	}, nil
}

// defaultErrorHandler returns the error handler used when Config has none.
func defaultErrorHandler() func(http.ResponseWriter, *http.Request, error) {
	contentType := []string{"application/json"}
	return func(w http.ResponseWriter, _ *http.Request, err error) {
		h := w.Header()
		h["Content-Type"] = contentType
		if errors.Is(err, ErrVerifyFailed) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, failedBody)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, unauthorizedBody)
	}
}
