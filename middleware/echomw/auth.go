package echomw

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// Auth returns Echo middleware that lets a request through only with a valid
// user and token in the X-Fixie-User and X-Fixie-Token headers; it is
// [AuthWithConfig] with [DefaultAuthConfig]. Use it with e.Use, on a group, or
// on one route.
//
// On success the next handler runs with the user in the request context,
// where both [User] and middleware.UserFromContext find it. Missing, empty,
// unknown, wrong, malformed or unusable credentials are answered 401 with a
// WWW-Authenticate: Fixie challenge and one and the same message; a
// verification that could not complete is answered 500 and the request never
// passes. The token header never reaches the next handler.
//
// Auth panics if v is nil or a nil pointer; [AuthConfig.ToMiddleware]
// reports that as an error instead.
func Auth(v middleware.Verifier) echo.MiddlewareFunc {
	return AuthWithConfig(v, DefaultAuthConfig)
}

// AuthWithConfig is [Auth] configured by cfg, whose zero fields take their
// values from [DefaultAuthConfig]. It panics, when called and not on a
// request, if v is nil or a nil pointer or cfg is invalid;
// [AuthConfig.ToMiddleware] reports the same problems as an error.
func AuthWithConfig(v middleware.Verifier, cfg AuthConfig) echo.MiddlewareFunc {
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
func (cfg AuthConfig) ToMiddleware(v middleware.Verifier) (echo.MiddlewareFunc, error) {
	verify, err := authn.Adapt(v)
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults(DefaultAuthConfig)
	chk, err := authn.New(cfg.settings(), verify)
	if err != nil {
		return nil, err
	}
	a := &auth{
		chk:       chk,
		skip:      cfg.Skipper,
		onError:   cfg.ErrorHandler,
		onOutcome: cfg.OnOutcome,
		challenge: chk.Challenge(),
	}
	// Echo v4 applies route and group middleware anew for every request, so
	// this closure is allocated per request: it captures as little as it can.
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return a.serve(c, next) }
	}, nil
}

// auth is one configured middleware.
type auth struct {
	chk       *authn.Checker
	skip      func(echo.Context) bool
	onError   func(error, echo.Context) error
	onOutcome func(echo.Context, middleware.Outcome)
	challenge []string
}

// serve authenticates the request in c and calls next or answers.
func (a *auth) serve(c echo.Context, next echo.HandlerFunc) error {
	var d authn.Decision
	if a.onOutcome != nil {
		start := time.Now()
		d = a.chk.Decide(c.Request(), a.skip != nil && a.skip(c))
		a.onOutcome(c, outcome(d.Verdict, time.Since(start)))
	} else {
		d = a.chk.Decide(c.Request(), a.skip != nil && a.skip(c))
	}
	if d.Next != nil {
		c.SetRequest(d.Next)
		return next(c)
	}
	if d.Challenge {
		c.Response().Header()["Www-Authenticate"] = a.challenge
	}
	return a.onError(d.Refusal, c)
}

// User returns the user that [Auth] verified for the request in c, and
// whether there is one. It is middleware.UserFromContext on the request's
// context, and never panics.
func User(c echo.Context) (string, bool) {
	if c == nil || c.Request() == nil {
		return "", false
	}
	return middleware.UserFromContext(c.Request().Context())
}

// sentinels are package middleware's errors, which the core wraps in its
// reasons.
var sentinels = authn.Sentinels{
	Missing: middleware.ErrMissingCredentials,
	Invalid: middleware.ErrInvalidCredentials,
	Failed:  middleware.ErrVerifyFailed,
}

// defaultErrorHandler is the ErrorHandler of DefaultAuthConfig: an
// *echo.HTTPError with code 401 and message "Unauthorized", or 500 and
// "Credentials could not be verified" for an error wrapping
// middleware.ErrVerifyFailed, and err as its internal error, for Echo's
// error handler to answer. The message is set from a constant, which,
// unlike a string variable, goes into the interface without an
// allocation.
func defaultErrorHandler(err error, _ echo.Context) error {
	if status, _ := sentinels.DefaultAnswer(err); status != http.StatusUnauthorized {
		return &echo.HTTPError{Code: status, Message: authn.FailedMessage, Internal: err}
	}
	return &echo.HTTPError{Code: http.StatusUnauthorized, Message: authn.UnauthorizedMessage, Internal: err}
}

// outcome converts the core's verdict to what OnOutcome receives.
func outcome(v authn.Verdict, elapsed time.Duration) middleware.Outcome {
	return middleware.Outcome{Result: middleware.Result(v.Result), User: v.User, Basic: v.Basic, Err: v.Err, Elapsed: elapsed}
}
