package middleware

import (
	"context"

	"github.com/fixiecreds/fixiecreds/middleware/internal/authn"
)

// UserFromContext returns the user that [Auth] (or echomw.Auth) verified for
// the request whose context is ctx, and whether there is one. It never
// panics; a nil ctx holds no user.
func UserFromContext(ctx context.Context) (string, bool) { return authn.User(ctx) }

// ContextWithUser returns a copy of parent that carries user, as [Auth] makes
// for a verified request. It lets tests of handlers behind Auth, and other
// authentication schemes, hand a user to code that reads [UserFromContext].
// It panics if parent is nil, as [context.WithValue] does.
func ContextWithUser(parent context.Context, user string) context.Context {
	return authn.NewContext(parent, user)
}
