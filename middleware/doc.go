// Package middleware protects net/http routes with fixie credentials.
//
// # Protecting routes
//
// [Auth] and [AuthWithConfig] return middleware of the standard shape
// func(http.Handler) http.Handler, so it wraps single handlers on an
// [http.ServeMux] and plugs into chi, gorilla/mux or alice as is. It reads the
// X-Fixie-User and X-Fixie-Token headers (or, if configured, an
// "Authorization: Basic" header with the token as password), asks a
// [Verifier] — a [*cache.Cache] on a local credentials directory, or an
// httpapi.Client asking a credentials service shared by many servers — and
// then either runs the next handler with the user in the request context
// ([UserFromContext]) or answers itself:
//
//   - 401, a WWW-Authenticate: Fixie challenge and {"message":"Unauthorized"}
//     for missing or empty headers, an unknown user, a wrong or malformed
//     token and an unusable name alike, so that clients cannot tell which
//     users exist;
//   - 500 when verification could not complete; the request never passes.
//
// The token header never reaches the next handler. [Config.OnOutcome]
// reports each decision for logging and metrics, without the token.
//
// Echo users find the same middleware in package middleware/echomw; this
// package does not import Echo.
//
// The fixie-creds HTTP service that lets clients register, and the client
// that verifies against a remote one, are in package cache/httpapi.
//
// # Example
//
//	c, err := cache.New("") // $FIXIE_CREDS_DIR, or the default directory
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer c.Close()
//
//	mux := http.NewServeMux()
//	mux.Handle("GET /private", middleware.Auth(c)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		user, _ := middleware.UserFromContext(r.Context())
//		fmt.Fprintf(w, "hello, %s\n", user)
//	})))
//	log.Fatal(http.ListenAndServe(":8080", mux))
package middleware
