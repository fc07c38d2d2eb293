package middleware

import "net/http"

// ForwardAuth returns the handler a reverse proxy asks before it forwards a
// request (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth). It
// decides on the request's headers, any method, as a [Checker] does: 200,
// an empty body and the user header set to the verified user (always, so
// that a proxy copying it overwrites the client's); 401 with [Auth]'s
// challenge and body for a refusal; 500 when verification could not
// complete. cfg's Skipper and ErrorHandler do not apply. The proxy removes
// the token (with BasicAuth, Authorization) itself: see README.md in this directory.
// ForwardAuth panics at once if v is nil or a nil pointer or cfg is invalid.
func ForwardAuth(v Verifier, cfg Config) http.Handler {
	h, err := cfg.ToForwardAuth(v)
	if err != nil {
		panic(err)
	}
	return h
}

// ToForwardAuth returns the handler of [ForwardAuth], or the error of
// [NewChecker] for v and cfg instead of a panic.
func (cfg Config) ToForwardAuth(v Verifier) (http.Handler, error) {
	chk, err := NewChecker(v, cfg)
	if err != nil {
		return nil, err
	}
	onOutcome := cfg.OnOutcome
	if onOutcome != nil {
		chk = chk.Timed()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := chk.Check(r.Context(), r.Header)
		if onOutcome != nil {
			onOutcome(r, o)
		}
		if o.Result != Accepted {
			defaultErrorHandler(w, r, chk.Refuse(w.Header(), o))
			return
		}
		w.Header()[chk.user.key] = []string{o.User}
		w.WriteHeader(http.StatusOK)
	}), nil
}
