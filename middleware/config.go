package middleware

import "net/http"

// Defaults that a zero [Config] field takes (and a zero echomw.AuthConfig
// field).
const (
	DefaultUserHeader  = "X-Fixie-User"
	DefaultTokenHeader = "X-Fixie-Token"
	DefaultRealm       = "fixie"
)

// Config configures [AuthWithConfig] and [NewChecker]. Every field is
// optional: the zero Config behaves as [Auth]. UserHeader, TokenHeader,
// Realm and BasicAuth say how credentials are read and refusals
// challenged, at every door; Skipper, ErrorHandler and OnOutcome belong to
// the net/http middleware.
type Config struct {
	// Skipper reports whether a request passes unchecked. The token header
	// is removed from skipped requests too, and so are the headers that
	// read as a credential header (see [Checker]).
	// Optional. Default nil: no request is skipped.
	Skipper func(r *http.Request) bool

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
	// so that `curl -u user:token` and browsers work. A 401 then also
	// carries a Basic challenge, and a Basic Authorization header is removed
	// before the next handler runs.
	// Optional. Default false.
	BasicAuth bool

	// ErrorHandler answers a request that was not accepted. err is
	// [ErrMissingCredentials], [ErrInvalidCredentials], or an error wrapping
	// [ErrVerifyFailed] and the verifier's error. For the first two the
	// WWW-Authenticate challenge is already set on w's header; delete it if
	// the answer is not a 401.
	// Optional. Default: 401 with the JSON body {"message":"Unauthorized"}
	// for the first two, 500 with {"message":"Credentials could not be
	// verified"} for the third.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// OnOutcome is called once per request, after the decision and before the
	// next handler or the error answer, for logging and metrics. It runs on
	// the request's goroutine, so it must be quick and safe for concurrent
	// use. It is never given the token.
	// Optional. Default nil.
	OnOutcome func(r *http.Request, o Outcome)
}
