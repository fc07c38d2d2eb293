package authn

import (
	"context"
	"fmt"
	"net/http"
)

// userKey is the context key under which a userContext answers for itself.
type userKey struct{}

// userContext carries a verified user name. It answers Value(userKey{}) with
// itself, so that storing and reading the name needs no interface boxing; every
// other call goes to the parent, whose cancellation and deadline it keeps.
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

// NewContext returns a copy of parent that carries user. It panics if parent
// is nil, as [context.WithValue] does.
func NewContext(parent context.Context, user string) context.Context {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	return &userContext{Context: parent, user: user}
}

// User returns the user carried by ctx, and whether there is one. A nil ctx
// carries none.
func User(ctx context.Context) (string, bool) {
	if ctx == nil {
		return "", false
	}
	c, ok := ctx.Value(userKey{}).(*userContext)
	if !ok {
		return "", false
	}
	return c.user, true
}

// withUser holds a request and its context in one allocation.
type withUser struct {
	req http.Request
	ctx userContext
}

// WithUser returns a shallow copy of r whose context carries user, as
// r.WithContext(NewContext(r.Context(), user)) would, in a single allocation
// instead of two.
func WithUser(r *http.Request, user string) *http.Request {
	p := &withUser{}
	p.ctx = userContext{Context: r.Context(), user: user}
	p.req = *r.WithContext(&p.ctx)
	return &p.req
}
