package authn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"

	"github.com/fixiecreds/fixiecreds/cache"
)

// Defaults that an empty [Settings] field takes, for both front ends.
const (
	DefaultUserHeader  = "X-Fixie-User"
	DefaultTokenHeader = "X-Fixie-Token"
	DefaultRealm       = "fixie"
)

// Settings are the parts of a middleware configuration the core needs. An
// empty string takes its default: [DefaultUserHeader], [DefaultTokenHeader]
// or [DefaultRealm].
type Settings struct {
	UserHeader  string // header carrying the user name
	TokenHeader string // header carrying the token; removed from every request
	Realm       string // realm of the WWW-Authenticate challenge
	Basic       bool   // accept Authorization: Basic user:token when both headers are absent
	Errors      Sentinels
}

// withDefaults returns s with its empty fields set to the defaults.
func (s Settings) withDefaults() Settings {
	if s.UserHeader == "" {
		s.UserHeader = DefaultUserHeader
	}
	if s.TokenHeader == "" {
		s.TokenHeader = DefaultTokenHeader
	}
	if s.Realm == "" {
		s.Realm = DefaultRealm
	}
	return s
}

// Checker reads, removes and verifies the credentials of requests. It is
// immutable after [New] and safe for concurrent use.
type Checker struct {
	userKey    string // canonical header keys, so that look-ups skip canonicalization
	tokenKey   string
	basic      bool
	verify     VerifyFunc
	checkToken func(string) error
	errs       Sentinels
	reasons    reasons
	challenge  []string
}

// New returns a Checker for s, its empty fields set to the defaults, that
// asks v. It reports an error if a header name is not a valid HTTP field
// name, if both name the same header, if the Basic fallback is on and
// either is Authorization, if the realm holds a quote, a backslash or a
// character other than printable ASCII, if v.Verify is nil, or if a
// sentinel is missing.
func New(s Settings, v Verifier) (*Checker, error) {
	if v.Verify == nil {
		return nil, errors.New("middleware: nil verifier")
	}
	if !s.Errors.ok() {
		return nil, errors.New("middleware: the checker's sentinel errors are not set")
	}
	s = s.withDefaults()
	if !validFieldName(s.UserHeader) {
		return nil, fmt.Errorf("middleware: invalid user header name %q", s.UserHeader)
	}
	if !validFieldName(s.TokenHeader) {
		return nil, fmt.Errorf("middleware: invalid token header name %q", s.TokenHeader)
	}
	userKey := textproto.CanonicalMIMEHeaderKey(s.UserHeader)
	tokenKey := textproto.CanonicalMIMEHeaderKey(s.TokenHeader)
	if userKey == tokenKey {
		return nil, fmt.Errorf("middleware: user and token share the header %q", userKey)
	}
	if s.Basic && (userKey == authorization || tokenKey == authorization) {
		return nil, errors.New("middleware: Basic fallback needs the Authorization header for itself")
	}
	if !validRealm(s.Realm) {
		return nil, fmt.Errorf("middleware: invalid realm %q", s.Realm)
	}
	checkToken := v.CheckToken
	if checkToken == nil {
		checkToken = CheckHex
	}
	return &Checker{
		userKey:    userKey,
		tokenKey:   tokenKey,
		basic:      s.Basic,
		verify:     v.Verify,
		checkToken: checkToken,
		errs:       s.Errors,
		reasons:    newReasons(s.Errors, userKey, tokenKey, s.Basic),
		challenge:  challenge(s.Realm, s.Basic),
	}, nil
}

// Challenge returns the WWW-Authenticate values for a 401 answer: the Fixie
// challenge, then a Basic one when the Basic fallback is on. The slice is
// shared and has no spare capacity: callers may store it in a header map but
// must not modify its elements.
func (c *Checker) Challenge() []string { return c.challenge }

// Strip removes from h the token header and, when the Basic fallback is on,
// a Basic Authorization header, without verifying anything.
func (c *Checker) Strip(h http.Header) {
	delete(h, c.tokenKey)
	if c.basic {
		takeBasic(h)
	}
}

// Check reads the credentials in h, removes them as [Checker.Strip] does,
// and verifies them. The Verdict's Err is:
//   - nil when the credentials were accepted;
//   - an error wrapping the Missing sentinel when the user or token is
//     absent or empty, which names the headers the Checker reads, and says
//     whether an Authorization header came that the Checker does not read;
//   - an error wrapping the Invalid sentinel when a credential header is
//     repeated or a Basic header cannot be read;
//   - the verifier's error when it names a refusal ([cache.ErrNotRegistered],
//     [cache.ErrInvalidUser], [cache.ErrInvalidToken], [cache.ErrMalformedToken],
//     [cache.ErrTokenExpired]),
//     [cache.ErrInvalidToken] when the verifier answered (false, nil), and
//     [cache.ErrMalformedToken] in place of either for a token that cannot
//     be anyone's (see [Verifier.CheckToken]);
//   - otherwise an error wrapping both the Failed sentinel and the
//     verifier's error: verification could not complete, and a verifier
//     that claims success together with an error is not believed.
//
// It does not allocate beyond what the verifier does, except to decode a
// Basic header and for a verification that could not complete.
func (c *Checker) Check(ctx context.Context, h http.Header) Verdict {
	user, nUser := first(h, c.userKey)
	token, nToken := first(h, c.tokenKey)
	delete(h, c.tokenKey)
	var v Verdict
	if c.basic {
		bUser, bToken, found, ok := takeBasic(h)
		switch {
		case found && user == "" && token == "" && nUser <= 1 && nToken <= 1:
			v.Basic = true
			if !ok {
				v.Result, v.Err = Rejected, c.reasons.badBasic
				return v
			}
			if bUser == "" || bToken == "" {
				v.Result, v.Err = Missing, c.reasons.basicMissing[b2i(bUser == "")][b2i(bToken == "")]
				return v
			}
			user, token, nUser, nToken = bUser, bToken, 1, 1
		}
	}
	v.User = user
	switch {
	case nUser > 1 || nToken > 1:
		v.Result, v.Err = Rejected, c.reasons.repeated
		return v
	case user == "" || token == "":
		v.Result, v.Err = Missing, c.reasons.missing[presenceOf(user, nUser)][presenceOf(token, nToken)][c.hint(h)]
		return v
	}
	ok, err := c.verify(ctx, user, token)
	v.Result, v.Err = c.classify(ok, err)
	if v.Result == Rejected {
		// Checked on every refusal by the verifier, so that a registered
		// user with a bad token costs what an unknown name does.
		malformed := c.checkToken(token) != nil
		if malformed && (err == nil || errors.Is(err, cache.ErrInvalidToken)) {
			v.Err = cache.ErrMalformedToken
		}
	}
	return v
}

// hint says, for missing credentials, whether an Authorization header
// came that the Checker did not read: with the Basic fallback on, one
// that is not Basic (a Basic one was read, and removed); with it off, any.
func (c *Checker) hint(h http.Header) authHint {
	switch {
	case len(h[authorization]) == 0:
		return noHint
	case c.basic:
		return notBasicAuth
	}
	return basicOff
}

// classify maps a verifier's answer to a result and its cause.
func (c *Checker) classify(ok bool, err error) (Result, error) {
	switch {
	case err == nil && ok:
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
	return Failed, fmt.Errorf("%w: %w", c.errs.Failed, err)
}

// b2i is 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// first returns the first value of the canonical key in h and how many
// values there are.
func first(h http.Header, key string) (string, int) {
	vs := h[key]
	if len(vs) == 0 {
		return "", 0
	}
	return vs[0], len(vs)
}
