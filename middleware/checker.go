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

// Checker is the decision behind every door (the net/http middleware,
// [ForwardAuth], echomw, grpcmw): it reads the credentials from a header
// map, refuses repeated and look-alike credential headers, removes the
// token, asks the [Verifier] with the request's context and reports an
// [Outcome]. Keys match whatever their case, so that an [http.Header] and
// gRPC's metadata.MD read alike. A look-alike is a key that names a
// credential header only when '_' is read as '-' (X_Fixie_User), as CGI,
// WSGI and PHP read it.
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

// NewChecker returns a Checker that asks v and reads credentials as cfg's
// UserHeader, TokenHeader, Realm and BasicAuth say; other fields are
// ignored. It returns an error if v is nil or holds a nil pointer or func
// (a *cache.Cache never opened), a header name is not a valid HTTP field
// name, the two headers are the same (reading '_' as '-'), BasicAuth is on
// and either header is Authorization, or the realm is invalid.
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

// Timed returns a copy of c that also measures each check, in
// [Outcome.Elapsed].
func (c *Checker) Timed() *Checker {
	t := *c
	t.timed = true
	return &t
}

// Check verifies the credentials in h with ctx, the request's context, and
// removes from h the token, any look-alike header and, with BasicAuth, a
// Basic Authorization header. h may be nil. The Result is Accepted; Missing
// (user or token absent or empty); Rejected (a look-alike header, more than
// one value of a credential header over all its keys, an unreadable Basic
// header, or the verifier refused); or Failed (verification could not
// complete, or the verifier returned true with an error). Outcome.Err says
// why. Check allocates only in the verifier, to decode Basic, or on Failed.
func (c *Checker) Check(ctx context.Context, h map[string][]string) Outcome {
	if !c.timed {
		return c.check(ctx, h)
	}
	start := time.Now()
	o := c.check(ctx, h)
	o.Elapsed = time.Since(start)
	return o
}

// Strip removes from h what [Checker.Check] removes, verifying nothing, for
// a request let through unchecked. The user header stays.
func (c *Checker) Strip(h map[string][]string) { c.scan(h) }

// CheckRequest is [Checker.Check] on r's header and context, or with skip
// [Checker.Strip] and Result [Skipped]. It returns the request for the next
// handler: for Accepted a shallow copy of r whose context carries the user,
// for Skipped r, and for a refusal nil, to be answered with [Checker.Refuse].
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

// Refuse prepares the HTTP answer to o. For Missing or Rejected it sets the
// WWW-Authenticate challenge (Fixie, and Basic with BasicAuth) on h, the
// answer's header, and returns [ErrMissingCredentials] or
// [ErrInvalidCredentials] whatever the reason; for Failed it returns o.Err,
// which wraps [ErrVerifyFailed]; otherwise nil. It does not allocate.
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
		// On every refusal, so that a known user costs what an unknown one does.
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

// hint says whether unread Authorization values came: not Basic ones, or
// any with the Basic fallback off.
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
