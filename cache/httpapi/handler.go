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
	RegisterContext(ctx context.Context, user, email string) (string, error)
	VerifyContext(ctx context.Context, user, token string) (bool, error)
	DeregisterContext(ctx context.Context, user, token string) error
	ResetContext(ctx context.Context, user, email string) (string, error)
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
	registerLimit  *limiters // per client
	resetLimit     *limiters // per client
	resetUserLimit *limiters // per user name
	userCap        *userCap  // nil: no cap

	failLog  *rate.Limiter // lines about operations that could not complete
	failHeld atomic.Int64  // such lines held back since the last one logged
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
		registerLimit:  newLimiters(cfg.RegisterLimit, cfg.MaxTracked),
		resetLimit:     newLimiters(cfg.ResetLimit, cfg.MaxTracked),
		resetUserLimit: newLimiters(cfg.ResetUserLimit, cfg.MaxTracked),
		failLog:        rate.NewLimiter(rate.Every(failureLogEvery), failureLogBurst),
	}
	if cfg.MaxUsers > 0 {
		s.userCap = &userCap{max: cfg.MaxUsers, list: users.Users}
	}
	return s, nil
}

// Handler returns the fixie-creds HTTP service on c. It answers POST
// /register, /verify, /deregister and /reset, relative to where it is
// mounted (use [http.StripPrefix] to mount it under a prefix, and
// echo.WrapHandler to mount it in Echo), each taking a JSON object of string
// fields and answering a compact JSON object with sorted keys:
//
//	/register   {"user","email"}  → {"status":true,"token":T}
//	                                or {"message":M,"status":false,"token":"<not-a-token>"}
//	/verify     {"user","token"}  → {"message":M,"status":S,"verified":V}
//	/deregister {"user","token"}  → {"message":M,"status":S}
//	/reset      {"user","email"}  → as /register
//
// These answers are 200, including refusals (status false; for /verify a
// wrong token is status true, verified false). The messages are those of the
// Python service: "User verified", "Invalid token for user NAME",
// "User 'NAME' not registered", "User 'NAME' already registered",
// "NAME deregistered" and "User email does not match registered email
// address".
//
// Unlike the Python service it answers 400 {"message":"Unable to parse
// JSON."} for a body that is not UTF-8 JSON (an empty one included), and 400
// {"message":"Input to Register is not valid: …"} (Verify, Deregister, Reset
// likewise) for a body that is not an object, a missing, empty, non-string,
// repeated or unknown field (names match exactly), a string holding an
// unpaired UTF-16 surrogate escape, a token that is not hex, a user name
// the cache cannot use and an email that is not a single address; 413 for
// a body over [MaxRequestBody]; 405 with Allow: POST for other methods; 404
// for other paths; 403 for a cross-origin request from a browser (see
// [http.CrossOriginProtection]: clients that are not browsers are not
// affected); 429 past a limit (register, reset) and 403 at the cap on
// users (register), with the body of their refusals; 500 {"message":"…
// could not complete"} when the cache fails. No answer but a successful register or
// reset holds a token, and every answer carries Cache-Control: no-store.
//
// Register and reset are limited per client, and reset also per user
// name, with 429 and a Retry-After header past a limit (see
// [HandlerConfig]; Handler uses [DefaultHandlerConfig]: 10 registrations
// and 10 resets per 10 minutes per client IP address, 5 resets per hour
// per user). An operation that could not complete is logged at ERROR,
// with the user name and the cause: 10 lines at once, then one a second,
// so that clients repeating a request that fails cannot grow the log; the
// next line logged counts those held back (held_back). One cut short
// because its client went away is no failure of the service: it goes to
// DEBUG.
//
// Each operation runs under the request's context (the cache's
// RegisterContext, VerifyContext, DeregisterContext and ResetContext), so
// that work on a store reached over a network stops when the client goes
// away. The handler is safe for concurrent use. It panics if c is nil.
func Handler(c *cache.Cache) http.Handler {
	return HandlerWithConfig(c, HandlerConfig{})
}

// ServeHTTP implements [http.Handler].
func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var op func(*service, context.Context, []string) (int, []byte)
	var name string
	var fields []string
	var perClient, perUser *limiters
	switch strings.TrimPrefix(r.URL.Path, "/") {
	case "register":
		op, name, fields, perClient = (*service).register, "Register", emailFields, s.registerLimit
	case "verify":
		op, name, fields = (*service).verify, "Verify", tokenFields
	case "deregister":
		op, name, fields = (*service).deregister, "Deregister", tokenFields
	case "reset":
		op, name, fields, perClient, perUser = (*service).reset, "Reset", emailFields, s.resetLimit, s.resetUserLimit
	default:
		reply(w, http.StatusNotFound, messageBody("Not Found"))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, messageBody("Method Not Allowed"))
		return
	}
	if err := s.origins.Check(r); err != nil {
		// A page on another site must not make a visitor's browser
		// register or reset a user; clients that are not browsers send
		// no Origin or Sec-Fetch-Site and pass.
		reply(w, http.StatusForbidden, messageBody("Cross-origin request refused"))
		return
	}
	// Before the body is read: a client past its limit costs no more.
	if perClient != nil {
		if ok, wait := perClient.allow(s.clientKey(r), s.now()); !ok {
			tooMany(w, wait)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			reply(w, http.StatusRequestEntityTooLarge, messageBody("Request body too large"))
			return
		}
		reply(w, http.StatusBadRequest, messageBody("Unable to read the request body."))
		return
	}
	vals, inErr := decodeInput(body, fields)
	switch {
	case inErr != nil && inErr.parse:
		reply(w, http.StatusBadRequest, messageBody("Unable to parse JSON."))
		return
	case inErr != nil:
		reply(w, http.StatusBadRequest, invalid(name, inErr.detail))
		return
	}
	// Fields come sorted: email or token first, then user. The user name
	// is not yet checked, and may be 64 KiB long: its bucket is kept
	// under a digest.
	if perUser != nil {
		if ok, wait := perUser.allow(userKey(vals[1]), s.now()); !ok {
			tooMany(w, wait)
			return
		}
	}
	code, answer := op(s, r.Context(), vals)
	reply(w, code, answer)
}

func (s *service) register(ctx context.Context, v []string) (int, []byte) {
	email, user := v[0], v[1]
	room, err := s.userCap.reserve(s.now())
	switch {
	case err != nil:
		return s.failure(ctx, "Register", user, err)
	case !room:
		return http.StatusForbidden, noTokenBody("Registration is closed: the service has reached its limit of users")
	}
	token, err := s.users.RegisterContext(ctx, user, email)
	if err != nil {
		s.userCap.release()
	}
	switch {
	case err == nil:
		return http.StatusOK, tokenBody(token)
	case errors.Is(err, cache.ErrAlreadyRegistered):
		return http.StatusOK, noTokenBody("User '" + user + "' already registered")
	}
	return s.failure(ctx, "Register", user, err)
}

func (s *service) verify(ctx context.Context, v []string) (int, []byte) {
	token, user := v[0], v[1]
	if !isHex(token) {
		return http.StatusBadRequest, invalid("Verify", notHex)
	}
	ok, err := s.users.VerifyContext(ctx, user, token)
	switch {
	case err == nil && ok:
		return http.StatusOK, verifyBody("User verified", true, true)
	case err == nil:
		return http.StatusOK, verifyBody("Invalid token for user "+user, true, false)
	case errors.Is(err, cache.ErrNotRegistered):
		return http.StatusOK, verifyBody("User '"+user+"' not registered", false, false)
	}
	return s.failure(ctx, "Verify", user, err)
}

func (s *service) deregister(ctx context.Context, v []string) (int, []byte) {
	token, user := v[0], v[1]
	if !isHex(token) {
		return http.StatusBadRequest, invalid("Deregister", notHex)
	}
	err := s.users.DeregisterContext(ctx, user, token)
	switch {
	case err == nil:
		s.userCap.removed()
		return http.StatusOK, statusBody(user+" deregistered", true)
	case errors.Is(err, cache.ErrInvalidToken), errors.Is(err, cache.ErrMalformedToken):
		return http.StatusOK, statusBody("Invalid token for user "+user, false)
	case errors.Is(err, cache.ErrNotRegistered):
		return http.StatusOK, statusBody("User '"+user+"' not registered", false)
	}
	return s.failure(ctx, "Deregister", user, err)
}

func (s *service) reset(ctx context.Context, v []string) (int, []byte) {
	email, user := v[0], v[1]
	token, err := s.users.ResetContext(ctx, user, email)
	switch {
	case err == nil:
		return http.StatusOK, tokenBody(token)
	case errors.Is(err, cache.ErrEmailMismatch):
		return http.StatusOK, noTokenBody("User email does not match registered email address")
	case errors.Is(err, cache.ErrNotRegistered):
		return http.StatusOK, noTokenBody("User '" + user + "' not registered")
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
func (s *service) failure(ctx context.Context, op, user string, err error) (int, []byte) {
	var name *cache.NameError
	switch {
	case errors.As(err, &name):
		return http.StatusBadRequest, invalid(op, `field "user" is not a usable user name: `+name.Reason)
	case errors.Is(err, cache.ErrInvalidUser):
		return http.StatusBadRequest, invalid(op, `field "user" is not a usable user name`)
	case errors.Is(err, cache.ErrInvalidEmail):
		return http.StatusBadRequest, invalid(op, `field "email" is not a single email address`)
	}
	if ctx.Err() != nil {
		s.log.Debug("httpapi: "+op+" abandoned: the client went away", "user", logName(user), "err", err)
	} else {
		s.logFailure(op, user, err)
	}
	return http.StatusInternalServerError, messageBody(op + " could not complete")
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
	jsonContentType = []string{"application/json; charset=UTF-8"}
	noStore         = []string{"no-store"}
	noSniff         = []string{"nosniff"}
)
