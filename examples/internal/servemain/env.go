package servemain

import (
	"log/slog"
	"net/http"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/examples/internal/authlog"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// Env is what an example server builds its handler from.
type Env struct {
	// Creds is the credentials cache.
	Creds *cache.Cache
	// Log is the server's log.
	Log *slog.Logger
	// Service is the fixie-creds service on Creds, with the limits the
	// flags set, to mount under /creds/.
	Service http.Handler
	// AuthLog logs the middleware's decisions, bounded: see OnOutcome.
	AuthLog *authlog.Writer
	// Observe is nil, or, with -metrics-addr, the hook that counts every
	// authentication decision for /metrics: see OnOutcome.
	Observe func(*http.Request, middleware.Outcome)
}

// OnOutcome returns the hook for the middleware's OnOutcome: the log of
// decisions and, with -metrics-addr, their count.
func (env Env) OnOutcome() func(*http.Request, middleware.Outcome) {
	return Both(env.AuthLog.Outcome, env.Observe)
}

// ForwardAuth returns the handler that the example servers serve at
// /forward-auth, for a reverse proxy in front of them (nginx
// auth_request, Caddy forward_auth): the credentials and answers of
// their protected routes, its decisions logged and counted as theirs.
func (env Env) ForwardAuth() http.Handler {
	return middleware.ForwardAuth(env.Creds, middleware.Config{OnOutcome: env.OnOutcome()})
}

// Both returns an OnOutcome hook that calls each of hooks that is not
// nil, in order; nil if none is.
func Both(hooks ...func(*http.Request, middleware.Outcome)) func(*http.Request, middleware.Outcome) {
	var set []func(*http.Request, middleware.Outcome)
	for _, h := range hooks {
		if h != nil {
			set = append(set, h)
		}
	}
	switch len(set) {
	case 0:
		return nil
	case 1:
		return set[0]
	}
	return func(r *http.Request, o middleware.Outcome) {
		for _, h := range set {
			h(r, o)
		}
	}
}
