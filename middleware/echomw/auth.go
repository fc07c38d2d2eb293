package echomw

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// Auth returns Echo middleware that decides as middleware.Auth does: the
// next handler runs only for a valid user and token, with the user for
// [User] and middleware.UserFromContext; a refusal returns an
// *echo.HTTPError, 401 with a WWW-Authenticate: Fixie challenge whatever
// the reason, or 500 if verification could not complete. The token header
// never reaches the next handler. It is [AuthWithConfig] with a zero
// [AuthConfig]; it panics if v is nil or a nil pointer.
func Auth(v middleware.Verifier) echo.MiddlewareFunc {
	return AuthWithConfig(v, AuthConfig{})
}

// AuthWithConfig is [Auth] configured by cfg. It panics at once if v is nil
// or a nil pointer or cfg is invalid; [AuthConfig.ToMiddleware] returns the
// error instead.
func AuthWithConfig(v middleware.Verifier, cfg AuthConfig) echo.MiddlewareFunc {
	mw, err := cfg.ToMiddleware(v)
	if err != nil {
		panic(err)
	}
	return mw
}

// ToMiddleware returns the middleware of [AuthWithConfig], or its error.
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
	// Echo v4 makes this closure per request: it captures one pointer.
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return a.serve(c, next) }
	}, nil
}

type auth struct {
	chk       *middleware.Checker
	skip      func(echo.Context) bool
	onError   func(error, echo.Context) error
	onOutcome func(echo.Context, middleware.Outcome)
}

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

// User returns the user that [Auth] verified for c's request, as
// middleware.UserFromContext does, and whether there is one. It never panics.
func User(c echo.Context) (string, bool) {
	if c == nil || c.Request() == nil {
		return "", false
	}
	return middleware.UserFromContext(c.Request().Context())
}

// defaultErrorHandler: see AuthConfig.ErrorHandler. Constant messages go
// into the interface without allocating.
func defaultErrorHandler(err error, _ echo.Context) error {
	if errors.Is(err, middleware.ErrVerifyFailed) {
		return &echo.HTTPError{Code: http.StatusInternalServerError, Message: middleware.FailedMessage, Internal: err}
	}
	return &echo.HTTPError{Code: http.StatusUnauthorized, Message: middleware.UnauthorizedMessage, Internal: err}
}
