package servemain

import (
	"log/slog"
	"net/http"

	"github.com/fixiecreds/fixiecreds/cache"
	"github.com/fixiecreds/fixiecreds/middleware"
)

// Env is what an example server builds its handler from.
type Env struct {
	Creds *cache.Cache
	Log   *slog.Logger

	// Observe is nil, or, with -metrics, the hook that counts every
	// authentication decision for /metrics: call it from the
	// middleware's OnOutcome (see Both).
	Observe func(*http.Request, middleware.Outcome)
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
