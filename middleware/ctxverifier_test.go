package middleware_test

import (
	"context"
	"net/http"
)

// ctxVerifier accepts any token and records the request-scoped value its
// context carried under key.
type ctxVerifier struct {
	key any
	got any
}

func (v *ctxVerifier) VerifyContext(ctx context.Context, _, _ string) (bool, error) {
	v.got = ctx.Value(v.key)
	return true, nil
}

func (*ctxVerifier) CheckToken(string) error { return nil }

func contextWith(r *http.Request, key, val any) context.Context {
	return context.WithValue(r.Context(), key, val)
}
