package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"reflect"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
)

// Checker is the one decision behind every door (the net/http middleware,
// echomw, and others made on it): it reads a request's credentials from its
// header, refuses look-alike and repeated credential headers, removes the
// token, asks the [Verifier] with the request's context, and says what came
// of it in an [Outcome]. A door adds only its framework's glue: its skipper,
// its outcome hook, and its way of answering.
//
// A Checker reads a header as a map[string][]string, so that an
// [http.Header] and gRPC's metadata.MD are read alike: a key names a
// credential header whatever its case (X-Fixie-User, x-fixie-user). A key
// that names one only when '_' is read as '-' (X_Fixie_User, x_fixie-token)
// is a look-alike: CGI, WSGI and PHP read it as the credential header
// itself (HTTP_X_FIXIE_USER), so a request that has one is refused, and a
// skipped request loses it.
//
// A Checker is immutable and safe for concurrent use; make one with
// [NewChecker].
type Checker struct {
	user, token fieldName
	basic       bool
	v           Verifier
	timed       bool
	reasons     reasons
	challenge   []string
}

// authorization is the header of the Basic fallback.
var authorization = fieldName{key: "Authorization", lower: "authorization"}

// NewChecker returns a Checker that asks v and reads credentials as cfg
// says: its UserHeader, TokenHeader, Realm and BasicAuth fields, the empty
// ones taking their defaults; the other fields are the net/http
// middleware's and are ignored. It reports an error if v is nil (a nil
// interface, or a nil pointer or function in one, such as a *cache.Cache
// that was never opened), if a header name is not a valid HTTP field name,
// if the user and token headers are the same (when '_' is read as '-'), if
// BasicAuth is on and either header is Authorization, or if the realm holds
// a quote, a backslash or a character other than printable ASCII.
func NewChecker(v Verifier, cfg Config) (*Checker, error) {
	if v == nil {
		return nil, errors.New("middleware: nil verifier")
	}
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Func) && rv.IsNil() {
		return nil, fmt.Errorf("middleware: nil verifier: the %T is nil", v)
	}
	userHeader := cmp(cfg.UserHeader, DefaultUserHeader)
	tokenHeader := cmp(cfg.TokenHeader, DefaultTokenHeader)
	realm := cmp(cfg.Realm, DefaultRealm)
	if !validFieldName(userHeader) {
		return nil, fmt.Errorf("middleware: invalid user header name %q", userHeader)
	}
	if !validFieldName(tokenHeader) {
		return nil, fmt.Errorf("middleware: invalid token header name %q", tokenHeader)
	}
	user := fieldName{key: textproto.CanonicalMIMEHeaderKey(userHeader), lower: toLower(userHeader)}
	token := fieldName{key: textproto.CanonicalMIMEHeaderKey(tokenHeader), lower: toLower(tokenHeader)}
	if same, alike := user.match(token.lower); same || alike {
		return nil, fmt.Errorf("middleware: user and token share the header %q", user.key)
	}
	if cfg.BasicAuth && (user.key == authorization.key || token.key == authorization.key) {
		return nil, errors.New("middleware: Basic fallback needs the Authorization header for itself")
	}
	if !validRealm(realm) {
		return nil, fmt.Errorf("middleware: invalid realm %q", realm)
	}
	return &Checker{
		user:      user,
		token:     token,
		basic:     cfg.BasicAuth,
		v:         v,
		reasons:   newReasons(user.key, token.key, cfg.BasicAuth),
		challenge: challenge(realm, cfg.BasicAuth),
	}, nil
}

// cmp returns s, or def if s is empty.
func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// toLower returns s with its ASCII letters in lower case.
func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}

// Timed returns a Checker that checks as c does and also measures how long
// each check takes, in [Outcome.Elapsed]. A door with an outcome hook uses
// one; the others spare the two clock reads.
func (c *Checker) Timed() *Checker {
	t := *c
	t.timed = true
	return &t
}

// Check reads the credentials in h, removes the token and any look-alike
// header from h (and, with BasicAuth, a Basic Authorization header), and
// verifies the credentials with ctx, the request's context. h is an
// [http.Header], a gRPC metadata.MD or any map of header names to values;
// it may be nil. The Outcome's Result is Accepted, Missing, Rejected or
// Failed; its Err says why, as [Outcome] tells:
//   - Missing: the user or token is absent or empty;
//   - Rejected: a look-alike header came, a credential header came more
//     than once (over every key that names it), a Basic header cannot be
//     read, or the verifier refused the credentials ([Verifier]'s
//     CheckToken then tells a malformed token from a wrong one);
//   - Failed: verification could not complete (a verifier that claims
//     success together with an error is not believed).
//
// Check does not allocate beyond what the verifier does, except to decode a
// Basic header and for a verification that could not complete. A door
// accepts the request only for Accepted, and then hands the user on (see
// [ContextWithUser]).
func (c *Checker) Check(ctx context.Context, h map[string][]string) Outcome {
	if !c.timed {
		return c.check(ctx, h)
	}
	start := time.Now()
	o := c.check(ctx, h)
	o.Elapsed = time.Since(start)
	return o
}

// Strip removes from h what [Checker.Check] removes, without verifying
// anything: for a request that a door lets through unchecked. The user
// header itself stays.
func (c *Checker) Strip(h map[string][]string) { c.scan(h) }

// CheckRequest is the decision of an HTTP door, on r's header and with r's
// context. If skip is true it only strips r's header ([Checker.Strip]) and
// lets the request go on unchecked, with Result [Skipped]; otherwise it is
// [Checker.Check]. It returns the Outcome and the request for the next
// handler: for Accepted a shallow copy of r whose context carries the user
// (made in one allocation), for Skipped r itself, and nil for a refusal,
// which the door answers with [Checker.Refuse].
func (c *Checker) CheckRequest(r *http.Request, skip bool) (Outcome, *http.Request) {
	if skip {
		var start time.Time
		if c.timed {
			start = time.Now()
		}
		c.Strip(r.Header)
		o := Outcome{Result: Skipped}
		if c.timed {
			o.Elapsed = time.Since(start)
		}
		return o, r
	}
	o := c.Check(r.Context(), r.Header)
	if o.Result != Accepted {
		return o, nil
	}
	return o, withUser(r, o.User)
}

// Refuse prepares an HTTP door's answer to the refused outcome o. For a 401
// (Missing or Rejected) it sets the WWW-Authenticate challenge on h, the
// answer's header: the Fixie challenge of the realm, and a Basic one with
// BasicAuth. It returns the error for the door's error handler:
// [ErrMissingCredentials] or [ErrInvalidCredentials] itself, whatever the
// reason, so that the answer does not tell whether the user exists, or, for
// Failed, o.Err, which wraps [ErrVerifyFailed]. For an outcome that is not
// a refusal it sets nothing and returns nil. It does not allocate.
func (c *Checker) Refuse(h http.Header, o Outcome) error {
	err := o.refusal()
	if err != nil && o.Result != Failed {
		h["Www-Authenticate"] = c.challenge
	}
	return err
}

// check is Check without the clock.
func (c *Checker) check(ctx context.Context, h map[string][]string) Outcome {
	f := c.scan(h)
	o := Outcome{User: f.user}
	if f.lookAlike {
		o.Result, o.Err = Rejected, c.reasons.lookAlike
		return o
	}
	user, token, nUser, nToken := f.user, f.token, f.nUser, f.nToken
	if f.basic != nil && user == "" && token == "" && nUser <= 1 && nToken <= 1 {
		o.Basic = true
		bUser, bToken, ok := decodeBasic(f.basic, f.nBasic)
		switch {
		case !ok:
			o.Result, o.Err = Rejected, c.reasons.badBasic
			return o
		case bUser == "" || bToken == "":
			o.Result, o.Err = Missing, c.reasons.basicMissing[b2i(bUser == "")][b2i(bToken == "")]
			return o
		}
		user, token, nUser, nToken = bUser, bToken, 1, 1
		o.User = user
	}
	switch {
	case nUser > 1 || nToken > 1:
		o.Result, o.Err = Rejected, c.reasons.repeated
		return o
	case user == "" || token == "":
		o.Result, o.Err = Missing, c.reasons.missing[presenceOf(user, nUser)][presenceOf(token, nToken)][c.hint(f.nAuth)]
		return o
	}
	ok, err := c.v.VerifyContext(ctx, user, token)
	o.Result, o.Err = classify(ok, err)
	if o.Result == Rejected {
		// Checked on every refusal by the verifier, so that a registered
		// user with a bad token costs what an unknown name does.
		malformed := c.v.CheckToken(token) != nil
		if malformed && (err == nil || errors.Is(err, cache.ErrInvalidToken)) {
			o.Err = cache.ErrMalformedToken
		}
	}
	return o
}

// classify maps a verifier's answer to a result and its cause.
func classify(ok bool, err error) (Result, error) {
	switch {
	case ok && err == nil:
		return Accepted, nil
	case err == nil:
		return Rejected, cache.ErrInvalidToken
	case errors.Is(err, cache.ErrNotRegistered),
		errors.Is(err, cache.ErrInvalidUser),
		errors.Is(err, cache.ErrInvalidToken),
		errors.Is(err, cache.ErrMalformedToken),
		errors.Is(err, cache.ErrTokenExpired):
		return Rejected, err
	}
	return Failed, fmt.Errorf("%w: %w", ErrVerifyFailed, err)
}

// hint says, for missing credentials, whether Authorization values came
// that the Checker did not read: with the Basic fallback on, ones that are
// not Basic (a Basic one was read, and removed); with it off, any.
func (c *Checker) hint(nAuth int) authHint {
	switch {
	case nAuth == 0:
		return noHint
	case c.basic:
		return notBasicAuth
	}
	return basicOff
}

// b2i is 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
