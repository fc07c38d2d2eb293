package middleware

import "net/http"

// Defaults of empty [Config] (and echomw.AuthConfig) fields.
const (
	DefaultUserHeader  = "X-Fixie-User"
	DefaultTokenHeader = "X-Fixie-Token"
	DefaultRealm       = "fixie"
)

// Config configures [AuthWithConfig], [ForwardAuth] and [NewChecker]; the
// zero Config behaves as [Auth]. Every field is optional.
type Config struct {
	// Skipper reports whether a request passes unchecked; its token and
	// look-alike headers are removed all the same. Default nil.
	Skipper func(r *http.Request) bool

	// UserHeader names the header of the user. Default "X-Fixie-User".
	UserHeader string

	// TokenHeader names the header of the token, removed from every request
	// before the next handler runs. Default "X-Fixie-Token".
	TokenHeader string

	// Realm is the realm of the 401's WWW-Authenticate challenge: printable
	// ASCII without quotes or backslashes. Default "fixie".
	Realm string

	// BasicAuth also accepts "Authorization: Basic" with the token as the
	// password when the user and token headers are both absent (curl -u). A
	// 401 then also carries a Basic challenge, and a Basic Authorization
	// header is removed before the next handler runs. Default false.
	BasicAuth bool

	// ErrorHandler answers a refused request. err is [ErrMissingCredentials]
	// or [ErrInvalidCredentials], with the challenge already set on w's
	// header (delete it for an answer other than 401), or wraps
	// [ErrVerifyFailed] and the verifier's error. Default: 401 with
	// {"message":"Unauthorized"}, or 500 with [FailedMessage] for the last.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// OnOutcome is called once per request, before the next handler or the
	// error answer, on the request's goroutine: it must be quick and safe
	// for concurrent use. It is never given the token. Default nil.
	OnOutcome func(r *http.Request, o Outcome)
}
