package httpapi

// An Outcome is what became of one request to the service, for metrics
// (see [HandlerConfig.OnOutcome]). It never holds a token or an email.
type Outcome struct {
	// Op is the operation asked for: "register", "verify", "deregister"
	// or "reset".
	Op string

	// Result is one of:
	//
	//	"ok"                  register or reset issued a token, verify
	//	                      verified, deregister removed the user
	//	"wrong_token"         verify or deregister: not the user's token
	//	"token_expired"       verify or deregister: the user's token, past
	//	                      its end
	//	"not_registered"      verify, deregister or reset: no such user
	//	"already_registered"  register: the name is taken
	//	"email_mismatch"      reset: not the registered email
	//	"invalid"             400, 405 or 413: a request of the wrong shape,
	//	                      or a name or email the cache refuses
	//	"cross_origin"        403: a browser's cross-origin request
	//	"limited"             429: past the limit named by Limit
	//	"full"                403: register at the cap on users
	//	"failed"              500: the operation could not complete
	Result string

	// Limit, for the result "limited", names the limit that refused the
	// request: "register" (RegisterLimit), "reset" (ResetLimit) or
	// "reset_user" (ResetUserLimit); "" otherwise.
	Limit string
}

// The values of Outcome.Result.
const (
	resultOK                = "ok"
	resultWrongToken        = "wrong_token"
	resultTokenExpired      = "token_expired"
	resultNotRegistered     = "not_registered"
	resultAlreadyRegistered = "already_registered"
	resultEmailMismatch     = "email_mismatch"
	resultInvalid           = "invalid"
	resultCrossOrigin       = "cross_origin"
	resultLimited           = "limited"
	resultFull              = "full"
	resultFailed            = "failed"
)
