package middleware

import (
	"context"
	"fmt"
	"net/http"
)

// userKey is the context key under which a userContext answers for itself.
type userKey struct{}

// userContext carries a verified user name. It answers Value(userKey{}) with
// itself, so that storing and reading the name needs no interface boxing;
// every other call goes to the parent, whose cancellation and deadline it
// keeps.
type userContext struct {
	context.Context
	user string
}

// Value implements [context.Context].
func (c *userContext) Value(key any) any {
	if key == (userKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// String names the context for debugging, after its parent as the context
// package's own contexts do. It leaves the user out.
func (c *userContext) String() string {
	if s, ok := c.Context.(fmt.Stringer); ok {
		return s.String() + ".WithUser"
	}
	return "context.WithUser"
}

// UserFromContext returns the user that [Auth] (or another door over a
// [Checker]) verified for the request whose context is ctx, and whether
// there is one. It never panics; a nil ctx holds no user.
func UserFromContext(ctx context.Context) (string, bool) {
	if ctx == nil {
		return "", false
	}
	c, ok := ctx.Value(userKey{}).(*userContext)
	if !ok {
		return "", false
	}
	return c.user, true
}

// ContextWithUser returns a copy of parent that carries user, as [Auth] makes
// for a verified request. It lets tests of handlers behind Auth, other
// authentication schemes and doors that are not net/http (gRPC) hand a user
// to code that reads [UserFromContext]. It panics if parent is nil, as
// [context.WithValue] does.
func ContextWithUser(parent context.Context, user string) context.Context {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	return &userContext{Context: parent, user: user}
}

// requestWithUser holds a request and its context in one allocation.
type requestWithUser struct {
	req http.Request
	ctx userContext
}

// withUser returns a shallow copy of r whose context carries user, as
// r.WithContext(ContextWithUser(r.Context(), user)) would, in a single
// allocation instead of two.
func withUser(r *http.Request, user string) *http.Request {
	p := &requestWithUser{}
	p.ctx = userContext{Context: r.Context(), user: user}
	p.req = *r.WithContext(&p.ctx)
	return &p.req
}
