package echomw

import (
	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// AuthConfig configures [AuthWithConfig]. Every field is optional: the
// zero AuthConfig behaves as [Auth].
type AuthConfig struct {
	// Skipper defines a function to skip middleware; Echo's
	// middleware.Skipper values fit it. Skipped requests lose their token
	// too, as with middleware.Config's Skipper.
	// Optional. Default nil: skips nothing, as Echo's DefaultSkipper.
	Skipper func(c echo.Context) bool

	// UserHeader, TokenHeader, Realm and BasicAuth are the fields of the
	// same names of middleware.Config: where the credentials are read, and
	// how a 401 challenges.
	// Optional. Defaults "X-Fixie-User", "X-Fixie-Token", "fixie", false.
	UserHeader, TokenHeader, Realm string
	BasicAuth                      bool

	// ErrorHandler turns a request that was not accepted into the error the
	// middleware returns to Echo. err is as for middleware.Config's
	// ErrorHandler, and the WWW-Authenticate challenge is set on the
	// response header likewise.
	// Optional. Default: an *echo.HTTPError with code 401 and message
	// "Unauthorized", or 500 and "Credentials could not be verified" for
	// an err wrapping middleware.ErrVerifyFailed, with err as its Internal
	// error.
	ErrorHandler func(err error, c echo.Context) error

	// OnOutcome is called as middleware.Config's OnOutcome is, with the
	// Echo context.
	// Optional. Default nil.
	OnOutcome func(c echo.Context, o middleware.Outcome)
}

// credentials returns the fields of cfg that the decision reads.
func (cfg AuthConfig) credentials() middleware.Config {
	return middleware.Config{
		UserHeader:  cfg.UserHeader,
		TokenHeader: cfg.TokenHeader,
		Realm:       cfg.Realm,
		BasicAuth:   cfg.BasicAuth,
	}
}
