package echomw

import (
	"github.com/labstack/echo/v4"

	"github.com/fixiecreds/fixiecreds/middleware"
	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// AuthConfig configures [AuthWithConfig]. Every field is optional: a zero
// field takes its value from [DefaultAuthConfig] (BasicAuth aside).
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

// DefaultAuthConfig is the configuration [Auth] uses as it is, and where
// the zero fields of an [AuthConfig] given to [AuthWithConfig] or
// [AuthConfig.ToMiddleware] take their values from, as in Echo's own
// middleware: set a field here to change it for every middleware built
// afterwards. BasicAuth is the exception for the latter two: a false
// BasicAuth cannot be told from an unset one, so a config's BasicAuth is
// never taken from here. The middleware reads
// this variable when it is built, never on a request; change it, if at
// all, before building any and not while other goroutines do. Fields left
// empty here, or emptied, take the built-in defaults (the header names and
// realm of middleware.DefaultUserHeader, DefaultTokenHeader and
// DefaultRealm, and an error handler answering 401 or 500 with an
// *echo.HTTPError).
var DefaultAuthConfig = AuthConfig{
	UserHeader:   middleware.DefaultUserHeader,
	TokenHeader:  middleware.DefaultTokenHeader,
	Realm:        middleware.DefaultRealm,
	ErrorHandler: defaultErrorHandler,
}

// withDefaults returns cfg with its zero fields, BasicAuth aside, taken from
// def, and a nil ErrorHandler that def does not fill set to the built-in
// one. Empty header names and realm are left for the core to fill.
func (cfg AuthConfig) withDefaults(def AuthConfig) AuthConfig {
	if cfg.Skipper == nil {
		cfg.Skipper = def.Skipper
	}
	if cfg.UserHeader == "" {
		cfg.UserHeader = def.UserHeader
	}
	if cfg.TokenHeader == "" {
		cfg.TokenHeader = def.TokenHeader
	}
	if cfg.Realm == "" {
		cfg.Realm = def.Realm
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = def.ErrorHandler
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = defaultErrorHandler
	}
	if cfg.OnOutcome == nil {
		cfg.OnOutcome = def.OnOutcome
	}
	return cfg
}

// settings returns the core settings of cfg.
func (cfg AuthConfig) settings() authn.Settings {
	return authn.Settings{
		UserHeader:  cfg.UserHeader,
		TokenHeader: cfg.TokenHeader,
		Realm:       cfg.Realm,
		Basic:       cfg.BasicAuth,
		Errors:      sentinels,
	}
}
