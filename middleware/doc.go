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
// The token header never reaches the next handler, and neither does a
// header that reads as a credential header when '_' is read as '-'
// (X_Fixie_User), as CGI, WSGI and PHP read header names: a request with
// one is refused. [Config.OnOutcome] reports each decision for logging and
// metrics, without the token.
//
// # One decision, many doors
//
// A [Checker] is the decision itself: it reads the credentials from a
// header map (an [http.Header], or gRPC metadata), refuses look-alike and
// repeated credential headers, removes the token, asks the [Verifier] with
// the request's context and reports an [Outcome]. [Auth] is a thin door
// over it; Echo users find another in package middleware/echomw (this
// package does not import Echo), and other doors are built the same way.
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
//	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
package middleware
