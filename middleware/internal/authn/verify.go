package authn

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// verifier and contextVerifier mirror the public Verifier and
// ContextVerifier interfaces, which this package cannot import.
type (
	verifier interface {
		Verify(user, token string) (bool, error)
	}
	contextVerifier interface {
		VerifyContext(ctx context.Context, user, token string) (bool, error)
	}
)

// Adapt returns the call to make for v: its VerifyContext method if it has
// one, else its Verify method. It reports an error if v is nil, or a nil
// pointer or nil function in an interface (var c *cache.Cache), which would
// otherwise panic on the first request rather than when the middleware is
// built.
func Adapt(v verifier) (VerifyFunc, error) {
	if v == nil {
		return nil, errors.New("middleware: nil verifier")
	}
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Func) && rv.IsNil() {
		return nil, fmt.Errorf("middleware: nil verifier: the %T is nil", v)
	}
	if cv, ok := v.(contextVerifier); ok {
		return cv.VerifyContext, nil
	}
	return func(_ context.Context, user, token string) (bool, error) { return v.Verify(user, token) }, nil
}
