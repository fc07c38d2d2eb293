package authn

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/fixiecreds/fixiecreds/cache"
)

// verifier, contextVerifier and tokenChecker mirror the public Verifier
// and ContextVerifier interfaces, which this package cannot import, and
// the method with which [*cache.Cache] checks a token's form.
type (
	verifier interface {
		Verify(user, token string) (bool, error)
	}
	contextVerifier interface {
		VerifyContext(ctx context.Context, user, token string) (bool, error)
	}
	tokenChecker interface {
		CheckToken(token string) error
	}
)

// The cache tells malformed tokens apart.
var _ tokenChecker = (*cache.Cache)(nil)

// VerifyFunc asks whether token is user's; ctx is the request's context. Its
// results follow [cache.Cache.Verify].
type VerifyFunc func(ctx context.Context, user, token string) (bool, error)

// Verifier is what a [Checker] asks about credentials.
type Verifier struct {
	// Verify verifies a user's token.
	Verify VerifyFunc

	// CheckToken returns [cache.ErrMalformedToken] for a token that
	// cannot be anyone's, to tell it from a wrong one in the reasons.
	// Nil: [CheckHex].
	CheckToken func(token string) error
}

// Adapt returns the calls to make for v: its VerifyContext method if it
// has one, else its Verify method; and its CheckToken method if it has
// one. It reports an error if v is nil, or a nil pointer or nil function
// in an interface (var c *cache.Cache), which would otherwise panic on the
// first request rather than when the middleware is built.
func Adapt(v verifier) (Verifier, error) {
	if v == nil {
		return Verifier{}, errors.New("middleware: nil verifier")
	}
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Func) && rv.IsNil() {
		return Verifier{}, fmt.Errorf("middleware: nil verifier: the %T is nil", v)
	}
	var a Verifier
	if cv, ok := v.(contextVerifier); ok {
		a.Verify = cv.VerifyContext
	} else {
		a.Verify = func(_ context.Context, user, token string) (bool, error) { return v.Verify(user, token) }
	}
	if tc, ok := v.(tokenChecker); ok {
		a.CheckToken = tc.CheckToken
	}
	return a, nil
}

// maxTokenLen is the longest token of any size: 128 bytes in hex.
const maxTokenLen = 256

// CheckHex returns [cache.ErrMalformedToken] unless token has the form of
// every token: 1 to 256 hex digits, either case. It is what a Checker
// uses for a verifier that cannot say more (one that does not know the
// token size, as a client of a remote service). It does not allocate.
func CheckHex(token string) error {
	if len(token) == 0 || len(token) > maxTokenLen {
		return cache.ErrMalformedToken
	}
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return cache.ErrMalformedToken
		}
	}
	return nil
}
