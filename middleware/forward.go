package middleware

import "net/http"

// ForwardAuth returns the handler that a reverse proxy asks before it lets
// a request through: nginx's auth_request, Caddy's forward_auth, Traefik's
// ForwardAuth. The proxy passes it the client's request headers (any
// method; a body is ignored) and it answers with the decision of a
// [Checker] on them:
//   - accepted: 200, an empty body, and the user header (X-Fixie-User, or
//     cfg.UserHeader) set to the verified user, always, so that a proxy
//     that copies it onto the request overwrites whatever the client sent;
//   - missing or refused credentials, a repeated or look-alike credential
//     header among them: 401 with the challenge and body of [Auth];
//   - verification that could not complete: 500 with the body of [Auth];
//     never 200.
//
// cfg's UserHeader, TokenHeader, Realm, BasicAuth and OnOutcome apply;
// Skipper and ErrorHandler do not, since this answer is what the proxy
// acts on. The proxy, not this handler, removes the token (and, with
// BasicAuth, the Authorization header) from the request it forwards: see
// the configurations in this package's README.
//
// ForwardAuth panics, when called and not on a request, if v is nil or a
// nil pointer or cfg is invalid; [Config.ToForwardAuth] reports the same
// problems as an error.
func ForwardAuth(v Verifier, cfg Config) http.Handler {
	h, err := cfg.ToForwardAuth(v)
	if err != nil {
		panic(err)
	}
	return h
}

// ToForwardAuth returns the handler of [ForwardAuth], or the error of
// [NewChecker] for v and cfg.
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
