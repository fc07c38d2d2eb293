package authn

import "context"

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
// one, else its Verify method. It returns nil if v is nil.
func Adapt(v verifier) VerifyFunc {
	switch v := v.(type) {
	case nil:
		return nil
	case contextVerifier:
		return v.VerifyContext
	default:
		return func(_ context.Context, user, token string) (bool, error) { return v.Verify(user, token) }
	}
}
