package middleware

import (
	"context"
	"fmt"
	"net/http"
)

// userKey is the context key of a userContext.
type userKey struct{}

// userContext carries a user; answering Value(userKey{}) with itself, it
// needs no interface boxing.
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

// String names the context after its parent, leaving the user out.
func (c *userContext) String() string {
	if s, ok := c.Context.(fmt.Stringer); ok {
		return s.String() + ".WithUser"
	}
	return "context.WithUser"
}

// UserFromContext returns the user that [Auth] or another door verified for
// the request of ctx, and whether there is one. It never panics, even for a
// nil ctx.
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

// ContextWithUser returns a copy of parent that carries user for
// [UserFromContext], as [Auth] makes: for tests and other doors. It panics
// if parent is nil.
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

// withUser is r.WithContext(ContextWithUser(r.Context(), user)) in one
// allocation.
func withUser(r *http.Request, user string) *http.Request {
	p := &requestWithUser{}
	p.ctx = userContext{Context: r.Context(), user: user}
	p.req = *r.WithContext(&p.ctx)
	return &p.req
}
