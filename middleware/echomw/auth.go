package echomw

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// Auth returns Echo middleware that lets a request through only with a valid
// user and token in the X-Fixie-User and X-Fixie-Token headers; it is
// [AuthWithConfig] with a zero [AuthConfig]. Use it with e.Use, on a group,
// or on one route.
//
// It decides as middleware.Auth does (middleware.Checker): on success the
// next handler runs with the user in the request context, where both [User]
// and middleware.UserFromContext find it; refusals are 401 with a
// WWW-Authenticate: Fixie challenge and one and the same message; a
// verification that could not complete is a 500 and the request never
// passes. The token header never reaches the next handler.
//
// Auth panics if v is nil or a nil pointer; [AuthConfig.ToMiddleware]
// reports that as an error instead.
func Auth(v middleware.Verifier) echo.MiddlewareFunc {
	return AuthWithConfig(v, AuthConfig{})
}

// AuthWithConfig is [Auth] configured by cfg. It panics, when called and
// not on a request, if v is nil or a nil pointer or cfg is invalid;
// [AuthConfig.ToMiddleware] reports the same problems as an error.
func AuthWithConfig(v middleware.Verifier, cfg AuthConfig) echo.MiddlewareFunc {
	mw, err := cfg.ToMiddleware(v)
	if err != nil {
		panic(err)
	}
	return mw
}

// ToMiddleware returns the middleware of [AuthWithConfig], or the error of
// middleware.NewChecker for v and cfg's credential fields.
func (cfg AuthConfig) ToMiddleware(v middleware.Verifier) (echo.MiddlewareFunc, error) {
	chk, err := middleware.NewChecker(v, cfg.credentials())
	if err != nil {
		return nil, err
	}
	if cfg.OnOutcome != nil {
		chk = chk.Timed()
	}
	a := &auth{chk: chk, skip: cfg.Skipper, onError: cfg.ErrorHandler, onOutcome: cfg.OnOutcome}
	if a.onError == nil {
		a.onError = defaultErrorHandler
	}
	// Echo v4 applies route and group middleware anew for every request, so
	// this closure is allocated per request: it captures as little as it can.
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return a.serve(c, next) }
	}, nil
}

// auth is one configured middleware.
type auth struct {
	chk       *middleware.Checker
	skip      func(echo.Context) bool
	onError   func(error, echo.Context) error
	onOutcome func(echo.Context, middleware.Outcome)
}

// serve authenticates the request in c and calls next or answers.
func (a *auth) serve(c echo.Context, next echo.HandlerFunc) error {
	o, r := a.chk.CheckRequest(c.Request(), a.skip != nil && a.skip(c))
	if a.onOutcome != nil {
		a.onOutcome(c, o)
	}
	if r != nil {
		c.SetRequest(r)
		return next(c)
	}
	return a.onError(a.chk.Refuse(c.Response().Header(), o), c)
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

// defaultErrorHandler is the ErrorHandler of a zero AuthConfig: an
// *echo.HTTPError with code 401 and message middleware.UnauthorizedMessage,
// or 500 and middleware.FailedMessage for an error wrapping
// middleware.ErrVerifyFailed, and err as its internal error, for Echo's
// error handler to answer. The messages are constants, which, unlike
// string variables, go into the interface without an allocation.
func defaultErrorHandler(err error, _ echo.Context) error {
	if errors.Is(err, middleware.ErrVerifyFailed) {
		return &echo.HTTPError{Code: http.StatusInternalServerError, Message: middleware.FailedMessage, Internal: err}
	}
	return &echo.HTTPError{Code: http.StatusUnauthorized, Message: middleware.UnauthorizedMessage, Internal: err}
}
