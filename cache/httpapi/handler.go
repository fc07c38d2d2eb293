package httpapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/fixiecreds/fixiecreds/cache"
)

// MaxRequestBody is the largest request body [Handler] reads; a larger one is
// answered 413.
const MaxRequestBody = 64 << 10

// registry is what the service needs of a [cache.Cache]: the four
// operations, each given the request's context so that a store reached over
// a network stops waiting when the client goes away.
type registry interface {
	RegisterContext(ctx context.Context, user, email string, opts ...cache.TokenOption) (string, error)
	VerifyContext(ctx context.Context, user, token string) (bool, error)
	DeregisterContext(ctx context.Context, user, token string) error
	ResetContext(ctx context.Context, user, email string, opts ...cache.TokenOption) (string, error)
	Users() ([]string, error)
}

var _ registry = (*cache.Cache)(nil)

// service is the fixie-creds HTTP service on a registry.
type service struct {
	users   registry
	origins http.CrossOriginProtection
	log     *slog.Logger
	now     func() time.Time

	clientKey      func(*http.Request) string
	onOutcome      func(*http.Request, Outcome)
	registerLimit  *limiters // per client
	resetLimit     *limiters // per client
	resetUserLimit *limiters // per user name
	userCap        *userCap  // nil: no cap

	failLog  *rate.Limiter // lines about operations that could not complete
	failHeld atomic.Int64  // such lines held back since the last one logged

	onAudit func(context.Context, AuditEvent) error // nil: no audit trail
}

// Clients choose how often to repeat a request that fails (a broken
// record, a store out of reach), so the lines logged about operations
// that could not complete are bounded: failureLogBurst at once, then one
// per failureLogEvery, the next line logged saying how many were held
// back.
const (
	failureLogBurst = 10
	failureLogEvery = time.Second
)

// newService returns the service on users as cfg, defaults applied,
// configures it.
func newService(users registry, cfg HandlerConfig) (*service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	s := &service{
		users:          users,
		log:            cfg.Logger,
		now:            time.Now,
		clientKey:      cfg.ClientKey,
		onOutcome:      cfg.OnOutcome,
		registerLimit:  newLimiters(cfg.RegisterLimit, cfg.MaxTracked),
		resetLimit:     newLimiters(cfg.ResetLimit, cfg.MaxTracked),
		resetUserLimit: newLimiters(cfg.ResetUserLimit, cfg.MaxTracked),
		failLog:        rate.NewLimiter(rate.Every(failureLogEvery), failureLogBurst),
		onAudit:        cfg.OnAudit,
	}
	if cfg.MaxUsers > 0 {
		s.userCap = &userCap{max: cfg.MaxUsers, list: users.Users}
	}
	return s, nil
}

// Handler returns the fixie-creds HTTP service on c, with the limits of
// [DefaultHandlerConfig]. It answers POST /register, /verify, /deregister
// and /reset, relative to where it is mounted ([http.StripPrefix]), with
// the JSON and the messages of the Python service: a refusal is a 200
// with status false. Input it cannot take is 400, a request past a limit
// 429, an operation that could not complete 500 (and a line at ERROR,
// bounded, without token or email). Only a successful register or reset
// answers with a token. The wire protocol is in README.md in this
// directory.
//
// Each operation runs under the request's context. The handler is safe
// for concurrent use. It panics if c is nil.
func Handler(c *cache.Cache) http.Handler {
	return HandlerWithConfig(c, HandlerConfig{})
}

// op is one of the service's operations: it answers with a status, a
// body and the Outcome's result.
type op func(s *service, ctx context.Context, vals []string, opts []cache.TokenOption) (code int, body []byte, result string)

// ServeHTTP implements [http.Handler].
func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var o Outcome
	switch strings.TrimPrefix(r.URL.Path, "/") {
	case "register":
		o.Op = "register"
	case "verify":
		o.Op = "verify"
	case "deregister":
		o.Op = "deregister"
	case "reset":
		o.Op = "reset"
	default:
		reply(w, http.StatusNotFound, messageBody("Not Found"))
		return
	}
	o.Result, o.Limit = s.serve(w, r, o.Op)
	if s.onOutcome != nil {
		s.onOutcome(r, o)
	}
}

// serve answers a request for the operation named, and returns the
// Outcome's result and limit.
func (s *service) serve(w http.ResponseWriter, r *http.Request, opName string) (result, limit string) {
	var run op
	var name string
	var fields, seconds []string
	var perClient, perUser *limiters
	switch opName {
	case "register":
		run, name, fields, seconds, perClient = (*service).register, "Register", emailFields, registerSeconds, s.registerLimit
	case "verify":
		run, name, fields = (*service).verify, "Verify", tokenFields
	case "deregister":
		run, name, fields = (*service).deregister, "Deregister", tokenFields
	case "reset":
		run, name, fields, seconds, perClient, perUser = (*service).reset, "Reset", emailFields, resetSeconds, s.resetLimit, s.resetUserLimit
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, messageBody("Method Not Allowed"))
		return resultInvalid, ""
	}
	if err := s.origins.Check(r); err != nil {
		// A page on another site must not make a visitor's browser
		// register or reset a user; clients that are not browsers send
		// no Origin or Sec-Fetch-Site and pass.
		reply(w, http.StatusForbidden, messageBody("Cross-origin request refused"))
		return resultCrossOrigin, ""
	}
	// Before the body is read: a client past its limit costs no more.
	if perClient != nil {
		if ok, wait := perClient.allow(s.clientKey(r), s.now()); !ok {
			tooMany(w, wait)
			return resultLimited, opName
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			reply(w, http.StatusRequestEntityTooLarge, messageBody("Request body too large"))
			return resultInvalid, ""
		}
		reply(w, http.StatusBadRequest, messageBody("Unable to read the request body."))
		return resultInvalid, ""
	}
	vals, durs, inErr := decodeInput(body, fields, seconds)
	switch {
	case inErr != nil && inErr.parse:
		reply(w, http.StatusBadRequest, messageBody("Unable to parse JSON."))
		return resultInvalid, ""
	case inErr != nil:
		reply(w, http.StatusBadRequest, invalid(name, inErr.detail))
		return resultInvalid, ""
	}
	// Fields come sorted: email or token first, then user. The user name
	// is not yet checked, and may be 64 KiB long: its bucket is kept
	// under a digest.
	if perUser != nil {
		if ok, wait := perUser.allow(userKey(vals[1]), s.now()); !ok {
			tooMany(w, wait)
			return resultLimited, opName + "_user"
		}
	}
	code, answer, result := run(s, s.auditContext(r, name), vals, tokenOptions(seconds, durs))
	reply(w, code, answer)
	return result, ""
}

// tokenOptions returns the token options that the optional fields of a
// request set: durs holds the durations of the fields seconds, 0 for one
// that is absent.
func tokenOptions(seconds []string, durs []time.Duration) []cache.TokenOption {
	var opts []cache.TokenOption
	for i, name := range seconds {
		switch {
		case durs[i] == 0:
		case name == "expires_in":
			opts = append(opts, cache.ExpiresAfter(durs[i]))
		case name == "keep_previous":
			opts = append(opts, cache.KeepPrevious(durs[i]))
		}
	}
	return opts
}

func (s *service) register(ctx context.Context, v []string, opts []cache.TokenOption) (int, []byte, string) {
	email, user := v[0], v[1]
	room, err := s.userCap.reserve(s.now())
	switch {
	case err != nil:
		return s.failure(ctx, "Register", user, err)
	case !room:
		return http.StatusForbidden, noTokenBody("Registration is closed: the service has reached its limit of users"), resultFull
	}
	var issued cache.User
	token, err := s.users.RegisterContext(ctx, user, email, append(opts, cache.Issued(&issued))...)
	if err != nil {
		s.userCap.release()
	}
	if err := s.audit(ctx, AuditRegister, user, err, issued); err != nil {
		return s.auditFailed("Register", user, err)
	}
	switch {
	case err == nil:
		return http.StatusOK, tokenBody(token), resultOK
	case errors.Is(err, cache.ErrAlreadyRegistered):
		return http.StatusOK, noTokenBody("User '" + user + "' already registered"), resultAlreadyRegistered
	}
	return s.failure(ctx, "Register", user, err)
}

func (s *service) verify(ctx context.Context, v []string, _ []cache.TokenOption) (int, []byte, string) {
	token, user := v[0], v[1]
	if !isHex(token) {
		return http.StatusBadRequest, invalid("Verify", notHex), resultInvalid
	}
	ok, err := s.users.VerifyContext(ctx, user, token)
	switch {
	case err == nil && ok:
		return http.StatusOK, verifyBody("User verified", true, true), resultOK
	case err == nil:
		return http.StatusOK, verifyBody("Invalid token for user "+user, true, false), resultWrongToken
	case errors.Is(err, cache.ErrTokenExpired):
		return http.StatusOK, verifyBody(expiredMessage+user, true, false), resultTokenExpired
	case errors.Is(err, cache.ErrNotRegistered):
		return http.StatusOK, verifyBody("User '"+user+"' not registered", false, false), resultNotRegistered
	}
	return s.failure(ctx, "Verify", user, err)
}

// expiredMessage begins the message of an answer about an expired token.
const expiredMessage = "Token expired for user "

func (s *service) deregister(ctx context.Context, v []string, _ []cache.TokenOption) (int, []byte, string) {
	token, user := v[0], v[1]
	if !isHex(token) {
		return http.StatusBadRequest, invalid("Deregister", notHex), resultInvalid
	}
	err := s.users.DeregisterContext(ctx, user, token)
	if err == nil {
		s.userCap.removed()
	}
	if err := s.audit(ctx, AuditDeregister, user, err, cache.User{}); err != nil {
		return s.auditFailed("Deregister", user, err)
	}
	switch {
	case err == nil:
		return http.StatusOK, statusBody(user+" deregistered", true), resultOK
	case errors.Is(err, cache.ErrInvalidToken), errors.Is(err, cache.ErrMalformedToken):
		return http.StatusOK, statusBody("Invalid token for user "+user, false), resultWrongToken
	case errors.Is(err, cache.ErrTokenExpired):
		return http.StatusOK, statusBody(expiredMessage+user, false), resultTokenExpired
	case errors.Is(err, cache.ErrNotRegistered):
		return http.StatusOK, statusBody("User '"+user+"' not registered", false), resultNotRegistered
	}
	return s.failure(ctx, "Deregister", user, err)
}

func (s *service) reset(ctx context.Context, v []string, opts []cache.TokenOption) (int, []byte, string) {
	email, user := v[0], v[1]
	var issued cache.User
	token, err := s.users.ResetContext(ctx, user, email, append(opts, cache.Issued(&issued))...)
	if err := s.audit(ctx, AuditReset, user, err, issued); err != nil {
		return s.auditFailed("Reset", user, err)
	}
	switch {
	case err == nil:
		return http.StatusOK, tokenBody(token), resultOK
	case errors.Is(err, cache.ErrEmailMismatch):
		return http.StatusOK, noTokenBody("User email does not match registered email address"), resultEmailMismatch
	case errors.Is(err, cache.ErrNotRegistered):
		return http.StatusOK, noTokenBody("User '" + user + "' not registered"), resultNotRegistered
	}
	return s.failure(ctx, "Reset", user, err)
}

// notHex is the detail of the 400 for a token that is not a hex number.
const notHex = `field "token" must be a hex number`

// failure answers an error from the cache that no other case took: a name or
// email the cache refuses is the client's fault (400); anything else means
// the operation could not complete (500), said without the cache's words,
// which go to the log, unless the request's context ended (the client went
// away): that is no failure of the service, and goes to DEBUG.
func (s *service) failure(ctx context.Context, op, user string, err error) (int, []byte, string) {
	var name *cache.NameError
	switch {
	case errors.As(err, &name):
		return http.StatusBadRequest, invalid(op, `field "user" is not a usable user name: `+name.Reason), resultInvalid
	case errors.Is(err, cache.ErrInvalidUser):
		return http.StatusBadRequest, invalid(op, `field "user" is not a usable user name`), resultInvalid
	case errors.Is(err, cache.ErrInvalidEmail):
		return http.StatusBadRequest, invalid(op, `field "email" is not a single email address`), resultInvalid
	}
	if ctx.Err() != nil {
		s.log.Debug("httpapi: "+op+" abandoned: the client went away", "user", logName(user), "err", err)
	} else {
		s.logFailure(op, user, err)
	}
	return http.StatusInternalServerError, messageBody(op + " could not complete"), resultFailed
}

// logFailure logs an operation that could not complete at ERROR, with
// the user name and the cache's error (which names the user, never a
// token or an email), unless too many were logged just before: then it
// counts the line as held back.
func (s *service) logFailure(op, user string, err error) {
	if !s.failLog.AllowN(s.now(), 1) {
		s.failHeld.Add(1)
		return
	}
	args := []any{"user", logName(user), "err", err}
	if n := s.failHeld.Swap(0); n > 0 {
		args = append(args, "held_back", n)
	}
	s.log.Error("httpapi: "+op+" could not complete", args...)
}

// userKey returns the key of a user name's bucket: its SHA-256, so that
// every key takes 32 bytes whatever the name.
func userKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return string(sum[:])
}

// tooMany answers a register or reset request past a limit, which will
// allow one again after wait.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := retryAfter(wait)
	w.Header().Set("Retry-After", secs)
	reply(w, http.StatusTooManyRequests, noTokenBody("Too many requests; try again in "+secs+" seconds"))
}

// retryAfter returns wait in whole seconds, at least 1, for Retry-After.
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(max(int64((wait+time.Second-1)/time.Second), 1), 10)
}

// invalid returns the 400 body for input of the wrong shape.
func invalid(op, detail string) []byte {
	return messageBody("Input to " + op + " is not valid: " + detail)
}

// reply writes a JSON answer.
func reply(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	h["X-Content-Type-Options"] = noSniff
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// The fields of each request body, sorted, and the header values of
// every answer: shared, so that a request allocates none of them. Nothing
// modifies them.
var (
	emailFields     = []string{"email", "user"}
	tokenFields     = []string{"token", "user"}
	registerSeconds = []string{"expires_in"}
	resetSeconds    = []string{"expires_in", "keep_previous"}
	jsonContentType = []string{"application/json; charset=UTF-8"}
	noStore         = []string{"no-store"}
	noSniff         = []string{"nosniff"}
)
