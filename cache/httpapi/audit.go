package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
)

// AuditEvent is one change of a credential asked for, and what became of
// it: a registration, a reset, a deregistration or an administrator's
// removal, accepted or refused by the operation itself. It never holds a
// token or a hash. The service hands one to [HandlerConfig.OnAudit] for
// each /register, /reset and /deregister request that reaches its
// operation; a program that changes credentials otherwise (an admin tool)
// can make its own with [NewAuditEvent] and hand them to the same hook.
// The client's address, where there is one, is in the context the hook
// is given: see [ClientAddr].
type AuditEvent struct {
	// Time is when the operation's outcome was known.
	Time time.Time

	// Operation is AuditRegister, AuditReset, AuditDeregister or
	// AuditRemove.
	Operation string

	// User is the user name the operation was asked for, as it was
	// given: with the outcome AuditInvalidUser, any text up to
	// MaxRequestBody bytes.
	User string

	// Outcome is AuditOK or the refusal: AuditAlreadyRegistered,
	// AuditEmailMismatch, AuditInvalidToken, AuditTokenExpired,
	// AuditNotRegistered, AuditInvalidUser or AuditInvalidEmail.
	Outcome string

	// Expires is, for an accepted registration or reset, when the new
	// token stops verifying; zero if it never does, and for other
	// events.
	Expires time.Time

	// PreviousExpires is, for an accepted reset that kept the replaced
	// token, when that token stops verifying; zero otherwise.
	PreviousExpires time.Time
}

// The operations of an [AuditEvent].
const (
	AuditRegister   = "register"
	AuditReset      = "reset"
	AuditDeregister = "deregister" // by the user, with the token
	AuditRemove     = "remove"     // by an administrator, without it
)

// The outcomes of an [AuditEvent].
const (
	AuditOK                = "ok"
	AuditAlreadyRegistered = "already_registered"
	AuditEmailMismatch     = "email_mismatch"
	AuditInvalidToken      = "invalid_token" // wrong, malformed, or a replaced token
	AuditTokenExpired      = "token_expired"
	AuditNotRegistered     = "not_registered"
	AuditInvalidUser       = "invalid_user"
	AuditInvalidEmail      = "invalid_email"
)

// NewAuditEvent returns the event of the operation op on user, known at
// t, for a call of [*cache.Cache] that returned err and, if it issued a
// token, wrote issued (see [cache.Issued]). ok is false if err is none of
// the cache's refusals: the operation could not complete (a store out of
// reach, an unusable record, a context that ended), and no event is made
// of it.
func NewAuditEvent(t time.Time, op, user string, err error, issued cache.User) (e AuditEvent, ok bool) {
	outcome, ok := auditOutcome(err)
	if !ok {
		return AuditEvent{}, false
	}
	e = AuditEvent{Time: t, Operation: op, User: user, Outcome: outcome}
	if err == nil {
		e.Expires, e.PreviousExpires = issued.Expires, issued.PreviousExpires
	}
	return e, true
}

// auditOutcome returns the outcome of an operation that returned err, and
// whether it is one.
func auditOutcome(err error) (outcome string, ok bool) {
	switch {
	case err == nil:
		return AuditOK, true
	case errors.Is(err, cache.ErrAlreadyRegistered):
		return AuditAlreadyRegistered, true
	case errors.Is(err, cache.ErrEmailMismatch):
		return AuditEmailMismatch, true
	case errors.Is(err, cache.ErrTokenExpired):
		return AuditTokenExpired, true
	case errors.Is(err, cache.ErrInvalidToken), errors.Is(err, cache.ErrMalformedToken):
		return AuditInvalidToken, true
	case errors.Is(err, cache.ErrNotRegistered):
		return AuditNotRegistered, true
	case errors.Is(err, cache.ErrInvalidUser):
		return AuditInvalidUser, true
	case errors.Is(err, cache.ErrInvalidEmail):
		return AuditInvalidEmail, true
	}
	return "", false
}

// clientAddrKey is the context key of the client's address.
type clientAddrKey struct{}

// WithClientAddr returns ctx carrying addr as the address of the client
// whose request is being served. The service puts the address of the
// connection's peer there for [HandlerConfig.OnAudit], unless the
// request's context already carries one: a handler in front of the
// service (behind a reverse proxy, one that knows the proxy's header)
// may put the real client's there.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddr returns the client's address that ctx carries (see
// [WithClientAddr]), and whether it carries one.
func ClientAddr(ctx context.Context) (string, bool) {
	addr, ok := ctx.Value(clientAddrKey{}).(string)
	return addr, ok
}

// auditContext returns the context in which the request to the endpoint
// name is served: with the client's address when there is an audit trail
// and the endpoint changes credentials.
func (s *service) auditContext(r *http.Request, name string) context.Context {
	ctx := r.Context()
	if s.onAudit == nil || name == "Verify" {
		return ctx
	}
	if _, ok := ClientAddr(ctx); ok {
		return ctx
	}
	addr := r.RemoteAddr
	if ip, ok := remoteIP(r); ok {
		addr = ip.String()
	}
	return WithClientAddr(ctx, addr)
}

// audit hands the event of the operation op on user, which returned err
// and, if it issued a token, wrote issued, to the audit hook, if any, and
// returns the hook's error. An operation that could not complete makes
// no event.
func (s *service) audit(ctx context.Context, op, user string, err error, issued cache.User) error {
	if s.onAudit == nil {
		return nil
	}
	e, ok := NewAuditEvent(s.now(), op, user, err, issued)
	if !ok {
		return nil
	}
	return s.onAudit(ctx, e)
}

// auditFailed answers the request for op on user whose audit event could
// not be recorded (err): the operation could not complete. It logs that
// at ERROR, as logFailure does.
func (s *service) auditFailed(op, user string, err error) (int, []byte, string) {
	s.logFailure(op, user, fmt.Errorf("httpapi: audit trail: %w", err))
	return http.StatusInternalServerError, messageBody(op + " could not complete"), resultFailed
}
