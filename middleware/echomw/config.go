package echomw

import (
	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// AuthConfig configures [AuthWithConfig]. Every field is optional: a zero
// field takes its value from [DefaultAuthConfig].
type AuthConfig struct {
	// Skipper defines a function to skip middleware; Echo's
	// middleware.Skipper values fit it. The token header is removed from
	// skipped requests too.
	// Optional. Default nil: skips nothing, as Echo's DefaultSkipper.
	Skipper func(c echo.Context) bool

	// UserHeader names the request header that carries the user name.
	// Optional. Default "X-Fixie-User".
	UserHeader string

	// TokenHeader names the request header that carries the token. It is
	// removed from every request before the next handler runs.
	// Optional. Default "X-Fixie-Token".
	TokenHeader string

	// Realm is the realm of the WWW-Authenticate challenge sent with a 401:
	// printable ASCII without quotes or backslashes.
	// Optional. Default "fixie".
	Realm string

	// BasicAuth also accepts "Authorization: Basic" credentials, with the
	// token as the password, when the user and token headers are both absent,
	// so that `curl -u user:token` and browsers work. A 401 then also carries
	// a Basic challenge, and a Basic Authorization header is removed before
	// the next handler runs.
	// Optional. Default false.
	BasicAuth bool

	// ErrorHandler turns a request that was not accepted into the error the
	// middleware returns to Echo. err is middleware.ErrMissingCredentials,
	// middleware.ErrInvalidCredentials, or an error wrapping
	// middleware.ErrVerifyFailed and the verifier's error. For the first two
	// the WWW-Authenticate challenge is already set on the response header;
	// delete it if the answer is not a 401.
	// Optional. Default: an *echo.HTTPError with code 401 and message
	// "Unauthorized" for the first two, 500 and "Credentials could not be
	// verified" for the third, with err as its Internal error.
	ErrorHandler func(err error, c echo.Context) error

	// OnOutcome is called once per request, after the decision and before the
	// next handler or the error, for logging and metrics. It runs on the
	// request's goroutine, so it must be quick and safe for concurrent use.
	// It is never given the token.
	// Optional. Default nil.
	OnOutcome func(c echo.Context, o middleware.Outcome)
}

// DefaultAuthConfig is the configuration [Auth] uses, and the values that
// zero fields of an [AuthConfig] take. The middleware copies its defaults
// from constants, not from this variable, so assigning to it changes nothing.
var DefaultAuthConfig = AuthConfig{
	UserHeader:  middleware.DefaultUserHeader,
	TokenHeader: middleware.DefaultTokenHeader,
	Realm:       middleware.DefaultRealm,
}

// withDefaults returns cfg with its zero fields set to the defaults.
func (cfg AuthConfig) withDefaults() AuthConfig {
	if cfg.UserHeader == "" {
		cfg.UserHeader = middleware.DefaultUserHeader
	}
	if cfg.TokenHeader == "" {
		cfg.TokenHeader = middleware.DefaultTokenHeader
	}
	if cfg.Realm == "" {
		cfg.Realm = middleware.DefaultRealm
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = defaultErrorHandler
	}
	return cfg
}

// settings returns the core settings of a cfg whose defaults are filled in.
func (cfg AuthConfig) settings() authn.Settings {
	return authn.Settings{
		UserHeader:  cfg.UserHeader,
		TokenHeader: cfg.TokenHeader,
		Realm:       cfg.Realm,
		Basic:       cfg.BasicAuth,
	}
}
