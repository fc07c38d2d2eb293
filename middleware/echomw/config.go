package echomw

import (
	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/middleware"
)

// AuthConfig configures [AuthWithConfig]; its fields are those of
// middleware.Config in Echo's shapes. The zero AuthConfig behaves as [Auth].
type AuthConfig struct {
	// Skipper lets requests through unchecked, though without their token;
	// Echo's middleware.Skipper fits. Default nil.
	Skipper func(c echo.Context) bool

	// Defaults "X-Fixie-User", "X-Fixie-Token", "fixie", false.
	UserHeader, TokenHeader, Realm string
	BasicAuth                      bool

	// ErrorHandler returns the error for Echo to answer; err and the
	// challenge are as for middleware.Config. Default: an *echo.HTTPError
	// 401 "Unauthorized", or 500 "Credentials could not be verified" for
	// middleware.ErrVerifyFailed, with err as Internal.
	ErrorHandler func(err error, c echo.Context) error

	OnOutcome func(c echo.Context, o middleware.Outcome) // Default nil.
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
