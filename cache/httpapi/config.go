package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/fixiecreds/fixiecreds/cache"
)

// A Limit allows a client (or, for [HandlerConfig.ResetUserLimit], a user
// name) Requests requests per period Per: a token bucket that holds
// Requests tokens and refills at Requests per Per, so that a client may
// spend them all at once and then one every Per/Requests. The zero Limit
// stands for the default; [NoLimit] turns a limit off.
type Limit struct {
	Requests int
	Per      time.Duration
}

// NoLimit is the Limit that limits nothing.
var NoLimit = Limit{Requests: -1}

// off reports whether l limits nothing.
func (l Limit) off() bool { return l.Requests < 0 }

// String returns "N per PERIOD", or "off" for NoLimit.
func (l Limit) String() string {
	if l.off() {
		return "off"
	}
	return fmt.Sprintf("%d per %v", l.Requests, l.Per)
}

// HandlerConfig configures [HandlerWithConfig]. Every field is optional:
// a zero field takes its value from [DefaultHandlerConfig].
//
// The limits answer a client that goes past them with 429 Too Many
// Requests, a Retry-After header and the body of the endpoint's other
// refusals: {"message":…,"status":false,"token":"<not-a-token>"}. Every
// request to /register or /reset counts, whatever its answer. The
// handler remembers the limits of at most MaxTracked clients (and as
// many user names); past that, the one whose bucket is fullest is
// forgotten to make room. No two keys ever share a bucket: a newcomer
// (a new client, a user name not seen lately) starts with a full one,
// however many keys others cycle through. To have d requests forgiven to
// one client or user, others must first bring every remembered one to d
// short: some MaxTracked·d requests.
type HandlerConfig struct {
	// ClientKey returns the key under which a request's client is
	// limited, such as its IP address. The request is not yet read.
	// Optional. Default [ClientIP]: the address of the connection's
	// peer. Behind a reverse proxy every client has the proxy's
	// address: use [ProxyClientIP] with the proxy's addresses.
	ClientKey func(r *http.Request) string

	// RegisterLimit bounds /register requests per client.
	// Optional. Default 10 per 10 minutes.
	RegisterLimit Limit

	// ResetLimit bounds /reset requests per client.
	// Optional. Default 10 per 10 minutes.
	ResetLimit Limit

	// ResetUserLimit bounds /reset requests per user name, whichever
	// clients send them: the email is all a reset needs, and this bounds
	// how many emails can be tried for one user.
	// Optional. Default 5 per hour.
	ResetUserLimit Limit

	// MaxUsers refuses registrations while the store holds that many
	// users or more, with 403 and the body of /register's refusals.
	// The count comes from listing the store at most once a minute, plus
	// the registrations and deregistrations this handler made since.
	// Optional. Default 0: no cap.
	MaxUsers int

	// MaxTracked bounds the clients, and separately the user names,
	// whose limits are remembered.
	// Optional. Default 10,000.
	MaxTracked int

	// OnOutcome, if not nil, is called once per request to one of the
	// four operations, after the answer is written, with what became of
	// it: for metrics, such as registrations by outcome and 429s by
	// limit. It must be safe for concurrent use.
	// Optional. Default nil.
	OnOutcome func(r *http.Request, o Outcome)

	// Logger receives what the service cannot do at level ERROR (an
	// operation that could not complete, with the user name, cut to 64
	// bytes, and the cache's error); never a token or an email. At most
	// 10 such lines at once, then one a second; the next line logged
	// counts those held back (held_back).
	// Optional. Default slog.Default().
	Logger *slog.Logger

	// OnAudit receives one AuditEvent for each /register, /reset and
	// /deregister request that reaches its operation, accepted or refused
	// by it (already registered, email mismatch, wrong or expired token,
	// not registered, unusable name or email), after the outcome is
	// known and before the answer, with the request's context, which
	// carries the client's address (see ClientAddr). Requests refused
	// before (malformed, too large, past a limit, at the cap on users)
	// and operations that could not complete make none. If it returns an
	// error, the answer is 500, "… could not complete", and the error is
	// logged at ERROR; an accepted registration or reset then stands,
	// but its token is not given out (a reset issues another).
	// Optional. Default nil: no audit trail.
	OnAudit func(ctx context.Context, e AuditEvent) error
}

// DefaultHandlerConfig returns the configuration [Handler] uses, where the
// zero fields of a [HandlerConfig] take their values from: the limits of
// [Handler], no cap on users, and a nil Logger, which stands for
// slog.Default(). Each call returns a new value, for the caller to change.
func DefaultHandlerConfig() HandlerConfig {
	return HandlerConfig{
		ClientKey:      ClientIP,
		RegisterLimit:  Limit{Requests: 10, Per: 10 * time.Minute},
		ResetLimit:     Limit{Requests: 10, Per: 10 * time.Minute},
		ResetUserLimit: Limit{Requests: 5, Per: time.Hour},
		MaxTracked:     10_000,
	}
}

// withDefaults returns cfg with its zero fields taken from
// [DefaultHandlerConfig], and a nil Logger set to slog.Default().
func (cfg HandlerConfig) withDefaults() HandlerConfig {
	def := DefaultHandlerConfig()
	if cfg.ClientKey == nil {
		cfg.ClientKey = def.ClientKey
	}
	for _, l := range []struct{ cfg, def *Limit }{
		{&cfg.RegisterLimit, &def.RegisterLimit},
		{&cfg.ResetLimit, &def.ResetLimit},
		{&cfg.ResetUserLimit, &def.ResetUserLimit},
	} {
		if *l.cfg == (Limit{}) {
			*l.cfg = *l.def
		}
	}
	if cfg.MaxUsers == 0 {
		cfg.MaxUsers = def.MaxUsers
	}
	if cfg.MaxTracked == 0 {
		cfg.MaxTracked = def.MaxTracked
	}
	if cfg.OnOutcome == nil {
		cfg.OnOutcome = def.OnOutcome
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.OnAudit == nil {
		cfg.OnAudit = def.OnAudit
	}
	return cfg
}

// check reports what makes cfg, defaults applied, unusable.
func (cfg HandlerConfig) check() error {
	for _, l := range []struct {
		name  string
		limit Limit
	}{
		{"RegisterLimit", cfg.RegisterLimit},
		{"ResetLimit", cfg.ResetLimit},
		{"ResetUserLimit", cfg.ResetUserLimit},
	} {
		if !l.limit.off() && (l.limit.Requests < 1 || l.limit.Per <= 0) {
			return fmt.Errorf("httpapi: %s %v: want at least 1 request per a positive period, or NoLimit", l.name, l.limit)
		}
	}
	switch {
	case cfg.MaxUsers < 0:
		return fmt.Errorf("httpapi: MaxUsers %d is negative", cfg.MaxUsers)
	case cfg.MaxTracked < 1:
		return fmt.Errorf("httpapi: MaxTracked %d is not positive", cfg.MaxTracked)
	}
	return nil
}

// HandlerWithConfig is [Handler] configured by cfg, whose zero fields take
// their values from [DefaultHandlerConfig]. It panics if c is nil or cfg
// is invalid; [HandlerConfig.ToHandler] returns that as an error instead.
func HandlerWithConfig(c *cache.Cache, cfg HandlerConfig) http.Handler {
	h, err := cfg.ToHandler(c)
	if err != nil {
		panic(err)
	}
	return h
}

// ToHandler returns the handler of [HandlerWithConfig], or an error if c
// is nil, a limit is neither NoLimit nor at least one request per a
// positive period, MaxUsers is negative or MaxTracked is not positive.
func (cfg HandlerConfig) ToHandler(c *cache.Cache) (http.Handler, error) {
	if c == nil {
		return nil, errors.New("httpapi: Handler needs a non-nil *cache.Cache")
	}
	return newService(c, cfg)
}
